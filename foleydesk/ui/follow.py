"""The window follows what other processes write to its project (a terminal's `foleydesk cue
add`, `generate`, `cancel`, or a second app), within a second and without blocking the loop.

Four times a second `PRAGMA data_version` is read in a worker thread (core/sync.py); when
another process committed, the records are read in one snapshot and only those that differ are
replaced and announced, so the timeline, cue list, takes and jobs panels repaint what changed and
the selection stays. Once a second it asks whether another process has the file open (the status
note), and every few seconds whether a job was left without a live owner (its process died),
which the job controller then takes over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from foleydesk.core.model import JobState
from foleydesk.core.sync import FileState, apply, read_file
from foleydesk.jobs.lease import JobLeases
from foleydesk.ui.compat import TaskKeeper
from foleydesk.ui.session import ProjectSession

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
OTHERS_EVERY = 4  # polls: once a second
ORPHANS_EVERY = 20  # polls: every five seconds


class ProjectFollower(QObject):
    """Driven by a QTimer and executor futures, not by an asyncio task: a task woken four times
    a second collides with code that spins Qt's event loop from inside another task."""

    others_changed = Signal(object)  # another process's id, or None when we are alone

    def __init__(
        self,
        session: ProjectSession,
        tasks: TaskKeeper,
        adopt: Callable[[], Coroutine[Any, Any, None]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.adopt = adopt
        self.other: int | None = None
        self._closed = False
        self._reading = False
        self._ticks = 0
        self._leases = JobLeases(session.project.store)  # only to read who holds what
        self._timer = QTimer(self)
        self._timer.setInterval(int(POLL_SECONDS * 1000))
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def close(self) -> None:
        self._closed = True
        self._timer.stop()

    def _tick(self) -> None:
        if self._closed or self._reading:
            return
        self._ticks += 1
        project = self.session.project
        self._reading = True
        loop = asyncio.get_event_loop()
        future = loop.run_in_executor(None, read_file, project, project.local_edits)
        future.add_done_callback(self._on_read)
        if self._ticks % OTHERS_EVERY == 0:
            self._check_others()
        if self._ticks % ORPHANS_EVERY == 0 and self.adopt is not None:
            jobs = [j.id for j in project.unfinished_jobs() if j.state is not JobState.UNCERTAIN]
            if jobs:
                check = loop.run_in_executor(None, self._any_orphan, jobs)
                check.add_done_callback(self._on_orphans)

    def _on_read(self, future: asyncio.Future[FileState | None]) -> None:
        self._reading = False
        if self._closed or future.cancelled():
            return
        exc = future.exception()
        if exc is not None:  # busy or gone for a moment: the next tick reads again
            log.warning("following the project file: %s", exc)
            return
        state = future.result()
        if state is not None:
            apply(self.session.project, state)

    def poll_now(self) -> None:
        """Read at once (tests; a window just raised)."""
        self._tick()

    def _check_others(self) -> None:
        other = self.session.project.store.other_process()
        if other != self.other:
            self.other = other
            self.others_changed.emit(other)

    def _any_orphan(self, jobs: list[int]) -> bool:
        """Is an unfinished job left with no lease, or a dead holder's?"""
        return any(self._leases.held_elsewhere(i) is None for i in jobs)

    def _on_orphans(self, future: asyncio.Future[bool]) -> None:
        if self._closed or future.cancelled() or future.exception() is not None:
            return
        if future.result() and self.adopt is not None:
            self.tasks.spawn(self.adopt(), "adopt-jobs")
