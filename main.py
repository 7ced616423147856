"""Thin entry point: `python main.py` starts the app; with arguments it runs the CLI."""

from foleydesk.app import main

if __name__ == "__main__":
    raise SystemExit(main())
