"""How each NLE wants a media path written, and atomic writes of the exported text files.

Premiere's xmeml wants `file://localhost/` plus a percent-encoded path (drive letters as
`C%3a`); FCPXML wants a `file:///` URL; Resolve's OTIO import wants plain paths (it rejects
`file://` there), optionally relative to the exported file so a folder can move machines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

from foleydesk.media.atomic import atomic_output

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_SAFE = "/-._~!$&'()*+,;=@"


def _posix_parts(path: str) -> tuple[str, str]:
    """(drive letter or "", path with forward slashes and no leading slash)."""
    if _DRIVE.match(path):
        win = PureWindowsPath(path)
        return win.drive[0], "/".join(win.parts[1:])
    return "", str(PurePosixPath(path)).lstrip("/")


def xmeml_pathurl(path: str | Path) -> str:
    """`/Volumes/Foley é/a b.wav` -> `file://localhost/Volumes/Foley%20%C3%A9/a%20b.wav`."""
    drive, rest = _posix_parts(str(path))
    encoded = quote(rest, safe=_SAFE)
    if drive:
        return f"file://localhost/{drive}%3a/{encoded}"
    return f"file://localhost/{encoded}"


def file_url(path: str | Path) -> str:
    """A `file:///` URL (FCPXML media-rep src)."""
    drive, rest = _posix_parts(str(path))
    encoded = quote(rest, safe=_SAFE)
    return f"file:///{drive}:/{encoded}" if drive else f"file:///{encoded}"


def plain_path(path: str | Path, relative_to: Path | None = None) -> str:
    """A plain path for OTIO (Resolve), relative to `relative_to` when asked and possible."""
    text = str(path)
    if relative_to is None:
        return text
    try:
        return Path(os.path.relpath(text, relative_to)).as_posix()
    except ValueError:  # another drive on Windows: keep it absolute
        return text


def write_text_atomic(path: Path, text: str) -> Path:
    """UTF-8 text with LF line ends; the file appears under its name only when complete."""
    path = Path(path)
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return path
