"""ElevenLabs sound effects: text to sound, no picture, synchronous.

Facts (docs/providers.md "ElevenLabs"): POST /v1/sound-generation?output_format=F with header
`xi-api-key` and JSON {text, duration_seconds, prompt_influence}; the answer is the audio.
It is for sounds the picture cannot drive (a UI beep, a distant siren, a whoosh): the take is
placed at the cue's in point and trimmed or padded to the cue (the engine's fit). A cue longer
than one generation gets its first part, and the inspector says so (never a silent cut).

The request *is* the generation: `submit` sends it once and waits for the audio (the engine has
marked the job "submitting" on disk first, so a crash or a lost answer leaves it "submission
uncertain", never re-sent on its own). The audio is kept under a local task id, on disk, so the
engine's poll finds it even after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Any

import httpx

from foleydesk.core.model import CueKind
from foleydesk.media.atomic import atomic_output
from foleydesk.paths import data_dir
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Output,
    OutputKind,
    Pricing,
    ProviderError,
    SubmitUncertain,
    TaskState,
    TaskStatus,
    UnknownTask,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.elevenlabs_sound import (
    FORMATS,
    MAX_SECONDS,
    MIN_SECONDS,
    as_file,
    format_refused,
    longer_than_one_generation,
    next_format,
    seconds_to_ask,
    without_length_limit,
)
from foleydesk.providers.hosted import HostedProvider, offering_input
from foleydesk.providers.http import error_text
from foleydesk.settings import Settings

BASE_URL = "https://api.elevenlabs.io"
GENERATE_PATH = "/v1/sound-generation?output_format={fmt}"
USER_PATH = "/v1/user"
GENERATE_TIMEOUT = 120.0
TASK_PREFIX = "elevenlabs-"
DEFAULT_INFLUENCE = 0.3

OFFERINGS = (
    Offering(
        "elevenlabs-sfx",
        "elevenlabs",
        "v1/sound-generation",
        {"prompt": "text", "duration": "duration_seconds", "prompt_influence": "prompt_influence"},
        output=OutputKind.AUDIO,
        pricing=Pricing(
            per_second=0.004, estimated=True, text="~40 credits/s of your plan (estimated)"
        ),
        max_seconds=MAX_SECONDS,
    ),
)
KEEP_SECONDS = 3 * 24 * 3600.0


def results_dir() -> Path:
    """Generated sounds between the answer and the engine's fetch (survives a restart)."""
    return data_dir() / "results" / "elevenlabs"


class ElevenlabsProvider(HostedProvider):
    id = "elevenlabs"
    name = "ElevenLabs (sound effects)"
    host_name = "ElevenLabs"
    default_base_url = BASE_URL
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        min_duration=MIN_SECONDS,
        max_duration=MAX_SECONDS,
        max_prompt=1000,
        max_negative=0,
        concurrency=2,
        output=OutputKind.AUDIO,
        needs_upload=False,
        needs_segment=False,
        terms_url="https://elevenlabs.io/terms-of-use",
        sample_rate=48_000,
    )

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient | None,
        offering: Offering | None = None,
    ) -> None:
        super().__init__(settings, client, offering)
        self._format = FORMATS[0]  # the best the plan took so far (asked again per session)

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"xi-api-key": key}

    # -- validation --

    def validate(self, request: GenerationRequest) -> list[str]:
        """As every host, except that a cue longer than one sound is no problem: its first
        part is made (`notice` says so)."""
        return without_length_limit(super().validate(request), self.capabilities.max_duration)

    def notice(self, request: GenerationRequest) -> str:
        """What the inspector says about this cue on this host ('' when nothing)."""
        return longer_than_one_generation(request.duration, self.capabilities.max_duration)

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        body = offering_input(request, self.capabilities, self.offering)
        # ElevenLabs takes fractions of a second: the cue's own length, within one sound.
        seconds = seconds_to_ask(request.duration, self.capabilities.max_duration)
        body["duration_seconds"] = round(seconds, 2)
        influence = request.prompt_influence
        body["prompt_influence"] = DEFAULT_INFLUENCE if influence is None else influence
        return body

    # -- the one request --

    async def submit(self, request: GenerationRequest) -> str:
        http = await self.http()
        body = self.body(request)
        fmt: str | None = self._format
        while fmt is not None:
            response = await http.submit_once(
                GENERATE_PATH.format(fmt=fmt),
                body,
                timeout=httpx.Timeout(GENERATE_TIMEOUT, connect=15.0),
            )
            if response.status_code < 300:
                self._format = fmt
                return await self._keep(response.content, fmt, response.headers.get("request-id"))
            if not format_refused(response):
                raise http.refuse(response)
            fmt = next_format(fmt)  # the plan refused this format: nothing was made
        raise ProviderError(
            "ElevenLabs refused every output format FoleyDesk asks for.",
            "Check your ElevenLabs plan.",
        )

    async def _keep(self, data: bytes, fmt: str, request_id: str | None) -> str:
        """Keep the sound under a task id that names ElevenLabs' own request id (their support
        can find it by that) and return the id."""
        if not data:
            raise SubmitUncertain("ElevenLabs answered without any audio")
        payload, suffix = as_file(data, fmt)
        name = "".join(c for c in (request_id or "") if c.isalnum())[:64] or uuid.uuid4().hex
        task_id = f"{TASK_PREFIX}{name}{suffix}"
        await asyncio.to_thread(write_result, results_dir() / task_id, payload)
        await asyncio.to_thread(prune_results, results_dir())
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        path = results_dir() / task_id
        if not task_id.startswith(TASK_PREFIX) or not await asyncio.to_thread(path.is_file):
            raise UnknownTask(
                "The sound ElevenLabs made for this job is no longer here (it was not kept).",
                "Generate the cue again.",
            )
        data = await asyncio.to_thread(path.read_bytes)
        output = Output(OutputKind.AUDIO, data=data, suffix=path.suffix)
        return TaskStatus(TaskState.COMPLETED, "generated", 1.0, [output])

    async def result(self, task_id: str) -> list[Output]:
        return (await self.poll(task_id)).outputs

    # -- key test --

    def probe_path(self) -> str:
        return USER_PATH

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        response = await self.probe(client, USER_PATH)
        if response.status_code >= 300:
            raise ProviderError(
                f"ElevenLabs refused the test request ({response.status_code}: "
                f"{error_text(response)})."
            )
        tier = None
        with contextlib.suppress(ValueError, AttributeError):
            tier = response.json().get("subscription", {}).get("tier")
        return self.connected(f" (plan: {tier})" if isinstance(tier, str) else "")


def write_result(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, prefix=".result-", suffix=path.suffix) as tmp:
        tmp.write_bytes(data)


def prune_results(folder: Path, older_than: float = KEEP_SECONDS) -> None:
    """Kept sounds whose jobs are long done (their takes were written, or given up)."""
    import time

    if not folder.is_dir():
        return
    cutoff = time.time() - older_than
    for old in folder.glob(f"{TASK_PREFIX}*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


make = ElevenlabsProvider
