"""Keep SQLite's WAL from being deleted under a process that still has the project open.

SQLite's unix locks are POSIX record locks, which belong to the *process* and are all dropped
the moment any descriptor of the same file is closed in that process, not only SQLite's own.
Qt's file dialog does exactly that: its background file-info thread opens each file in the
folder it shows (to sniff a MIME type for the "Type" column) and closes it again. Once the
project's locks are gone, the next `foleydesk` command that closes its connection believes it
is the last one, checkpoints, and unlinks the -wal and -shm files; the app then writes into a
deleted WAL and every later edit is lost.

`LockGuard` takes Linux open-file-description (OFD) read locks on the two bytes that decide
"am I the last one": one byte of the database's SHARED range (another process's close needs an
EXCLUSIVE lock over that range to delete the WAL) and the -shm's DMS byte (another process's
open needs to write-lock it to reinitialise the shared memory). OFD locks belong to our own
descriptor, so no other close() in the process can drop them. Where OFD locks do not exist
(macOS) the guard does nothing; Windows locks are per handle and never had the problem.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# SQLite's unix VFS lock layout (os_unix.c / os.h): fixed by the file format.
PENDING_BYTE = 0x40000000
SHARED_FIRST = PENDING_BYTE + 2
SHARED_SIZE = 510
GUARD_BYTE = SHARED_FIRST + SHARED_SIZE - 1  # the last SHARED byte: EXCLUSIVE covers it
SHM_DMS_BYTE = 128  # UNIX_SHM_BASE (120) + SQLITE_SHM_NLOCK (8)

try:
    import fcntl

    _OFD_SETLK: int | None = getattr(fcntl, "F_OFD_SETLK", None)
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    _OFD_SETLK = None


def _flock(kind: int, start: int, length: int) -> bytes:
    # struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t
    return struct.pack("@hhqqi4x", kind, os.SEEK_SET, start, length, 0)


class LockGuard:
    """OFD read locks on a project's deciding bytes while its connection is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fds: list[int] = []
        self.active = False

    @staticmethod
    def supported() -> bool:
        return _OFD_SETLK is not None and sys.platform.startswith("linux")

    def hold(self) -> None:
        """Lock; call once SQLite has the database and its -shm open (after the first read)."""
        if not self.supported() or self.active:
            return
        assert fcntl is not None and _OFD_SETLK is not None
        wanted = [(self.path, GUARD_BYTE)]
        shm = self.path.with_name(self.path.name + "-shm")
        if shm.exists():
            wanted.append((shm, SHM_DMS_BYTE))
        for target, byte in wanted:
            try:
                fd = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError as exc:
                log.warning("no lock guard on %s: %s", target.name, exc)
                continue
            try:
                fcntl.fcntl(fd, _OFD_SETLK, _flock(fcntl.F_RDLCK, byte, 1))
            except OSError as exc:  # someone holds it for writing right now: not fatal
                log.warning("no lock guard on %s: %s", target.name, exc)
                os.close(fd)
                continue
            self._fds.append(fd)
        self.active = bool(self._fds)

    def release(self) -> None:
        """Unlock just before the connection closes (its close then decides on the WAL)."""
        fds, self._fds = self._fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.active = False

    def other_process(self) -> int | None:
        """The id of another process that has this project open, if any (None: only us)."""
        if fcntl is None or not self._fds:
            return None
        # A plain POSIX test: our own process's locks never conflict with it, and the range
        # stops short of the guard byte, so only other processes' SQLite SHARED locks answer.
        probe = _flock(fcntl.F_WRLCK, SHARED_FIRST, SHARED_SIZE - 1)
        try:
            answer = fcntl.fcntl(self._fds[0], fcntl.F_GETLK, probe)
        except OSError:
            return None
        kind, _whence, _start, _length, pid = struct.unpack("@hhqqi4x", answer)
        if kind == fcntl.F_UNLCK:
            return None
        return pid if pid > 0 else -1
