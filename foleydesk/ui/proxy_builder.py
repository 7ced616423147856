"""The open project's viewer proxy: found, or built in a worker thread, never on the event loop.

A long-GOP or large source seeks slowly (hundreds of ms per exact frame); its all-intra proxy
(media/proxy.py) seeks in about a millisecond. The keeper looks for a finished proxy when the
project opens, else builds one when the viewer_proxy setting says so (or the user asks), reports
progress for the status bar, and says when it is ready so the viewer and the player can switch
at their next frame. Closing the project or the app cancels the build: no file is left.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.media.proxy import (
    ProxyCancelled,
    build_proxy,
    load_proxy,
    proxy_path,
    should_build_proxy,
)
from foleydesk.threads import background_pool
from foleydesk.ui.compat import TaskKeeper

log = logging.getLogger(__name__)
PROGRESS_MS = 250  # how often the status bar hears about a running build


class ProxyKeeper(QObject):
    ready = Signal(object, bool)  # the proxy's Path; True when it was just built
    progress_changed = Signal(object)  # float 0..1 while building, None when not building
    failed = Signal(object)  # UserError
    state_changed = Signal()  # building started or stopped, or a proxy became ready

    def __init__(self, project: Project, tasks: TaskKeeper, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.tasks = tasks
        self.source_path: Path | None = project.source_path
        self.path: Path | None = None  # the finished proxy
        self._cancel = threading.Event()
        self._go = threading.Event()  # cleared while the picture plays: the build waits
        self._go.set()
        self._idle = threading.Event()  # set while no build thread runs
        self._idle.set()
        self._build: asyncio.Future[Path] | None = None
        self._busy = False  # looking for, deciding on or building a proxy
        self._task: asyncio.Task[None] | None = None
        self._fraction = 0.0  # written by the build thread, read by the timer
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_MS)
        self._timer.timeout.connect(self._report)

    @property
    def building(self) -> bool:
        return self._build is not None

    @property
    def held(self) -> bool:
        """A build is waiting for the picture to stop playing."""
        return self.building and not self._go.is_set()

    def hold(self, playing: bool) -> None:
        """Hold a running build while the picture plays, from its next report on (about a
        second of video later). Decoding and encoding a 1080p source takes a core; on a
        two-core machine playback then drops frames and the loop stalls (bench ui: median
        stall 7-17 ms with the build, 0.6-2 ms without). The proxy only speeds up seeks,
        which wait until the picture stops anyway."""
        if playing:
            self._go.clear()
        else:
            self._go.set()
        self._report()

    @property
    def can_build(self) -> bool:
        """True when "Build viewer proxy now" has something to do."""
        return not (self.source_path is None or self.path or self._busy or self._closed)

    def start(self, setting: str) -> None:
        """Use the project's proxy if it has one, else build one when `setting` says so."""
        if self.source_path is not None and not self._closed:
            self._busy = True
            self._task = self.tasks.spawn(self._prepare(setting, force=False), "viewer-proxy")

    def build_now(self) -> None:
        """The user asked for a proxy (View menu), whatever the setting says."""
        if self.can_build:
            self._busy = True
            self.state_changed.emit()
            self._task = self.tasks.spawn(self._prepare("always", force=True), "viewer-proxy")

    async def _prepare(self, setting: str, force: bool) -> None:
        loop = asyncio.get_running_loop()
        source = self.source_path
        assert source is not None
        try:
            found = await loop.run_in_executor(None, load_proxy, self.project)
            if found is not None:
                self._set_ready(found, built=False)
                return
            if not force and not await self._worth_building(source, setting):
                return
            if self._closed:
                return
            await self._run_build(source)
        finally:
            self._busy = False
            if not self._closed:
                self.state_changed.emit()

    async def _worth_building(self, source: Path, setting: str) -> bool:
        """should_build_proxy off the loop; a source it cannot read gets no proxy (the viewer
        says what is wrong with the source itself)."""
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, should_build_proxy, source, setting
            )
        except UserError as exc:
            log.warning("no viewer proxy: %s", exc.message)
            return False

    async def _run_build(self, source: Path) -> None:
        loop = asyncio.get_running_loop()
        self._fraction = 0.0
        target = proxy_path(self.project)
        self._idle.clear()
        # Encoding a proxy is the heaviest thing the app does, and nobody waits on it at once:
        # its threads (the encoder's too) run at background priority, behind loop and picture.
        pool = background_pool(1, "foleydesk-proxy")
        self._build = loop.run_in_executor(pool, self._build_in_thread, source, target)
        pool.shutdown(wait=False)  # the pool's one thread ends with the build
        self.state_changed.emit()
        self._report()
        self._timer.start()
        try:
            path = await self._build
        except ProxyCancelled:
            log.info("viewer proxy build cancelled")
            return
        except UserError as exc:
            self._emit_failure(exc)
            return
        except Exception as exc:
            log.exception("viewer proxy build failed")
            self._emit_failure(
                UserError(
                    self.tr("The viewer proxy could not be built ({0}).").format(exc),
                    self.tr("Frames are read from the source: exact seeks stay slower."),
                )
            )
            return
        finally:
            self._build = None
            if not self._closed:  # closed: cancel() stopped the timer, the window is going
                self._timer.stop()
                self.progress_changed.emit(None)
        if not self._closed:
            self._set_ready(path, built=True)

    def _build_in_thread(self, source: Path, target: Path) -> Path:
        try:
            return build_proxy(source, target, 960, self._on_progress, self._cancel)
        finally:
            self._idle.set()

    def _on_progress(self, fraction: float) -> None:
        """Called in the build thread: stores the number (the timer reports it), and waits
        here while the picture plays (a cancel ends the wait: the build stops next frame)."""
        self._fraction = fraction
        while not self._go.wait(0.1) and not self._cancel.is_set():
            pass

    def _report(self) -> None:
        if self._build is not None and not self._closed:
            self.progress_changed.emit(self._fraction)

    def _emit_failure(self, exc: UserError) -> None:
        if not self._closed:
            self.failed.emit(exc)

    def _set_ready(self, path: Path, built: bool) -> None:
        self.path = path
        log.info("viewer proxy %s: %s", "built" if built else "found", path.name)
        self.ready.emit(path, built)

    def cancel(self) -> None:
        """Stop a running build at its next frame (from any thread, e.g. at quit)."""
        self._closed = True
        self._cancel.set()
        self._go.set()
        self._timer.stop()

    async def close(self) -> None:
        """Cancel and wait for the build thread to let go (it removes its temporary file) and
        for the task to finish with this object (the caller may delete it then)."""
        self.cancel()
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait([task], timeout=10.0)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 10.0
        while not self._idle.is_set() and loop.time() < give_up:
            await asyncio.sleep(0.01)  # one frame's decode at most, then the thread returns
