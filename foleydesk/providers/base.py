"""The Provider protocol and the values that cross it: request, capabilities, status, outputs.

A provider turns one GenerationRequest into a task at a host (`submit` -> task id), reports on it
(`poll`), and names what to download (`result`). The job engine owns everything around that:
segments, uploads' retries, the project, limits, downloads and takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from foleydesk.core.model import CueKind
from foleydesk.errors import UserError

if TYPE_CHECKING:
    import httpx

    from foleydesk.providers.catalog import Offering


class OutputKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"  # an MP4 of the segment with the generated track: the take is its audio


class TaskState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED)


class ProviderError(UserError):
    """The host said no, in its own words (bad key, refused video, failed task)."""


class TransientError(Exception):
    """Worth another try later: 429, 5xx, a timeout, a dropped connection, a garbled answer."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SubmitUncertain(Exception):
    """The create request may have reached the host but its answer was lost: never re-send."""


class UnknownTask(ProviderError):
    """The host (or the offline engine after a restart) does not know this task id."""


@dataclass(frozen=True)
class Pricing:
    """How a host bills: per second of output (optionally capped / with a minimum) or per call."""

    per_second: float = 0.0
    per_call: float = 0.0
    cap_seconds: Fraction | None = None
    min_seconds: Fraction = Fraction(0)
    estimated: bool = False  # billed on GPU time: the figure is a guess
    text: str = ""

    def estimate(self, duration: Fraction) -> float:
        seconds = max(duration, self.min_seconds)
        if self.cap_seconds is not None:
            seconds = min(seconds, self.cap_seconds)
        return round(self.per_call + self.per_second * float(seconds), 6)


@dataclass(frozen=True)
class Capabilities:
    """What a host accepts and how hard it may be driven; shown by `foleydesk providers`."""

    kinds: tuple[CueKind, ...] = (CueKind.FOLEY,)
    max_duration: Fraction = Fraction(30)
    min_duration: Fraction = Fraction(1)
    best_duration: Fraction = Fraction(8)  # the model's sweet spot: chunks are cut this long
    max_prompt: int = 500
    max_negative: int = 200
    steps_range: tuple[int, int] = (20, 50)
    default_steps: int = 25
    cfg_range: tuple[float, float] = (0.0, 20.0)
    default_cfg: float = 4.5
    max_upload_bytes: int = 100 * 1024 * 1024
    containers: tuple[str, ...] = ("mp4",)
    concurrency: int = 3
    per_minute: int | None = None
    per_day: int | None = None
    polls_per_minute: int | None = None  # a host's documented cap on status requests, per key
    pricing: Pricing = field(default_factory=Pricing)
    output: OutputKind = OutputKind.AUDIO
    needs_upload: bool = False
    needs_key: bool = True
    needs_segment: bool = True
    segment_short_side: int = 480
    segment_fps: Fraction = Fraction(25)
    resubmit_safe: bool = False  # free and local: a lost task can simply run again
    cancellable: bool = False
    first_poll_seconds: float | None = None  # local providers answer fast: poll sooner
    terms_url: str = ""
    privacy_note: str = ""  # what the host keeps of an upload, and for how long
    mask_away_clip: bool = False  # the host takes MMAudio's mask_away_clip switch
    sample_rate: int = 44_100
    channels: int = 1  # what the model returns (a take keeps what the file holds)


@dataclass(frozen=True)
class GenerationRequest:
    """One take of one cue, as the provider needs it (no key, no project)."""

    kind: CueKind
    prompt: str
    duration: Fraction
    negative_prompt: str = ""
    seed: int | None = None
    steps: int | None = None
    cfg_strength: float | None = None
    mask_away_clip: bool = False
    segment: Path | None = None  # the cut range (H.264 MP4), when the provider needs one
    video_url: str | None = None  # the segment after upload
    lyrics: str = ""
    style_prompt: str = ""
    style_audio: Path | None = None  # a reference file the user chose
    style_audio_source: bool = False  # use the source's own audio under the cue
    style_audio_url: str | None = None
    chunking: bool = False  # split ranges longer than the host's limit
    music_prompt: str = ""  # a separate background-music prompt (Kling; the prompt is the sfx)
    variations: int = 1  # results per call (Mirelo): each becomes a take of the one job
    prompt_influence: float | None = None  # how closely a text-to-sound model follows words


@dataclass
class TaskStatus:
    """One poll's answer: the state, the host's own words, and outputs once completed."""

    state: TaskState
    text: str = ""
    progress: float | None = None
    outputs: list[Output] = field(default_factory=list)
    error: str = ""
    version: str = ""  # the model version the host reports, if it does


@dataclass(frozen=True)
class Output:
    """Something to turn into a take: a URL to download, inline bytes, or samples made here."""

    kind: OutputKind = OutputKind.AUDIO
    url: str | None = None
    data: bytes | None = None
    suffix: str = ".bin"
    samples: npt.NDArray[np.float32] | None = None
    sample_rate: int = 48_000


@runtime_checkable
class Provider(Protocol):
    """A host's client bound to one offering (a model on that host); `id` is the host id."""

    id: str
    name: str
    capabilities: Capabilities  # the host's limits narrowed to the offering's model
    offering: Offering

    def estimate_cost(self, request: GenerationRequest) -> float: ...

    def validate(self, request: GenerationRequest) -> list[str]: ...

    def sent_seed(self, request: GenerationRequest) -> int | None:
        """The seed the model is sent for this request (folded into a model's narrower range):
        recorded on the take, so the take can be made again."""
        ...

    def notice(self, request: GenerationRequest) -> str:
        """What the editor should know before sending that is not a problem ("" if nothing):
        a text sound longer than one generation gets its first part, for instance."""
        ...

    def allow_http_hosts(self) -> frozenset[str]:
        """Hosts besides this computer that may be reached over plain http (a self-hosted
        server the user configured); its result links are held to the same rule."""
        ...

    async def upload(self, path: Path, content_type: str) -> str: ...

    async def submit(self, request: GenerationRequest) -> str: ...

    async def poll(self, task_id: str) -> TaskStatus: ...

    async def result(self, task_id: str) -> list[Output]: ...

    async def cancel(self, task_id: str) -> None: ...

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        """The cheapest request that proves the host answers and takes the key (nothing is
        created or billed): a short text for the user, or a ProviderError in the host's words."""
        ...


def common_problems(
    caps: Capabilities, request: GenerationRequest, provider_name: str
) -> list[str]:
    """The checks every MMAudio host shares, said the way an editor would want to read them."""
    problems: list[str] = []
    if request.kind not in caps.kinds:
        kinds = " or ".join(k.value for k in caps.kinds)
        problems.append(f"{provider_name} makes {kinds} only, not {request.kind.value}.")
    if request.kind is CueKind.FOLEY and not request.prompt.strip():
        problems.append("The prompt is empty: say what the range should sound like.")
    if len(request.prompt) > caps.max_prompt:
        problems.append(
            f"The prompt is {len(request.prompt)} characters; "
            f"{provider_name} takes at most {caps.max_prompt}."
        )
    if len(request.negative_prompt) > caps.max_negative:
        problems.append(
            f"The negative prompt is {len(request.negative_prompt)} characters; "
            f"{provider_name} takes at most {caps.max_negative}."
        )
    if request.duration > caps.max_duration and not request.chunking:
        problems.append(
            f"The range is {float(request.duration):.1f} s; {provider_name} takes at most "
            f"{float(caps.max_duration):g} s. Shorten the cue or allow splitting it into chunks."
        )
    if request.duration < caps.min_duration:
        problems.append(
            f"The range is {float(request.duration):.2f} s; {provider_name} needs at least "
            f"{float(caps.min_duration):g} s."
        )
    low, high = caps.steps_range
    if request.steps is not None and not low <= request.steps <= high:
        problems.append(f"Steps must be between {low} and {high} (got {request.steps}).")
    c_low, c_high = caps.cfg_range
    if request.cfg_strength is not None and not c_low <= request.cfg_strength <= c_high:
        problems.append(f"Guidance must be between {c_low:g} and {c_high:g}.")
    return problems


def describe(provider: Provider, has_key: bool) -> dict[str, Any]:
    """A provider as `foleydesk providers --json` and the settings dialog show it."""
    caps = provider.capabilities
    return {
        "id": provider.id,
        "name": provider.name,
        "kinds": [k.value for k in caps.kinds],
        "max_duration": float(caps.max_duration),
        "max_prompt": caps.max_prompt,
        "max_negative": caps.max_negative,
        "steps": list(caps.steps_range),
        "default_steps": caps.default_steps,
        "max_upload_mb": round(caps.max_upload_bytes / 1024 / 1024, 1),
        "concurrency": caps.concurrency,
        "per_minute": caps.per_minute,
        "per_day": caps.per_day,
        "pricing": caps.pricing.text,
        "output": caps.output.value,
        "needs_key": caps.needs_key,
        "key_set": has_key,
        "terms_url": caps.terms_url,
    }
