"""Test plumbing shared by tests/providers and tests/jobs: a project on a real clip, emulators
wired in through the documented environment variables, and a fast engine run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from foleydesk.core.model import Cue, CueKind
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.jobs.limits import UsageLedger
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.providers.http import make_client
from foleydesk.settings import Settings
from tests.fakes.clips import make_clip
from tests.fakes.hosts import HOSTS, TaskHost
from tests.fakes.server import Fault, FaultPlan

T = TypeVar("T")
FPS = 25
# The clip's square jumps on these frames; a cue from frame CUE_IN hears them at these times.
JUMPS = (15, 35)
CUE_IN, CUE_OUT = 5, 55
ONSET_SECONDS = tuple((j - CUE_IN) / FPS for j in JUMPS)  # 0.4 s and 1.2 s


def fast_settings(**changes: Any) -> Settings:
    settings = Settings(
        poll_initial_seconds=0.05,
        poll_factor=1.5,
        poll_max_seconds=0.2,
        retry_attempts=5,
        retry_base_seconds=0.05,
    )
    for name, value in changes.items():
        setattr(settings, name, value)
    return settings


def make_project(folder: Path, frames: int = 60, prompt: str = "wooden knock") -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    clip = make_clip(folder / "shot.mp4", frames=frames, size=(160, 96), jumps=JUMPS, audio=True)
    project = Project.create(folder / "shot.foleydesk", source_media_from_info(probe(clip)))
    lane = project.default_lane(CueKind.FOLEY)
    project.add_cue(Cue(0, lane.id, CUE_IN, CUE_OUT, prompt=prompt, colour=""))
    return project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A project on a real clip with one foley cue (conftest.py files import this)."""
    with make_project(tmp_path / "p") as opened:
        yield opened


def faults(**queued: Fault | list[Fault]) -> FaultPlan:
    """A plan with faults queued per category: faults(create=Fault.DROP)."""
    plan = FaultPlan()
    for category, queue in queued.items():
        plan.queue(category, *(queue if isinstance(queue, list) else [queue]))
    return plan


def start_host(
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    key: str = "test-key-0123",
    plan: FaultPlan | None = None,
    latency: float = 0.2,
    retry_after: str = "0",
) -> TaskHost:
    server = HOSTS[host](key, plan or FaultPlan(), latency)
    server.retry_after = retry_after
    server.start()
    name = host.upper()
    monkeypatch.setenv(f"FOLEYDESK_{name}_BASE_URL", server.base_url)
    monkeypatch.setenv(f"FOLEYDESK_{name}_UPLOAD_URL", server.base_url)
    monkeypatch.setenv(f"FOLEYDESK_{name}_API_KEY", key)
    return server


def run_engine(
    project: Project,
    settings: Settings,
    work: Callable[[JobEngine], Awaitable[T]],
    ledger_dir: Path | None = None,
) -> T:
    """Run `work(engine)` on a fresh loop with a loopback-only client."""

    async def main() -> T:
        async with make_client(trust_env=False) as client:
            ledger = UsageLedger((ledger_dir or project.path.parent) / "usage.json")
            engine = JobEngine(project, client, settings, ledger=ledger)
            try:
                return await work(engine)
            finally:
                await engine.aclose()

    return asyncio.run(main())


def generate(
    project: Project,
    provider_id: str,
    settings: Settings | None = None,
    takes: int = 1,
    seed: int | None = 3,
) -> list[int]:
    """Queue and run takes for cue 1; returns the job ids."""

    async def work(engine: JobEngine) -> list[int]:
        jobs = engine.enqueue([1], provider_id, takes, seed)
        await engine.run_until_idle()
        return [j.id for j in jobs]

    return run_engine(project, settings or fast_settings(), work)


def generate_on(
    monkeypatch: pytest.MonkeyPatch,
    project: Project,
    host: str,
    plan: FaultPlan | None = None,
    settings: Settings | None = None,
    takes: int = 1,
    **server: Any,
) -> tuple[TaskHost, list[int]]:
    """Run takes of cue 1 against a fresh emulator of `host`, stopped afterwards."""
    emulator = start_host(monkeypatch, host, plan=plan, **server)
    try:
        return emulator, generate(project, host, settings, takes)
    finally:
        emulator.stop()
