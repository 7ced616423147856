"""Jobs' CPU work (cutting segments, decoding and writing takes) runs at background priority,
so on a busy two-core machine the event loop and the picture get the CPU first."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.threads import BACKGROUND_NICE, LOOP_SWITCH_INTERVAL, background_pool
from tests.fakes.harness import fast_settings, run_engine

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def nice_here() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_background_pool_runs_below_the_loop() -> None:
    before = nice_here()
    with background_pool(2, "test-background") as pool:
        assert pool.submit(nice_here).result() == max(before, BACKGROUND_NICE)
    assert nice_here() == before  # the caller's own thread is untouched


def test_the_job_engines_cpu_work_runs_at_background_priority(project: Project) -> None:
    async def work(engine: JobEngine) -> int:
        return int(await engine._cpu_call(nice_here))

    assert run_engine(project, fast_settings(), work) == max(nice_here(), BACKGROUND_NICE)


def test_background_work_hands_the_gil_back_to_the_loop_within_a_millisecond() -> None:
    """A worker holding the GIL makes the loop wait up to the switch interval each time it
    takes the GIL back (Python's default is 5 ms)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        with background_pool(1, "test-switch"):
            assert sys.getswitchinterval() <= LOOP_SWITCH_INTERVAL
    finally:
        sys.setswitchinterval(before)
