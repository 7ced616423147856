"""The job engine's promises: task ids committed at once, resume without double submits,
uncertain submits wait for the user, cancel reaches the host, limits are kept."""

from __future__ import annotations

import asyncio
import time
from fractions import Fraction

import numpy as np
import pytest

from foleydesk.core.model import Job, JobState
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine
from foleydesk.jobs.limits import rate_wait
from foleydesk.media.takes import read_wav
from foleydesk.settings import Settings
from tests.fakes.harness import (
    ONSET_SECONDS,
    fast_settings,
    generate,
    run_engine,
    start_host,
)
from tests.fakes.hosts import QubicoHost


async def until(condition: object, timeout: float = 10.0) -> None:
    """Wait on the running loop until condition() is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


async def started(engine: JobEngine, provider_id: str) -> tuple[Job, asyncio.Future[None]]:
    """One job of cue 1 running in the background, once its task id is on disk."""
    (job,) = engine.enqueue([1], provider_id)
    runner = asyncio.ensure_future(engine.run_until_idle())
    await until(lambda: engine.project.job(job.id).task_id is not None)
    return job, runner


def test_several_takes_per_cue_with_counted_seeds(project: Project) -> None:
    job_ids = generate(project, "offline", takes=3, seed=10)
    jobs = [project.job(i) for i in job_ids]
    assert [j.state for j in jobs] == [JobState.DONE] * 3
    assert [j.request["seed"] for j in jobs] == [10, 11, 12]
    takes = [project.takes[j.take_id or 0] for j in jobs]
    assert len({t.sha256 for t in takes}) == 3  # different seeds, different takes
    assert [t.seed for t in takes] == [10, 11, 12]
    assert project.cue(1).chosen_take_id == min(t.id for t in takes)  # the first to land


def test_the_task_id_is_on_disk_the_moment_it_arrives(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "piapi", latency=1.5)

    async def work(engine: JobEngine) -> None:
        job, runner = await started(engine, "piapi")

        def look() -> None:  # another reader (a second process), off the loop like one
            with Project.open(project.path) as other:
                seen = other.job(job.id)
                assert seen.task_id == project.job(job.id).task_id  # awaited onto disk: strict
                # The state after it is written in order behind it on the writer thread: on a
                # loaded machine a reader sees it a moment later, not in the same instant.
                after = {JobState.RUNNING, JobState.DOWNLOADING, JobState.DONE}
                deadline = time.monotonic() + 10
                while (other.store.load_one("jobs", job.id) or seen).state not in after:
                    assert time.monotonic() < deadline, "the running state never reached the file"
                    time.sleep(0.02)

        # It sees it already, while the task is running.
        await asyncio.to_thread(look)
        await runner

    with server:
        run_engine(project, fast_settings(), work)
    assert project.job(1).state is JobState.DONE


def test_resume_polls_a_known_task_and_never_submits_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=1.0)

    async def first_run(engine: JobEngine) -> None:
        _, runner = await started(engine, "eachlabs")
        runner.cancel()  # the app quits mid-job
        await asyncio.gather(runner, return_exceptions=True)

    async def second_run(engine: JobEngine) -> None:
        waiting = await engine.resume()
        assert waiting == []

    with server:
        run_engine(project, fast_settings(), first_run)
        stopped = project.job(1)
        assert stopped.state is JobState.RUNNING and stopped.task_id
        with Project.open(project.path) as reopened:
            run_engine(reopened, fast_settings(), second_run)
            job = reopened.job(1)
            assert job.state is JobState.DONE and job.task_id == stopped.task_id
    assert sum(server.creates.values()) == 1
    assert job.submit_attempts == 1


def test_a_crash_mid_submit_on_a_free_local_host_just_runs_again(project: Project) -> None:
    """The offline host bills nothing and keeps nothing: a job killed mid-submit starts over
    instead of waiting for a decision (it made 'resume' exit 3 after a SIGKILL)."""

    async def queue(engine: JobEngine) -> None:
        engine.enqueue([1], "offline", seed=1)

    run_engine(project, fast_settings(), queue)
    project.update_job(1, state=JobState.SUBMITTING, submit_attempts=1)

    async def resume(engine: JobEngine) -> list[int]:
        return [j.id for j in await engine.resume()]

    assert run_engine(project, fast_settings(), resume) == []
    assert project.job(1).state is JobState.DONE


def test_a_crash_mid_submit_waits_for_the_user(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")

    async def queue(engine: JobEngine) -> None:
        engine.enqueue([1], "wavespeed", takes=2, seed=1)

    run_engine(project, fast_settings(), queue)
    # As a SIGKILL between "submitting" committed and the answer would leave them:
    for job_id in (1, 2):
        project.update_job(job_id, state=JobState.SUBMITTING, submit_attempts=1)

    async def resume(engine: JobEngine) -> list[int]:
        waiting = await engine.resume()
        return [j.id for j in waiting]

    with server:
        assert run_engine(project, fast_settings(), resume) == [1, 2]
        assert project.job(1).state is JobState.UNCERTAIN
        assert "may be generating" in project.job(1).status_text
        assert sum(server.creates.values()) == 0  # nothing was sent on its own

        async def decide(engine: JobEngine) -> None:
            engine.resolve_uncertain(1, resend=False)
            engine.resolve_uncertain(2, resend=True)
            await engine.run_until_idle()

        run_engine(project, fast_settings(), decide)
    assert project.job(1).state is JobState.FAILED and "lost" in project.job(1).error
    assert project.job(2).state is JobState.DONE and project.job(2).submit_attempts == 2
    assert sum(server.creates.values()) == 1


def test_jobs_that_never_reached_the_host_start_over(project: Project) -> None:
    async def queue(engine: JobEngine) -> None:
        engine.enqueue([1], "offline", takes=2)

    run_engine(project, fast_settings(), queue)
    project.update_job(1, state=JobState.PREPARING)
    project.update_job(2, state=JobState.RUNNING, task_id="offline-lost-in-a-crash")

    async def resume(engine: JobEngine) -> None:
        await engine.resume()

    run_engine(project, fast_settings(), resume)
    assert project.job(1).state is JobState.DONE
    assert project.job(2).state is JobState.DONE  # the offline sketch is free: run again
    assert project.job(2).task_id != "offline-lost-in-a-crash"


def test_cancel_stops_polling_and_cancels_at_the_host(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=30)

    async def work(engine: JobEngine) -> None:
        job, runner = await started(engine, "eachlabs")
        engine.cancel(job.id)
        await asyncio.wait_for(runner, 10)

    with server:
        run_engine(project, fast_settings(), work)
    job = project.job(1)
    assert job.state is JobState.CANCELLED
    assert server.tasks[job.task_id or ""].cancelled
    assert not project.takes


def test_a_cancel_written_by_another_process_is_obeyed(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=30)

    async def work(engine: JobEngine) -> None:
        job, runner = await started(engine, "eachlabs")

        def cancel() -> None:  # `foleydesk cancel` in another terminal
            with Project.open(project.path) as other:
                other.update_job(job.id, state=JobState.CANCELLED)

        await asyncio.to_thread(cancel)
        await asyncio.wait_for(runner, 10)

    with server:
        run_engine(project, fast_settings(), work)
    assert project.job(1).state is JobState.CANCELLED
    assert server.tasks[project.job(1).task_id or ""].cancelled


def test_qubico_limits_are_kept_not_discovered(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "qubico", latency=0.4)
    assert isinstance(server, QubicoHost)
    with server:
        job_ids = generate(project, "qubico", takes=8, seed=1)
    assert all(project.job(i).state is JobState.DONE for i in job_ids)
    assert server.limit_violations == 0  # never more than 5 at once, no 429 needed
    assert sum(server.creates.values()) == 8


def test_rate_windows() -> None:
    now = 10_000.0
    assert rate_wait([], now, 20, 500) == 0
    minute = [now - 50 + i for i in range(20)]  # 20 submits in the last 50 s
    assert rate_wait(minute, now, 20, 500) == pytest.approx(10.0)
    day = [now - 86_000 + i for i in range(500)]
    assert rate_wait(day, now, 20, 500) == pytest.approx(400.0)
    assert rate_wait(day, now, 20, None) == 0


def test_problems_are_listed_before_anything_is_queued(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", "k-1234")
    project.update_cue(1, prompt="x" * 600, negative_prompt="y" * 250)

    async def work(engine: JobEngine) -> None:
        engine.enqueue([1], "qubico", params={"steps": 10})

    with pytest.raises(UserError) as caught:
        run_engine(project, fast_settings(), work)
    text = str(caught.value)
    assert "The prompt is 600 characters; Qubico (MMAudio) takes at most 500." in text
    assert "negative prompt is 250 characters" in text
    assert "Steps must be between 20 and 50 (got 10)." in text
    assert not project.jobs


def test_a_missing_key_names_the_fix(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOLEYDESK_PIAPI_API_KEY", raising=False)

    async def work(engine: JobEngine) -> None:
        engine.enqueue([1], "piapi")

    with pytest.raises(UserError, match=r"foleydesk keys set piapi.*FOLEYDESK_PIAPI_API_KEY"):
        run_engine(project, fast_settings(), work)


def test_retry_runs_a_failed_job_again_with_its_seed(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.server import Fault, FaultPlan

    plan = FaultPlan()
    plan.queue("create", Fault.TASK_FAILS)
    server = start_host(monkeypatch, "qubico", plan=plan)
    with server:
        (job_id,) = generate(project, "qubico", seed=42)
        assert project.job(job_id).state is JobState.FAILED

        async def work(engine: JobEngine) -> int:
            again = engine.retry(job_id)
            await engine.run_until_idle()
            return again.id

        new_id = run_engine(project, fast_settings(), work)
    assert project.job(new_id).state is JobState.DONE
    assert project.job(new_id).request["seed"] == 42


def _chunky_settings() -> Settings:
    settings = fast_settings()
    settings.provider("piapi").max_seconds = 1.0  # as if the host took 1 s at most
    return settings


def test_a_range_over_the_hosts_limit_is_refused_unless_chunked(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "piapi")

    async def plain(engine: JobEngine) -> None:
        engine.enqueue([1], "piapi")

    with server:
        with pytest.raises(UserError, match=r"at most 1 s.*splitting it into chunks"):
            run_engine(project, _chunky_settings(), plain)

        async def chunked(engine: JobEngine) -> None:
            engine.enqueue([1], "piapi", seed=5, params={"chunking": True})
            await engine.run_until_idle()

        run_engine(project, _chunky_settings(), chunked)
    job = project.job(1)
    assert job.state is JobState.DONE, job.error
    chunks = job.request["chunks"]
    assert len(chunks) == 3 and sum(server.creates.values()) == 3
    assert all(Fraction(c["end"]) - Fraction(c["start"]) <= 1 for c in chunks)
    take = project.takes[job.take_id or 0]
    assert take.params["task_id"] == ",".join(c["task_id"] for c in chunks)
    samples, _ = read_wav(project.take_path(take))
    assert samples.shape[0] == 50 * 48000 // 25
    mono = np.abs(samples).max(axis=1)
    for seconds in ONSET_SECONDS:  # the clicks survive the crossfades, on their samples
        onset = round(seconds * 48000)
        window = mono[onset - 2400 : onset + 2400]
        assert abs(int(np.argmax(window)) - 2400) <= 96 and window.max() > 0.3
    assert not list(project.cache_dir.glob("job1-chunk*"))


def test_a_chunk_caught_mid_submit_makes_the_job_uncertain(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "piapi")

    async def queue(engine: JobEngine) -> None:
        engine.enqueue([1], "piapi", params={"chunking": True})

    with server:
        run_engine(project, _chunky_settings(), queue)
        # As a kill would leave it: chunk 1 fetched, chunk 2 sent with no answer recorded.
        chunks = [
            {"start": "1/5", "end": "31/30", "task_id": "t-1", "done": True},
            {"start": "19/25", "end": "239/150", "task_id": None, "sent": True},
            {"start": "34/25", "end": "11/5", "task_id": None},
        ]
        project.update_job(
            1,
            state=JobState.SUBMITTING,
            task_id="t-1",
            request={**project.job(1).request, "chunks": chunks},
        )

        async def resume(engine: JobEngine) -> list[int]:
            return [j.id for j in await engine.resume()]

        assert run_engine(project, _chunky_settings(), resume) == [1]
    assert project.job(1).state is JobState.UNCERTAIN
    assert sum(server.creates.values()) == 0


def test_new_settings_reach_a_running_engine(project: Project) -> None:
    async def work(engine: JobEngine) -> tuple[int, int, bool, bool]:
        before = engine.provider("qubico")
        gate = engine._gate(before)
        offline = engine.provider("offline")
        settings = fast_settings()
        settings.provider("qubico").concurrency = 2
        engine.update_settings(settings)
        after = engine.provider("qubico")
        # Hosted providers are rebuilt (new key, new URL); the offline one keeps its tasks.
        return (
            gate.concurrency,
            after.capabilities.concurrency,
            after is not before,
            engine.provider("offline") is offline,
        )

    assert run_engine(project, fast_settings(), work) == (2, 2, True, True)
