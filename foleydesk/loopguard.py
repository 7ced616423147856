"""Heavy steps refuse the event-loop thread: a 50 MB hash, a take's decode, a peaks build or a
project reload there freezes the picture and the keys for tens of milliseconds or more.

Each heavy function calls `off_loop("what it does")` first. It costs one lookup when called off
the loop. On the loop thread (any thread running an asyncio loop, the app's qasync loop
included, for Qt slots too) it logs a warning with the caller once per step; with
FOLEYDESK_LOOP_GUARD=raise (the test suite sets it) it raises OnLoopError and remembers the
call, so a test that drives the real flow fails on the thread the step ran on, never on how
long it took.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
ENV = "FOLEYDESK_LOOP_GUARD"

_warned: set[str] = set()
_lock = threading.Lock()
_allowed = threading.local()
violations: list[str] = []  # every refused call in this process (the tests check it is empty)


class OnLoopError(RuntimeError):
    """A heavy step was called on the event-loop thread (a programming error, never the user's)."""


def on_loop_thread() -> bool:
    """True on a thread that is running an asyncio event loop right now."""
    return asyncio._get_running_loop() is not None


def off_loop(step: str) -> None:
    """Say that `step` is heavy: fine in a worker thread or with no loop (the CLI's plain
    calls), reported on the loop thread."""
    if asyncio._get_running_loop() is None or _allowed_depth() > 0:
        return
    caller = "".join(traceback.format_stack(limit=4)[:-1]).rstrip()
    message = f"{step} ran on the event-loop thread; run it in an executor\n{caller}"
    if os.environ.get(ENV) == "raise":
        with _lock:
            violations.append(message)
        raise OnLoopError(message)
    with _lock:
        first = step not in _warned
        _warned.add(step)
    if first:
        log.warning("%s", message)


def _allowed_depth() -> int:
    depth: int = getattr(_allowed, "depth", 0)
    return depth


@contextmanager
def allowed() -> Iterator[None]:
    """Heavy steps inside are not reported (a test inspecting the file from a loop callback)."""
    _allowed.depth = _allowed_depth() + 1
    try:
        yield
    finally:
        _allowed.depth -= 1
