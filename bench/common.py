"""Helpers shared by the benchmarks: timing, the ffmpeg baseline, one line per figure."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"


def work_dir(name: str) -> Path:
    path = WORK / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def figure(name: str, value: float, unit: str = "") -> None:
    print(f"{name}: {value:.4g} {unit}".rstrip(), flush=True)


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall-clock seconds of `repeat` runs (best-of filters out a busy neighbour)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def ffmpeg(*args: str) -> None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise SystemExit("the benchmarks compare against the ffmpeg command line: install ffmpeg")
    subprocess.run([exe, "-v", "error", "-y", *args], check=True)
