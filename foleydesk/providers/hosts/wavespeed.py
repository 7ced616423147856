"""WaveSpeed: mmaudio-v2; media upload; Bearer key; the output is an MP4 (take = its audio).

Facts (PROVIDERS.md, "WaveSpeed"): POST /api/v3/wavespeed-ai/mmaudio-v2; GET
/api/v3/predictions/{id}/result; envelope {code, message, data{id, status, outputs[], error}};
a failed task can be HTTP 200 with data.status "failed"; upload POST /api/v3/media/upload/binary
(multipart `file`) -> data.download_url. The submit is never retried blindly (as its SDK).
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
    ProviderError,
    TaskState,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import (
    HostedProvider,
    StatusWords,
    answer_json,
    first_str,
    offering_input,
    task_id_of,
)
from foleydesk.providers.hosts.piapi import envelope_data
from foleydesk.providers.http import multipart_file

CREATE_PATH = "/api/v3/{endpoint}"
TASK_PATH = "/api/v3/predictions/{task_id}/result"
UPLOAD_PATH = "/api/v3/media/upload/binary"
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
)


class WavespeedProvider(HostedProvider):
    id = "wavespeed"
    name = "WaveSpeed (MMAudio v2)"
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
    )

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async def upload(self, path: Path, content_type: str) -> str:
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

    def unwrap(self, answer: Any) -> Any:
        return envelope_data(answer, self.name)

    async def submit(self, request: GenerationRequest) -> str:
        path = CREATE_PATH.format(endpoint=self.offering.endpoint)
        answer = await (await self.http()).submit_json(path, self.body(request))
        data = self.unwrap(answer)
        return task_id_of(self.name, data, TASK_ID, data)  # a refusal shows in `data`


make = WavespeedProvider
