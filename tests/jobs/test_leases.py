"""One engine per job across processes: the app and a terminal never run the same job, and a job
whose holder died is taken over (polled on, never submitted again)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.jobs.lease import JobLeases
from tests.fakes.harness import fast_settings, run_engine, start_host
from tests.jobs.test_engine import started


def test_a_job_running_in_one_engine_is_left_alone_by_another(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=1.5)
    other = Project.open(project.path)  # the terminal's connection (its own lease holder)
    seen: dict[str, object] = {}

    async def work(engine: JobEngine) -> None:
        job, runner = await started(engine, "eachlabs")
        async with asyncio.timeout(30):
            from foleydesk.providers.http import make_client

            async with make_client(trust_env=False) as client:
                terminal = JobEngine(other, client, fast_settings())
                begun = time.monotonic()
                seen["waiting"] = await terminal.resume(wait=True)  # as `foleydesk resume`
                seen["seconds"] = time.monotonic() - begun
                seen["holder"] = JobLeases(other.store).held_elsewhere(job.id)
                await terminal.aclose()
        await runner

    with server:
        run_engine(project, fast_settings(), work)
    other.close()
    assert seen["waiting"] == []
    assert seen["seconds"] < 1.0, "the terminal waited on a job the app was running"
    assert seen["holder"] is not None
    assert sum(server.creates.values()) == 1
    with Project.open(project.path) as after:
        job = after.job(1)
        assert job.state is JobState.DONE
        assert [t.job_id for t in after.takes.values()] == [1]  # one take: downloaded once


def test_a_job_whose_holder_died_is_taken_over_without_a_second_submit(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=1.0)

    async def first_run(engine: JobEngine) -> None:
        _, runner = await started(engine, "eachlabs")
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)

    with server:
        run_engine(project, fast_settings(), first_run)
        # As a `foleydesk generate` killed with SIGKILL leaves it: a lease of a dead process.
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        project.store.execute("BEGIN IMMEDIATE")
        project.store.execute(
            "INSERT OR REPLACE INTO leases VALUES (1, 'gone', ?, ?, ?)",
            (int(dead.stdout), JobLeases(project.store).host, time.time()),
        )
        project.store.execute("COMMIT")
        with Project.open(project.path) as reopened:
            run_engine(reopened, fast_settings(), lambda engine: engine.resume())
            assert reopened.job(1).state is JobState.DONE
    assert sum(server.creates.values()) == 1


def test_a_live_holder_keeps_its_job_until_its_heartbeat_stops(project: Project) -> None:
    mine = JobLeases(project.store)
    theirs = JobLeases(project.store)  # same process, another holder: alive by pid
    assert mine.take(7)
    assert not theirs.take(7)
    project.store.execute("BEGIN IMMEDIATE")
    project.store.execute("UPDATE leases SET heartbeat = 0 WHERE job_id = 7")
    project.store.execute("COMMIT")
    assert theirs.take(7), "a holder silent for longer than the lease is presumed dead"
    assert not mine.take(7)


def test_a_job_queued_and_run_here_keeps_its_lease_alive(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foleydesk.jobs import lease

    monkeypatch.setattr(lease, "LEASE_SECONDS", 1.0)
    monkeypatch.setattr(lease, "HEARTBEAT_SECONDS", 0.2)
    server = start_host(monkeypatch, "eachlabs", latency=2.5)
    watcher = JobLeases(project.store)
    seen: list[bool] = []

    async def work(engine: JobEngine) -> None:
        job, runner = await started(engine, "eachlabs")
        await asyncio.sleep(1.6)  # longer than the lease: only heartbeats keep it
        seen.append(watcher.held_elsewhere(job.id) is not None)
        await runner

    with server:
        run_engine(project, fast_settings(), work)
    assert seen == [True], "a running job's lease lapsed: another process could take it over"


def test_jobs_in_a_terminal_names_the_process_running_a_job(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    from pathlib import Path

    server = start_host(monkeypatch, "eachlabs", latency=2.0)
    root = Path(__file__).resolve().parents[2]
    listed: list[str] = []

    async def work(engine: JobEngine) -> None:
        _job, runner = await started(engine, "eachlabs")
        done = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "foleydesk", "jobs", str(project.path),
            stdout=asyncio.subprocess.PIPE, cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
        )  # fmt: skip
        out, _ = await done.communicate()
        listed.append(out.decode())
        await runner

    with server:
        run_engine(project, fast_settings(), work)
    assert f"(in process {os.getpid()})" in listed[0]
    assert "running" in listed[0]
