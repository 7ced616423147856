"""What the engine benchmarks share: host emulators in their own processes, an idle control
process with the same heartbeat, and the engine run while a heartbeat measures the loop."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import figure

KEY = "bench-key-0000"
HEARTBEAT = 0.005

CONTROL = """
import asyncio, sys, threading
stalls = []
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
async def beat():
    loop = asyncio.get_running_loop()
    while not done.is_set():
        start = loop.time()
        await asyncio.sleep(0.005)
        stalls.append(loop.time() - start - 0.005)
asyncio.run(beat())
stalls.sort()
print(stalls[-1] * 1000, stalls[int(len(stalls) * 0.99)] * 1000)
"""


def start_control() -> subprocess.Popen[str]:
    """An idle process with the same heartbeat: what this machine's scheduler alone costs."""
    return subprocess.Popen(
        [sys.executable, "-c", CONTROL], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _niced(value: int) -> Any:
    if value <= 0 or not hasattr(os, "nice"):
        return None
    return lambda: os.nice(value)


@contextmanager
def emulators(hosts: list[str], flags: list[str], nice: int = 0) -> Iterator[None]:
    """One emulator per host (`python -m tests.fakes HOST --key KEY *flags`), the app pointed at
    each by its environment overrides; stopped on the way out."""
    started: list[subprocess.Popen[str]] = []
    try:
        for host in hosts:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.fakes", host, "--key", KEY, *flags],
                stdout=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).resolve().parent.parent,
                preexec_fn=_niced(nice),
            )
            started.append(process)
            assert process.stdout is not None
            url = process.stdout.readline().rsplit(" ", 1)[-1].strip()  # "<host> emulator at URL"
            name = host.upper()
            os.environ[f"FOLEYDESK_{name}_BASE_URL"] = url
            os.environ[f"FOLEYDESK_{name}_UPLOAD_URL"] = url
            os.environ[f"FOLEYDESK_{name}_API_KEY"] = KEY
        yield
    finally:
        for process in started:
            process.terminate()
            process.wait(10)


@dataclass
class LoopRun:
    """An engine run to idle, with the loop's heartbeat and the idle control's beside it."""

    elapsed: float = 0.0
    stalls: list[float] = field(default_factory=list)  # s late, per beat
    busy: list[float] = field(default_factory=list)  # the loop thread's own CPU per beat, s
    control: list[float] = field(default_factory=list)  # the control's [max, p99], ms

    def report(self, target_ms: float) -> None:
        stalls, busy = sorted(self.stalls), sorted(self.busy)
        figure("event loop stall max", stalls[-1] * 1000, f"ms (target <= {target_ms:g})")
        figure("event loop stall p99", stalls[int(len(stalls) * 0.99)] * 1000, "ms")
        # The loop thread's own CPU between two beats: our work on the loop, which other
        # processes on a loaded machine do not inflate (a long stall with little CPU waited).
        figure("event loop CPU per beat max", busy[-1] * 1000, "ms")
        figure("event loop CPU per beat p99", busy[int(len(busy) * 0.99)] * 1000, "ms")
        if self.control:
            figure("control: idle process stall max (machine noise)", self.control[0], "ms")
            figure("control: idle process stall p99 (machine noise)", self.control[1], "ms")


async def run_measured(engine: Any, slow_callback: float) -> LoopRun:
    """engine.run_until_idle() while a heartbeat and the idle control measure the loop."""
    run = LoopRun()
    loop = asyncio.get_running_loop()
    loop.slow_callback_duration = slow_callback  # named under BENCH_DEBUG
    stop = asyncio.Event()

    async def heartbeat() -> None:
        while not stop.is_set():
            start, cpu = loop.time(), time.thread_time()
            await asyncio.sleep(HEARTBEAT)
            run.stalls.append(loop.time() - start - HEARTBEAT)
            run.busy.append(time.thread_time() - cpu)

    control = start_control()
    beat = asyncio.ensure_future(heartbeat())
    start = time.perf_counter()
    await engine.run_until_idle()
    run.elapsed = time.perf_counter() - start
    stop.set()
    await beat
    out, _ = control.communicate("", timeout=30)
    run.control = [float(v) for v in out.split()]
    return run
