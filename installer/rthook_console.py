"""PyInstaller runtime hook: give windowed builds somewhere to write.

A windowed Windows build starts with sys.stdout and sys.stderr set to None, so a stray print,
a warning or a crash trace would vanish (or raise). Route them to a console log next to
foleydesk.log and let faulthandler dump native crashes (Qt, FFmpeg) there too.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys
from typing import TextIO


def _console_stream() -> TextIO:
    try:
        from foleydesk.paths import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return open(folder / "foleydesk-console.log", "a", encoding="utf-8", buffering=1)
    except OSError:
        return open(os.devnull, "w", encoding="utf-8")


if sys.stdout is None or sys.stderr is None:
    _stream = _console_stream()
    if sys.stdout is None:
        sys.stdout = _stream
    if sys.stderr is None:
        sys.stderr = _stream
with contextlib.suppress(AttributeError, ValueError, OSError):  # a stream without a fileno
    faulthandler.enable(sys.stderr)
