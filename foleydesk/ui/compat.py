"""Every qasync and PySide6 quirk in one place: import order, loop start, strong task
references, dialogs, and a reference-count guard for PySide6 6.12 on Python 3.11.

qasync 0.28 probes PyQt first unless PySide6 is imported before it, lets tasks started from
slots be garbage-collected mid-flight, and deadlocks when a coroutine runs a nested event loop
(QDialog.exec). The helpers here avoid each of those.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtWidgets import QApplication, QDialog

# isort: split
import qasync

from foleydesk.threads import favour_the_loop

log = logging.getLogger(__name__)
T = TypeVar("T")

# -- PySide6 6.12 on Python 3.11: None/True/False lose a reference on every void call and every
# Signal.emit (the bindings assume Python 3.12's immortal singletons). After some thousands of
# paints None's count reaches zero and the interpreter aborts ("deallocating None"). Where the
# leak is measured, the three singletons get the large count Python 3.12 gives them anyway.

PIN = 1 << 40


class _Probe(QObject):
    ping = Signal()


def _losses(n: int = 64) -> tuple[int, int]:
    """How many references None and True lose over n void calls and n emits."""
    point, probe = QPointF(0.0, 0.0), _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(n):
        point.setX(1.0)
        probe.ping.emit()
    return none_before - sys.getrefcount(None), true_before - sys.getrefcount(True)


def guard_singleton_refcounts() -> bool:
    """Pin None, True and False when the bindings are measured to leak them (True if done)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    lost_none, lost_true = _losses()
    if lost_none < 32 and lost_true < 32:
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += PIN
    log.info("PySide6 leaks references to None/True; pinned them (as Python 3.12 does)")
    return True


PINNED = guard_singleton_refcounts()


DEFAULT_WORKERS = 4


def _plain_executor(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
    """Python threads, not qasync's QThread executor: PyAV and numpy work there, and QThreads
    running Python code crash the interpreter at exit (seen with PySide6 6.12)."""
    loop.set_default_executor(ThreadPoolExecutor(DEFAULT_WORKERS, thread_name_prefix="worker"))
    return loop


def new_loop(app: QApplication | None = None) -> asyncio.AbstractEventLoop:
    """A qasync loop for `asyncio.Runner(loop_factory=new_loop)`."""
    favour_the_loop()
    return _plain_executor(qasync.QEventLoop(app or QApplication.instance()))


def attach_running_loop(app: QApplication) -> asyncio.AbstractEventLoop:
    """A loop driven by a Qt event loop someone else runs (pytest-qt's qtbot.wait*)."""
    favour_the_loop()
    return _plain_executor(qasync.QEventLoop(app, already_running=True))


def detach_running_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Undo attach_running_loop: let pending callbacks go and clear the running-loop slot."""
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.stop()
    asyncio.events._set_running_loop(None)
    loop.close()


class TaskKeeper:
    """Holds strong references to background tasks and logs their failures.

    `on_error` receives every exception a task ends with (a UserError goes to the error banner).
    """

    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error

    def spawn(self, coro: Coroutine[Any, Any, T], name: str = "") -> asyncio.Task[T]:
        task = asyncio.get_event_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if self._on_error is not None:
            self._on_error(exc)
        else:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


async def dialog_result(dialog: QDialog) -> int:
    """Show a dialog window-modally with open() and await its result, never exec()."""
    future: asyncio.Future[int] = asyncio.get_event_loop().create_future()

    def finished(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(finished)
