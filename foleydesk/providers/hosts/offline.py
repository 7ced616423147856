"""The offline provider: no network, no key, a rough sketch synced to the segment's motion.

It is the embedded default so a new user sees mark -> prompt -> generate -> audition before
entering a key. Its name says what it is: a sketch, not a model. Tasks live in this process;
after a restart a lost task is simply run again (it is free and deterministic).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt

from foleydesk.core.model import CueKind
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Output,
    OutputKind,
    Pricing,
    TaskState,
    TaskStatus,
    UnknownTask,
    common_problems,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.motion import find_onsets, motion_energy
from foleydesk.providers.sketch import music_sketch, synthesize
from foleydesk.settings import Settings

CAPABILITIES = Capabilities(
    kinds=(CueKind.FOLEY, CueKind.MUSIC),
    max_duration=Fraction(600),
    min_duration=Fraction(1, 100),
    max_prompt=2000,
    max_negative=2000,
    steps_range=(1, 100),
    default_steps=25,
    concurrency=2,
    pricing=Pricing(text="free (runs on this computer)"),
    needs_key=False,
    segment_short_side=144,
    resubmit_safe=True,
    cancellable=True,
    first_poll_seconds=0.05,
    sample_rate=PROJECT_SAMPLE_RATE,
)


OFFERINGS = (
    Offering(
        "sketch",
        "offline",
        "sketch",
        {"video": "video", "prompt": "prompt", "seed": "seed", "style_prompt": "style_prompt"},
        pricing=Pricing(text="free (runs on this computer)"),
        max_seconds=Fraction(600),
        min_seconds=Fraction(1, 100),
    ),
)


def render(request: GenerationRequest) -> npt.NDArray[np.float32]:
    """The whole sketch for one request (CPU; call it from a worker thread)."""
    if request.kind is CueKind.MUSIC:
        return music_sketch(request.duration, request.style_prompt or request.prompt, request.seed)
    onsets = []
    if request.segment is not None:
        onsets = [(o.time, o.strength) for o in find_onsets(motion_energy(request.segment))]
    return synthesize(onsets, request.duration, request.prompt, request.seed)


@dataclass
class _Task:
    future: asyncio.Future[npt.NDArray[np.float32]]


class OfflineProvider:
    id = "offline"
    name = "Offline sketch (rough, no network)"
    offerings = OFFERINGS

    def __init__(self, offering: Offering | None = None) -> None:
        self.offering = offering or OFFERINGS[0]
        self.capabilities = self.offering.capabilities(CAPABILITIES)
        self._tasks: dict[str, _Task] = {}

    def estimate_cost(self, request: GenerationRequest) -> float:
        return 0.0

    def validate(self, request: GenerationRequest) -> list[str]:
        return common_problems(self.capabilities, request, "The offline sketch")

    def sent_seed(self, request: GenerationRequest) -> int | None:
        return request.seed

    def notice(self, request: GenerationRequest) -> str:
        return ""

    def allow_http_hosts(self) -> frozenset[str]:
        return frozenset()  # it reaches no host

    async def upload(self, path: Path, content_type: str) -> str:
        return path.as_uri()  # nothing leaves the computer

    async def submit(self, request: GenerationRequest) -> str:
        task_id = f"offline-{uuid.uuid4().hex[:16]}"
        future = asyncio.get_running_loop().run_in_executor(None, render, request)
        self._tasks[task_id] = _Task(future)
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        task = self._tasks.get(task_id)
        if task is None:
            raise UnknownTask(f"The offline task {task_id} was lost (the app restarted).")
        if not task.future.done():
            return TaskStatus(TaskState.RUNNING, "sketching")
        if task.future.cancelled():
            return TaskStatus(TaskState.CANCELLED, "cancelled")
        error = task.future.exception()
        if error is not None:
            return TaskStatus(TaskState.FAILED, error=str(error))
        return TaskStatus(TaskState.COMPLETED, "done", 1.0, await self.result(task_id))

    async def result(self, task_id: str) -> list[Output]:
        task = self._tasks.get(task_id)
        if task is None:
            raise UnknownTask(f"The offline task {task_id} was lost (the app restarted).")
        samples = await task.future
        return [
            Output(
                OutputKind.AUDIO, samples=samples, sample_rate=PROJECT_SAMPLE_RATE, suffix=".wav"
            )
        ]

    async def cancel(self, task_id: str) -> None:
        task = self._tasks.pop(task_id, None)
        if task is not None:
            task.future.cancel()

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        return "runs on this computer"  # nothing to connect to, no key


def make(
    settings: Settings, client: httpx.AsyncClient | None, offering: Offering
) -> OfflineProvider:
    """The offline host needs neither settings nor a client."""
    return OfflineProvider(offering)
