"""WaveSpeed: MMAudio v2 and newer foley models, one path per model; Bearer key.

Facts (PROVIDERS.md, "WaveSpeed"): POST /api/v3/{model id}; GET /api/v3/predictions/{id}/result;
envelope {code, message, data{id, status, outputs[], error}}; a failed task can be HTTP 200 with
data.status "failed". Upload as the SDKs do since Aug 2026: POST /api/v3/media/uploads
{filename, size, content_type} -> PUT the bytes to data.upload.url with data.upload.headers ->
data.download_url; the older multipart POST /api/v3/media/upload/binary (field `file`) is the
fallback. The submit is never retried blindly (as its SDK).
"""

from __future__ import annotations

import asyncio
import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    OutputKind,
    Pricing,
    ProviderError,
    TaskState,
    TaskStatus,
    TransientError,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import (
    HostedProvider,
    StatusWords,
    answer_json,
    first_str,
    json_or_none,
    offering_input,
    read_status,
    task_id_of,
)
from foleydesk.providers.hosts.piapi import envelope_data
from foleydesk.providers.http import FileBody, multipart_file, refusal

log = logging.getLogger(__name__)

CREATE_PATH = "/api/v3/{endpoint}"
TASK_PATH = "/api/v3/predictions/{task_id}/result"
UPLOAD_PATH = "/api/v3/media/upload/binary"
TICKET_PATH = "/api/v3/media/uploads"
NO_TICKETS = (404, 405, 501)  # an older deployment: use the binary upload
TASK_ID = (("id",),)

STATES = {
    "created": TaskState.PENDING,
    "processing": TaskState.RUNNING,
    "completed": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "cancelled": TaskState.CANCELLED,
    "timeout": TaskState.FAILED,
}
WORDS = StatusWords(
    STATES,
    url_paths=(("outputs", "0"),),
    error_paths=(("error",), ("error", "message")),
    failed_text="The task {raw}.",
)


OFFERINGS = (
    Offering(
        "mmaudio",
        "wavespeed",
        "wavespeed-ai/mmaudio-v2",
        {
            "video": "video",
            "prompt": "prompt",
            "negative_prompt": "negative_prompt",
            "steps": "num_inference_steps",
            "guidance": "guidance_scale",
            "duration": "duration",  # always the segment's length, in whole seconds
            "mask_away_clip": "mask_away_clip",
            "seed": "seed",
        },
        output=OutputKind.VIDEO,
        pricing=Pricing(per_second=0.001, min_seconds=Fraction(1), text="$0.001/s"),
    ),
    # Field names below: see docs/providers.md for which were read on the model's page.
    Offering(
        "hunyuan-foley",
        "wavespeed",
        "wavespeed-ai/hunyuan-video-foley",
        {"video": "video", "prompt": "prompt", "seed": "seed"},
        output=OutputKind.VIDEO,
        pricing=Pricing(
            per_second=0.002, min_seconds=Fraction(1), text="about $0.002/s", estimated=True
        ),
        confirmed=False,  # the page names the model; its field table was not confirmed
    ),
    Offering(
        "thinksound",
        "wavespeed",
        "wavespeed-ai/think-sound",
        {"video": "video", "prompt": "prompt", "seed": "seed"},  # confirmed on its page
        output=OutputKind.VIDEO,
        pricing=Pricing(per_call=0.02, text="about $0.02 per call", estimated=True),
    ),
    Offering(
        "kling-v2a",
        "wavespeed",
        "kwaivgi/kling-video-to-audio",
        {"video": "video", "sfx_prompt": "sound_effect_prompt"},  # bgm_prompt left empty
        output=OutputKind.VIDEO,
        min_seconds=Fraction(3),
        max_seconds=Fraction(20),
        pricing=Pricing(per_call=0.035, text="about $0.035 per video", estimated=True),
        fixed={"asmr_mode": False},
    ),
    Offering(
        "mirelo-sfx-1.6",
        "wavespeed",
        "mirelo-ai/sfx-1.6/video-to-audio",
        {"video": "video", "prompt": "prompt", "seed": "seed"},  # as v1.5's page
        output=OutputKind.AUDIO,
        max_seconds=Fraction(60),
        pricing=Pricing(per_call=0.02, text="about $0.02 per call", estimated=True),
        confirmed=False,
    ),
    Offering(
        "mirelo-sfx",
        "wavespeed",
        "mirelo-ai/sfx-2.0/video-to-audio",
        {"video": "video", "prompt": "prompt", "seed": "seed"},
        output=OutputKind.AUDIO,  # 2.0 returns audio only
        max_seconds=Fraction(60),
        pricing=Pricing(per_call=0.02, text="about $0.02 per call", estimated=True),
        confirmed=False,
    ),
)


class WavespeedProvider(HostedProvider):
    id = "wavespeed"
    name = "WaveSpeed (MMAudio v2)"
    host_name = "WaveSpeed"
    default_base_url = "https://api.wavespeed.ai"
    create_path, task_path, task_id_paths, status_words = CREATE_PATH, TASK_PATH, TASK_ID, WORDS
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        mask_away_clip=True,
        max_duration=Fraction(30),
        max_prompt=1000,
        max_negative=500,
        steps_range=(4, 50),
        default_steps=25,
        cfg_range=(0.0, 20.0),
        max_upload_bytes=100 * 1024 * 1024,
        concurrency=2,
        pricing=Pricing(per_second=0.001, min_seconds=Fraction(1), text="$0.001/s"),
        output=OutputKind.VIDEO,
        needs_upload=True,
        terms_url="https://wavespeed.ai/terms-of-service",
        privacy_note="WaveSpeed keeps uploaded segments for 7 days.",
    )

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async def upload(self, path: Path, content_type: str) -> str:
        """The ticket flow first; the binary upload when tickets are not offered or fail."""
        url = await self._ticket_upload(path, content_type)
        return url or await self._binary_upload(path, content_type)

    async def _ticket_upload(self, path: Path, content_type: str) -> str | None:
        http = await self.http()
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        ticket = {"filename": path.name, "size": size, "content_type": content_type}
        try:
            response = await http.answer_once("POST", TICKET_PATH, json=ticket)
        except TransientError as exc:
            log.info("WaveSpeed upload ticket: %s; using the binary upload", exc)
            return None
        status = response.status_code
        if status in NO_TICKETS or status == 429 or status >= 500:
            log.info("WaveSpeed upload ticket answered %s; using the binary upload", status)
            return None
        if status >= 400:
            raise refusal(response, self.name, self.id)
        data = envelope_data(json_or_none(response), self.name)
        put_url = first_str(data, ("upload", "url"), ("upload_url",))
        download = first_str(data, ("download_url",), ("upload", "download_url"))
        if not put_url or not download:
            log.info("WaveSpeed upload ticket without URLs; using the binary upload")
            return None
        raw = data.get("upload")
        extra = raw.get("headers") if isinstance(raw, dict) else None
        headers = {str(k): str(v) for k, v in (extra or {}).items()}
        headers.setdefault("Content-Type", content_type)
        method = first_str(data, ("upload", "method")) or "PUT"
        # The ticket's URL carries its own authorisation: the key is not sent there.
        await http.request(
            method.upper(), put_url, auth=False, content=FileBody(path), headers=headers
        )
        return download

    async def _binary_upload(self, path: Path, content_type: str) -> str:
        body, form_type = multipart_file("file", path, content_type)
        response = await (await self.http()).request(
            "POST", UPLOAD_PATH, content=body, headers={"Content-Type": form_type}
        )
        data = envelope_data(answer_json(response, "the upload's answer"), self.name)
        url = first_str(data, ("download_url",), ("url",))
        if not url:
            raise ProviderError("WaveSpeed's upload answered without a download URL.")
        return url

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        return offering_input(request, self.capabilities, self.offering)

    async def poll(self, task_id: str) -> TaskStatus:
        """As every host; a model that makes several variations per call (Mirelo returns
        `num_samples` sounds) gives every URL in `outputs`: a take each."""
        answer = await (await self.http()).get_json(self.task_path.format(task_id=task_id))
        data = self.unwrap(answer)
        status = read_status(self.name, data, self.words(), self.output_for)
        if status.state is TaskState.COMPLETED and self.offering.spec.max_variations > 1:
            urls = data.get("outputs")
            if isinstance(urls, list) and len(urls) > 1:
                status.outputs = [self.output_for(u) for u in urls if isinstance(u, str) and u]
        return status

    def unwrap(self, answer: Any) -> Any:
        return envelope_data(answer, self.name)

    async def submit(self, request: GenerationRequest) -> str:
        path = CREATE_PATH.format(endpoint=self.offering.endpoint)
        answer = await (await self.http()).submit_json(path, self.body(request))
        data = self.unwrap(answer)
        return task_id_of(self.name, data, TASK_ID, data)  # a refusal shows in `data`


make = WavespeedProvider
