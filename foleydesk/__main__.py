"""`python -m foleydesk ...` behaves like the `foleydesk` command."""

from foleydesk.app import main

raise SystemExit(main())
