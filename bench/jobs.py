"""Job engine under load: 20 jobs with 50 MB uploads and 50 MB downloads against the emulators
(in their own processes), while a heartbeat task measures how long the event loop ever stalls.

Also the app's own overhead per job (upload, poll notice delay, download + decode + take) and a
real segment cut against the ffmpeg command line doing the same cut.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from bench.common import ffmpeg, figure, timed, work_dir
from bench.engine_load import LoopRun, emulators, run_measured

JOBS_PER_HOST = 10
HOSTS = ("eachlabs", "wavespeed")
PAD_MB = 50
LATENCY = 1.0


def padded_copy(segment: Path, target: Path, megabytes: int) -> None:
    """A valid MP4 that weighs `megabytes`: the real segment plus a trailing `free` box."""
    pad = megabytes * 1024 * 1024 - segment.stat().st_size - 8
    with open(target, "wb") as fh:
        fh.write(segment.read_bytes())
        fh.write((8 + pad).to_bytes(4, "big") + b"free")
        fh.write(b"\0" * pad)


def run_load(folder: Path) -> None:
    from foleydesk.core.model import Cue, CueKind, JobState
    from foleydesk.core.project import Project
    from foleydesk.jobs.engine import JobEngine, JobEvent
    from foleydesk.jobs.limits import UsageLedger
    from foleydesk.media.probe import probe, source_media_from_info
    from foleydesk.media.segments import SegmentSpec, cut_segment
    from foleydesk.providers.http import make_client
    from foleydesk.settings import Settings
    from tests.fakes.clips import make_clip

    clip = make_clip(folder / "shot.mp4", frames=75, size=(320, 180), jumps=(20, 50))
    project = Project.create(folder / "load.foleydesk", source_media_from_info(probe(clip)))
    lane = project.default_lane(CueKind.FOLEY)
    for n in range(JOBS_PER_HOST * len(HOSTS)):
        project.add_cue(
            Cue(
                0,
                lane.id,
                n % 10,
                n % 10 + 50,
                prompt=f"load {n} knock",
                provider_id=HOSTS[n % len(HOSTS)],
                colour="",
            )
        )
    real = cut_segment(clip, Fraction(0), Fraction(2), SegmentSpec(), folder / "real.mp4")

    events: dict[int, dict[str, float]] = {}

    def on_event(event: JobEvent) -> None:
        stamps = events.setdefault(event.job_id, {})
        key = event.state.value if event.text != "submitted" else "submitted"
        stamps.setdefault(key, time.perf_counter())

    async def main() -> LoopRun:
        async with make_client(trust_env=False) as client:
            engine = JobEngine(project, client, Settings(), ledger=UsageLedger(folder / "u.json"))
            engine.events.connect(on_event)
            jobs = []
            for host in HOSTS:
                ids = [c.id for c in project.sorted_cues() if c.provider_id == host]
                jobs += engine.enqueue(ids, host)
            for job in jobs:  # the upload segments, 50 MB each, already cut
                padded_copy(
                    real, engine.segment_path(job, engine.provider(job.provider_id)), PAD_MB
                )
            measured = await run_measured(engine, slow_callback=0.02)
            await engine.aclose()
            return measured

    measured = asyncio.run(main(), debug=bool(os.environ.get("BENCH_DEBUG")))
    done = [j for j in project.jobs.values() if j.state is JobState.DONE]
    for job in project.jobs.values():
        if job.state is not JobState.DONE:
            print(f"# job {job.id} {job.provider_id}: {job.state.value} {job.error}")
    figure("jobs done", len(done), f"of {len(project.jobs)}")
    figure("jobs wall time", measured.elapsed, "s")
    measured.report(target_ms=30)
    uploads, notices, fetches = [], [], []
    for stamps in events.values():
        if {"uploading", "submitting", "submitted", "downloading", "done"} <= set(stamps):
            uploads.append(stamps["submitting"] - stamps["uploading"])
            notices.append(stamps["downloading"] - stamps["submitted"] - LATENCY)
            fetches.append(stamps["done"] - stamps["downloading"])
    figure("upload 50 MB per job (mean)", statistics.mean(uploads), "s")
    figure("poll notice delay per job (mean)", statistics.mean(notices) * 1000, "ms")
    figure("download 50 MB + decode + take per job (mean)", statistics.mean(fetches), "s")
    per_job = statistics.mean(u + n + f for u, n, f in zip(uploads, notices, fetches, strict=True))
    figure("app overhead per job (upload + notice + download + decode)", per_job, "s")
    project.close()


def segment_vs_ffmpeg(folder: Path) -> None:
    """Cutting an 8 s range to the upload spec: ours (PyAV) against the ffmpeg CLI."""
    from foleydesk.media.segments import SegmentSpec, cut_segment
    from tests.fakes.clips import make_clip

    source = make_clip(folder / "source.mp4", frames=500, size=(1280, 720), jumps=(40, 200, 400))
    spec = SegmentSpec()
    ours = timed(
        lambda: cut_segment(source, Fraction(4), Fraction(12), spec, folder / "ours.mp4"), repeat=2
    )
    theirs = timed(
        lambda: ffmpeg(
            "-ss",
            "4",
            "-t",
            "8",
            "-i",
            str(source),
            "-vf",
            "scale=-2:480,fps=25",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-an",
            "-movflags",
            "+faststart",
            str(folder / "ff.mp4"),
        ),
        repeat=2,
    )
    figure("segment cut 8 s 720p->480p (ours)", ours, "s")
    figure("segment cut 8 s 720p->480p (ffmpeg CLI)", theirs, "s")
    figure("segment cut ratio ours/ffmpeg", ours / theirs, "x")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="jobs-", dir=work_dir("jobs")))
    os.environ.setdefault("FOLEYDESK_CONFIG_DIR", str(folder / "config"))
    with emulators(list(HOSTS), ["--latency", str(LATENCY), "--pad-mb", str(PAD_MB)]):
        run_load(folder)
    segment_vs_ffmpeg(folder)
    offline_render_speed(folder)
    shutil.rmtree(folder, ignore_errors=True)


def offline_render_speed(folder: Path) -> None:
    """The offline provider sketches 10 s of sound from a 10 s segment (goal: well under 1 s)."""
    from foleydesk.core.model import CueKind
    from foleydesk.providers.base import GenerationRequest
    from foleydesk.providers.hosts.offline import render
    from tests.fakes.clips import make_clip

    clip = make_clip(folder / "ten.mp4", frames=250, jumps=(20, 80, 140, 200))
    request = GenerationRequest(
        CueKind.FOLEY, "door slam, traffic", Fraction(10), segment=clip, seed=3
    )
    render(request)  # imports and caches warm
    figure("offline provider render of 10 s", timed(lambda: render(request), repeat=3), "s")


if __name__ == "__main__":
    main()
