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
    """A thread pool whose threads run at background priority and give the GIL back to the
    loop within a millisecond (favour_the_loop)."""
    favour_the_loop()
    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=lower_this_thread)


LOOP_SWITCH_INTERVAL = 0.001  # seconds a worker may keep the GIL while the loop waits for it


def favour_the_loop() -> None:
    """Make a worker thread hand the GIL back to the event loop after 1 ms instead of Python's
    5 ms. The loop gives the GIL up at every wait and at many Qt calls, and takes it back each
    time: behind a thread cutting a segment or building peaks, each of those waits cost up to
    the switch interval, and a beat of the loop holds dozens of them (measured on two busy
    cores: a pure-Python worker stalled a 5 ms heartbeat 35 ms at worst, 14 ms with 1 ms).
    Process-wide and idempotent: called where a loop that must stay free starts."""
    if sys.getswitchinterval() > LOOP_SWITCH_INTERVAL:
        sys.setswitchinterval(LOOP_SWITCH_INTERVAL)
