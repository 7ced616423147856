"""fal.ai: one queue for every model, `Authorization: Key`, storage upload by signed PUT.

Facts (docs/providers.md "fal.ai"): submit POST {queue}/{endpoint} with the bare input ->
{request_id, status_url, response_url, cancel_url}, stored and used as answered; IN_QUEUE (the
queue position is shown), IN_PROGRESS, COMPLETED; a COMPLETED request's result GET is the output
or the model's error (fal_queue.read_result). Upload: POST {rest}/storage/upload/initiate ->
{upload_url, file_url}; the bytes go by PUT to upload_url without the key; file_url is passed as
video_url. FOLEYDESK_FAL_BASE_URL overrides the queue host, FOLEYDESK_FAL_UPLOAD_URL the storage
host.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    OutputKind,
    Pricing,
    TaskState,
    TaskStatus,
    UnknownTask,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.elevenlabs_sound import longer_than_one_generation, without_length_limit
from foleydesk.providers.fal_queue import QueueHandle, output_for, queue_status, read_result
from foleydesk.providers.hosted import HostedProvider, missing_task_id, offering_input
from foleydesk.providers.http import error_text, key_refused
from foleydesk.providers.upload_flows import check_size, signed_put

INITIATE_PATH = "/storage/upload/initiate?storage_type=fal-cdn-v3"
UPLOAD_URLS = (("upload_url",), (("file_url",), ("url",)))
SINGLE_PUT_LIMIT = 90 * 1024 * 1024  # fal's own client switches to a multipart upload above
PROBE_ID = "00000000-0000-0000-0000-000000000000"  # a request id nobody was given
KLING_PROMPT_MAX = 200  # each of Kling's two prompts

OFFERINGS = (
    Offering(
        "mmaudio",
        "fal",
        "fal-ai/mmaudio-v2",
        {
            "video": "video_url",
            "prompt": "prompt",
            "negative_prompt": "negative_prompt",
            "steps": "num_steps",
            "guidance": "cfg_strength",
            "duration": "duration",
            "seed": "seed",
            "mask_away_clip": "mask_away_clip",
        },
        output=OutputKind.VIDEO,
        pricing=Pricing(per_second=0.001, min_seconds=Fraction(1), text="$0.001/s"),
        steps_range=(4, 50),
        seed_range=(0, 65535),
    ),
    Offering(
        "hunyuan-foley",
        "fal",
        "fal-ai/hunyuan-video-foley",
        {
            "video": "video_url",
            "prompt": "text_prompt",
            "negative_prompt": "negative_prompt",
            "steps": "num_inference_steps",
            "guidance": "guidance_scale",
            "seed": "seed",
        },
        output=OutputKind.VIDEO,  # fal's types say {video: File}; an audio file is read too
        pricing=Pricing(
            per_second=0.001, estimated=True, text="~$0.001/s (estimated: fal names no price)"
        ),
        steps_range=(10, 100),
        default_steps=50,
        cfg_range=(1.0, 10.0),
        seed_range=(0, 2**31 - 1),
    ),
    Offering(
        "thinksound",
        "fal",
        "fal-ai/thinksound",
        {
            "video": "video_url",
            "prompt": "prompt",
            "steps": "num_inference_steps",
            "guidance": "cfg_scale",
            "seed": "seed",
        },
        output=OutputKind.VIDEO,
        pricing=Pricing(
            per_call=0.01, estimated=True, text="$0.001 per compute second (~$0.01 a call)"
        ),
        steps_range=(2, 100),
        default_steps=24,
        cfg_range=(1.0, 20.0),
        default_cfg=5.0,
        seed_range=(0, 2**31 - 1),
    ),
    Offering(
        "kling-v2a",
        "fal",
        "fal-ai/kling-video/video-to-audio",
        {
            "video": "video_url",
            "sfx_prompt": "sound_effect_prompt",
            "music_prompt": "background_music_prompt",
        },
        output=OutputKind.AUDIO,  # {audio: File, video: File}: the audio is read
        pricing=Pricing(per_call=0.035, text="$0.035 per video"),
        fixed={"asmr_mode": False},
        max_prompt=KLING_PROMPT_MAX,
    ),
    Offering(
        "mirelo-sfx-1.5",
        "fal",
        "mirelo-ai/sfx-v1.5/video-to-audio",
        {
            "video": "video_url",
            "prompt": "text_prompt",
            "variations": "num_samples",
            "seed": "seed",
            "duration": "duration",
        },
        output=OutputKind.AUDIO,  # {audio: [File, ...]}: one take per file
        pricing=Pricing(per_second=0.007, text="$0.007/s per variation"),
        seed_range=(0, 2**31 - 1),
        confirmed=False,  # names from fal's generated types; limits from our earlier notes
    ),
    Offering(
        "elevenlabs-sfx",
        "fal",
        "fal-ai/elevenlabs/sound-effects/v2",
        {"prompt": "text", "duration": "duration_seconds", "prompt_influence": "prompt_influence"},
        output=OutputKind.AUDIO,
        pricing=Pricing(
            per_second=0.004, estimated=True, text="~$0.004/s (estimated: ElevenLabs' rate)"
        ),
        max_seconds=Fraction(22),
    ),
)


class FalProvider(HostedProvider):
    id = "fal"
    name = "fal.ai (MMAudio v2)"
    host_name = "fal.ai"
    default_base_url = "https://queue.fal.run"
    default_upload_url = "https://rest.fal.ai"
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        max_duration=Fraction(30),
        max_prompt=1000,
        max_negative=500,
        steps_range=(4, 50),
        default_steps=25,
        cfg_range=(0.0, 20.0),
        max_upload_bytes=SINGLE_PUT_LIMIT,
        concurrency=4,
        needs_upload=True,
        cancellable=True,
        terms_url="https://fal.ai/terms",
    )

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Key {key}"}

    # -- what is sent --

    def text_only(self) -> bool:
        return not self.capabilities.needs_segment

    def validate(self, request: GenerationRequest) -> list[str]:
        problems = super().validate(request)
        if self.text_only():
            problems = without_length_limit(problems, self.capabilities.max_duration)
        most_chars = self.capabilities.max_prompt
        if self.offering.takes("music_prompt") and len(request.music_prompt) > most_chars:
            problems.append(
                f"The music prompt is {len(request.music_prompt)} characters; {self.name} "
                f"takes at most {most_chars}."
            )
        return problems

    def notice(self, request: GenerationRequest) -> str:
        if not self.text_only():
            return ""
        return longer_than_one_generation(request.duration, self.capabilities.max_duration)

    def estimate_cost(self, request: GenerationRequest) -> float:
        cost = super().estimate_cost(request)
        if self.offering.takes("variations"):
            cost *= max(1, min(request.variations, self.offering.spec.max_variations))
        return round(cost, 6)

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        body = offering_input(request, self.capabilities, self.offering)
        # Kling: both prompts always go (fal's defaults are a car-race example, not silence).
        for name in ("sfx_prompt", "music_prompt"):
            if self.offering.takes(name):
                body.setdefault(self.offering.fields[name], "")
        return body

    # -- upload --

    async def upload(self, path: Path, content_type: str) -> str:
        check_size(path, self.capabilities.max_upload_bytes, "fal.ai")
        body = {"content_type": content_type, "file_name": path.name}
        return await signed_put(
            await self.upload_http(), INITIATE_PATH, body, path, content_type, UPLOAD_URLS
        )

    # -- queue --

    async def submit(self, request: GenerationRequest) -> str:
        endpoint = self.offering.endpoint
        answer = await (await self.http()).submit_json(f"/{endpoint}", self.body(request))
        handle = QueueHandle.from_submit(answer, self.base_url, endpoint)
        if handle is None:
            raise missing_task_id(self.name, answer)
        return handle.task_id()

    async def poll(self, task_id: str) -> TaskStatus:
        handle = QueueHandle.from_task_id(task_id, self.base_url)
        http = await self.http()
        status = queue_status(await http.get_json(handle.status_url))
        if status.state is not TaskState.COMPLETED:
            return status
        response = await http.answer_once("GET", handle.response_url)
        if response.status_code in (401, 403):
            raise key_refused(self.name, response.status_code, error_text(response), self.id)
        if response.status_code == 404:
            raise UnknownTask("fal does not know this request (its result may have expired).")
        return read_result(response, output_for)

    async def cancel(self, task_id: str) -> None:
        handle = QueueHandle.from_task_id(task_id, self.base_url)
        await (await self.http()).answer_once("PUT", handle.cancel_url)

    def probe_path(self) -> str:
        """A status request for a request id nobody made: 404 with a good key, 401 without."""
        return QueueHandle.built(self.base_url, self.offering.endpoint, PROBE_ID).status_url


make = FalProvider
