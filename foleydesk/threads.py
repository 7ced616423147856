"""Worker threads for work nobody waits on at once (jobs' cutting and decoding, peaks of new
takes): on a busy machine they yield the CPU to the event loop and the picture, which an editor
feels at once, instead of competing with them as equals."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

BACKGROUND_NICE = 10  # Linux nice value: the scheduler gives these threads the leftovers first


def lower_this_thread() -> None:
    """Lower the calling thread's CPU priority (threads it starts, such as an encoder's, inherit
    it). Linux only: its nice value is per thread; elsewhere this does nothing."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):
            if os.getpriority(os.PRIO_PROCESS, thread) < BACKGROUND_NICE:  # never raise it
                os.setpriority(os.PRIO_PROCESS, thread, BACKGROUND_NICE)


def background_pool(workers: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose threads run at background priority."""
    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=lower_this_thread)
