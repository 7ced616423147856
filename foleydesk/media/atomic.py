"""Files that appear under their name only when complete: a temp file beside them, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: Path, prefix: str = "", suffix: str = ".part") -> Iterator[Path]:
    """Yields a hidden temp path beside `path`; when the block ends without an error it becomes
    `path` (readable like any file the user makes), otherwise it is removed. A crash, a cancel or
    a full disk never leaves half a file under the real name.

    `prefix` defaults to `.NAME.`, so an error naming the temp file still says which file it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=prefix or f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp's 0600 was for the half-written file only
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
