"""Headless commands over the same core as the app (no Qt is imported here).

Exit codes: 0 success, 2 bad input or a bad file (one clear line on stderr), 1 internal error
(with the log's path).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from foleydesk import __version__
from foleydesk.cli import (
    export_cmds,
    job_cmds,
    lane_cmds,
    loudness_cmds,
    markers_cmds,
    media_cmds,
    project_cmds,
)
from foleydesk.errors import UserError
from foleydesk.logs import redact, setup_logging
from foleydesk.paths import log_file

log = logging.getLogger("foleydesk.cli")

COMMAND_MODULES = (
    project_cmds,
    lane_cmds,
    markers_cmds,
    media_cmds,
    job_cmds,
    export_cmds,
    loudness_cmds,
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line plus a hint, still exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"foleydesk: {message}\nTry '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="foleydesk", description="FoleyDesk: AI foley for video editors.")
    parser.add_argument("--version", action="version", version=f"FoleyDesk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr too")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _shown_path(name: str) -> str:
    """The path as the user named it: a hidden `.x.part` temp file stands for its folder."""
    path = Path(name)
    if path.name.startswith(".") and path.suffix == ".part":
        return str(path.parent / path.name[1:].rsplit(".", 2)[0])
    return name


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"foleydesk: {redact(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `foleydesk info --json | head` closed the pipe: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's flush quiet
        return 0
    except OSError as exc:  # a path the user gave cannot be read or written: theirs to fix
        log.warning("file system error in %s: %s", args.command, exc)
        where = f": {_shown_path(str(exc.filename))}" if exc.filename else ""
        print(
            f"foleydesk: {redact(exc.strerror or str(exc))}{where}. Check the path, its "
            "permissions and the free space on the disk.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("foleydesk: interrupted", file=sys.stderr)
        return 130
    except Exception:
        log.exception("internal error in %s", args.command)
        print(f"foleydesk: internal error; details are in {log_file()}", file=sys.stderr)
        return 1
