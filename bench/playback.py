"""Playback benchmark: 60 s of a 1080p30 H.264 and of a 4K25 long-GOP source, shown at 1280x720
on the null output (this module is the consumer: it asks for each frame when the clock reaches
it). Reports dropped frames, sync error p50/p99/max, CPU use, and decode throughput against
`ffmpeg -threads 2 -i SRC -f null -`. BENCH_PLAYBACK_SECONDS shortens the run.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from bench.common import ffmpeg, figure, timed, work_dir

VIEW = (1280, 720)


@dataclass(frozen=True)
class Source:
    name: str
    size: str
    rate: int
    gop: int


SOURCES = (
    Source("1080p30", "1920x1080", 30, 60),
    Source("4k25_longgop", "3840x2160", 25, 250),
)


def _seconds() -> int:
    return int(os.environ.get("BENCH_PLAYBACK_SECONDS", "60"))


def make_source(source: Source, seconds: int) -> Path:
    path = work_dir("playback") / f"{source.name}_{seconds}s.mp4"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp.mp4")
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={source.size}:rate={source.rate}",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", str(seconds + 1),
        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(source.gop),
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
        str(tmp),
    )  # fmt: skip
    tmp.replace(path)
    return path


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def play(path: Path, seconds: int, label: str) -> None:
    from foleydesk.core.project import Project
    from foleydesk.media.probe import probe, source_media_from_info
    from foleydesk.playback import PlaybackEngine

    with tempfile.TemporaryDirectory() as folder:
        project = Project.create(
            Path(folder) / "bench.foleydesk", source_media_from_info(probe(path))
        )
        engine = PlaybackEngine(project, use_device=False)
        try:
            engine.current_frame(VIEW)
            engine.wait_frame_ready(30)
            cpu0, wall0 = cpu_seconds(), time.monotonic()
            engine.reset_stats()
            engine.play()
            end = Fraction(seconds)
            while engine.playing and engine.position < end:
                due = engine.next_frame_time()
                if due is None:
                    time.sleep(0.002)
                    continue
                wait = float(due - engine.position)
                if wait > 0:
                    time.sleep(wait)
                engine.current_frame(VIEW)
            stats = engine.stats()
            cpu, wall = cpu_seconds() - cpu0, time.monotonic() - wall0
            engine.pause()
        finally:
            engine.close()
            project.close()
    errors_ms = [1000 * e for e in stats.sync_errors]
    figure(f"{label} played", wall, "s")
    figure(f"{label} frames presented", stats.presented_frames)
    figure(f"{label} dropped frames", stats.dropped_frames)
    figure(f"{label} sync error p50", stats.sync_median * 1000, "ms")
    figure(f"{label} sync error p99", stats.sync_percentile(99) * 1000, "ms")
    figure(f"{label} sync error max", max(errors_ms, default=0.0), "ms")
    figure(f"{label} audio underruns", stats.underruns)
    figure(f"{label} cpu", 100 * cpu / wall, "% of one core")


def decode_ratio(path: Path, label: str) -> None:
    """Frames/s our frame source decodes (scaled to the view) vs ffmpeg decoding the file."""
    from foleydesk.media.frames import FrameSource

    ffmpeg_wall = timed(lambda: ffmpeg("-threads", "2", "-i", str(path), "-f", "null", "-"))
    start = time.perf_counter()
    count = 0
    with FrameSource(path) as frames:
        for _ in frames.iter_from(Fraction(0), VIEW):
            count += 1
    ours = time.perf_counter() - start
    figure(f"{label} decode ffmpeg", count / ffmpeg_wall, "frames/s")
    figure(f"{label} decode foleydesk@1280x720", count / ours, "frames/s")
    figure(f"{label} decode ratio (ffmpeg time / ours)", ffmpeg_wall / ours, "x")


def main() -> None:
    seconds = _seconds()
    for source in SOURCES:
        path = make_source(source, seconds)
        play(path, seconds, source.name)
        decode_ratio(path, source.name)
