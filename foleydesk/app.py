"""Entry point: no arguments start the desktop app, arguments run the headless CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--self-test"]:  # CI runs this on the frozen app: every native part present?
        from foleydesk.selftest import main as self_test

        return self_test(args[1:])
    gui_flags = {"--verbose", "-v"}
    if args and not set(args) <= gui_flags and not _is_openable(args):
        from foleydesk.cli import main as cli_main

        return int(cli_main(args))
    from foleydesk.ui.launch import run_gui  # Qt is imported only on this path

    return int(run_gui(args))


def _is_openable(args: list[str]) -> bool:
    """`foleydesk clip.mp4` or `foleydesk scene.foleydesk` opens the app on that file."""
    from foleydesk.core.project import OPENABLE_SUFFIXES

    rest = [a for a in args if not a.startswith("-")]
    return len(rest) == 1 and rest[0].lower().endswith(OPENABLE_SUFFIXES)
