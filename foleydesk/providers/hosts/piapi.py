"""PiAPI's unified task API: MMAudio (video2audio) for foley, DiffRhythm for music cues.

Facts in one place (PROVIDERS.md, "PiAPI"): POST /api/v1/task, GET /api/v1/task/{id}, header
x-api-key, envelope {code, message, data{task_id, status, output, error}}; uploads through the
ephemeral resource endpoint on a separate host (10 MB cap).
"""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Pricing,
    ProviderError,
    TaskState,
    TransientError,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import (
    HostedProvider,
    StatusWords,
    answer_json,
    file_base64,
    first_str,
    offering_input,
)
from foleydesk.providers.http import PlanRefused

CREATE_PATH = "/api/v1/task"
TASK_PATH = "/api/v1/task/{task_id}"
UPLOAD_PATH = "/api/ephemeral_resource"
MMAUDIO_TASK = "video2audio"
TASK_ID = (("task_id",),)
DIFFRHYTHM_BASE_MAX = Fraction(95)
DIFFRHYTHM_FULL_MAX = Fraction(285)
STYLE_MIN_SECONDS = 10
STYLE_MAX_SECONDS = 30  # a longer reference only costs upload
BASE64_CAP = 10 * 1024 * 1024  # "max 10MB" is stated on file_data, the base64 text
UPLOAD_CAP = BASE64_CAP // 4 * 3 - 4096  # the raw file whose base64 stays under it

STATES = {
    "pending": TaskState.PENDING,
    "staged": TaskState.PENDING,
    "processing": TaskState.RUNNING,
    "running": TaskState.RUNNING,
    "completed": TaskState.COMPLETED,
    "success": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "cancelled": TaskState.CANCELLED,
}


def envelope_data(body: Any, host: str) -> dict[str, Any]:
    """`data` of PiAPI's envelope; a non-200 `code` inside an HTTP 200 is the host's refusal."""
    if not isinstance(body, dict):
        raise TransientError(f"{host} answered with something that is not an object")
    code = body.get("code")
    if isinstance(code, int) and code not in (0, 200):
        message = first_str(body, ("message",), ("error", "message"), ("data", "error", "message"))
        raise ProviderError(f"{host} refused the request ({code}: {message or 'no reason'}).")
    data = body.get("data", body)
    if not isinstance(data, dict):
        raise TransientError(f"{host} answered without data")
    return data


WORDS = StatusWords(
    STATES,
    url_paths=(
        ("output", "audio_url"),
        ("output", "video_url"),
        ("output", "video"),
        ("output", "audio"),
        ("output", "url"),
    ),
    error_paths=(("error", "message"), ("error", "raw_message"), ("detail",)),
    no_result_fails=True,
)


OFFERINGS = (
    Offering(
        "mmaudio",
        "piapi",
        "Qubico/mmaudio",
        {
            "video": "video",
            "prompt": "prompt",
            "negative_prompt": "negative_prompt",
            "steps": "steps",
            "seed": "seed",
        },
        pricing=Pricing(
            per_second=0.0005,
            cap_seconds=Fraction(30),
            min_seconds=Fraction(1),
            text="$0.0005/s (capped at 30 s)",
        ),
        max_seconds=Fraction(30),
    ),
    Offering(
        "diffrhythm",
        "piapi",
        "Qubico/diffrhythm",
        {"lyrics": "lyrics", "style_prompt": "style_prompt", "style_audio": "style_audio"},
        pricing=Pricing(per_call=0.02, text="$0.02 per song"),
        max_seconds=DIFFRHYTHM_FULL_MAX,
    ),
)


class PiapiProvider(HostedProvider):
    id = "piapi"
    name = "PiAPI (MMAudio, DiffRhythm)"
    host_name = "PiAPI"
    default_base_url = "https://api.piapi.ai"
    default_upload_url = "https://upload.theapi.app"
    create_path, task_path, task_id_paths, status_words = CREATE_PATH, TASK_PATH, TASK_ID, WORDS
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY, CueKind.MUSIC),
        max_duration=DIFFRHYTHM_FULL_MAX,
        max_prompt=1000,
        max_negative=500,
        steps_range=(20, 50),
        default_steps=25,
        max_upload_bytes=UPLOAD_CAP,
        concurrency=3,
        pricing=Pricing(
            per_second=0.0005,
            cap_seconds=Fraction(30),
            min_seconds=Fraction(1),
            text="$0.0005/s (capped at 30 s); music $0.02 per song",
        ),
        needs_upload=True,
        segment_short_side=384,
        terms_url="https://piapi.ai/terms-of-service",
        privacy_note="PiAPI deletes uploaded segments after 24 hours. Uploads need a paid plan.",
    )

    def validate(self, request: GenerationRequest) -> list[str]:
        problems = super().validate(request)
        music = request.kind is CueKind.MUSIC
        described = request.lyrics.strip() or request.style_prompt.strip() or request.prompt
        if music and not (described or request.style_audio or request.style_audio_source):
            problems.append("A music cue needs lyrics, a style prompt or a style reference.")
        if music and request.style_audio_source and request.duration < STYLE_MIN_SECONDS:
            problems.append(
                f"The cue is {float(request.duration):.1f} s; using its own sound as the style "
                f"reference needs at least {STYLE_MIN_SECONDS} s. Choose a reference file."
            )
        if music and request.style_audio is not None and not request.style_audio.is_file():
            problems.append(f"The style reference {request.style_audio} does not exist.")
        return problems

    async def upload(self, path: Path, content_type: str) -> str:
        size = path.stat().st_size
        if size > UPLOAD_CAP:
            raise ProviderError(
                f"The file is {size / 1e6:.1f} MB; PiAPI's upload takes at most "
                f"{UPLOAD_CAP / 1e6:.1f} MB (10 MB once base64-encoded).",
                "Use a shorter range.",
            )
        body = {
            "file_name": path.name[-128:],
            "file_data": await asyncio.to_thread(file_base64, path),
        }
        try:
            response = await (await self.upload_http()).request("POST", UPLOAD_PATH, json=body)
        except PlanRefused as exc:
            raise ProviderError(
                f"PiAPI's plan on this account does not allow file uploads ({exc.message}); "
                "the key itself was accepted.",
                "PiAPI's File Upload API is not on the Free plan: upgrade the plan at piapi.ai, "
                "or generate this cue on another host (foleydesk models).",
            ) from None
        answer = answer_json(response, "the upload's answer")
        url = first_str(answer, ("data", "url"), ("url",))
        if not url:
            raise ProviderError(
                f"PiAPI's upload answered without a URL ({first_str(answer, ('message',))})."
            )
        return url

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        inputs = offering_input(request, self.capabilities, self.offering)
        task = MMAUDIO_TASK
        if self.offering.model == "diffrhythm":
            task = "txt2audio-base" if request.duration <= DIFFRHYTHM_BASE_MAX else "txt2audio-full"
        return {"model": self.offering.endpoint, "task_type": task, "input": inputs}

    def unwrap(self, answer: Any) -> Any:
        return envelope_data(answer, self.name)


make = PiapiProvider
