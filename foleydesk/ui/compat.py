"""Every qasync quirk in one place: import order, loop start, strong task references, dialogs.

qasync 0.28 probes PyQt first unless PySide6 is imported before it, lets tasks started from
slots be garbage-collected mid-flight, and deadlocks when a coroutine runs a nested event loop
(QDialog.exec). The helpers here avoid each of those.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtWidgets import QApplication, QDialog

log = logging.getLogger(__name__)
T = TypeVar("T")


def new_loop(app: QApplication | None = None) -> asyncio.AbstractEventLoop:
    """A qasync loop for `asyncio.Runner(loop_factory=new_loop)`."""
    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app or QApplication.instance())
    return loop


def attach_running_loop(app: QApplication) -> asyncio.AbstractEventLoop:
    """A loop driven by a Qt event loop someone else runs (pytest-qt's qtbot.wait*)."""
    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app, already_running=True)
    return loop


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
