"""Nothing heavy runs on the event-loop thread (issue 17: the app stuttered while generating).

The guard is asserted by thread, never by time: a heavy step called on a thread that runs an
event loop raises under the test suite, so these tests fail the day someone calls one there,
however fast the machine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from foleydesk import loopguard
from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from foleydesk.jobs.prepare import sha256_of
from foleydesk.media.peaks import compute_peaks
from foleydesk.media.takes import decode_provider_output, write_wav
from tests.fakes.harness import generate, start_host

MB = 1024 * 1024


def _heavy_steps(project: Project, folder: Path) -> dict[str, Callable[[], object]]:
    big = folder / "download.bin"
    with open(big, "wb") as fh:  # a 50 MB result, as a host sends it
        fh.write(np.random.default_rng(1).bytes(50 * MB))
    take = write_wav(folder / "take.wav", np.zeros((48000, 2), np.float32))
    return {
        "hashing a 50 MB download": lambda: sha256_of(big),
        "decoding a take": lambda: decode_provider_output(take, 48000),
        "building peaks": lambda: compute_peaks(project.require_source()),
        "reloading the project": lambda: Project.open(project.path).close(),
    }


def test_heavy_steps_are_refused_on_the_loop_thread_and_run_in_a_worker(
    project: Project, tmp_path: Path
) -> None:
    steps = _heavy_steps(project, tmp_path)

    async def main() -> None:
        for name, step in steps.items():
            with pytest.raises(loopguard.OnLoopError, match="event-loop thread"):
                step()  # on the loop thread
            assert loopguard.violations, name
            loopguard.violations.clear()  # provoked on purpose
            await asyncio.to_thread(step)  # the same call in a worker thread is fine

    asyncio.run(main())
    for step in steps.values():  # and with no loop at all (the CLI's plain calls)
        step()


def test_a_guarded_step_outside_the_tests_warns_once_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(loopguard.ENV, "warn")
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 1000)

    async def main() -> list[str]:
        return [sha256_of(path), sha256_of(path)]

    digests = asyncio.run(main())
    assert digests[0] == digests[1]  # it still does its work in the app
    assert [r.message.splitlines()[0] for r in caplog.records if "event-loop" in r.message] == [
        "hashing a file ran on the event-loop thread; run it in an executor"
    ]
    assert not loopguard.violations


def test_jobs_with_50_mb_results_land_without_touching_the_loop(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's whole path with the benchmark's 50 MB results: download, decode, write,
    hash, record. Any of them on the loop thread fails the job and this test."""
    server = start_host(monkeypatch, "eachlabs", latency=0.1)
    server.pad_results = 50 * MB
    with server:
        job_ids = generate(project, "eachlabs", takes=2)
    for job_id in job_ids:
        job = project.job(job_id)
        assert job.state is JobState.DONE, job.error
        take = project.takes[job.take_id or 0]
        assert take.sha256 == sha256_of(project.take_path(take))
    assert not loopguard.violations
