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
    Output,
    OutputKind,
    Pricing,
    ProviderError,
    TaskState,
    TaskStatus,
    TransientError,
)
from foleydesk.providers.hosted import HostedProvider, first_str, missing_task_id, whole_seconds
from foleydesk.providers.http import multipart_file
from foleydesk.providers.piapi import envelope_data

CREATE_PATH = "/api/v3/wavespeed-ai/mmaudio-v2"
TASK_PATH = "/api/v3/predictions/{task_id}/result"
UPLOAD_PATH = "/api/v3/media/upload/binary"

STATES = {
    "created": TaskState.PENDING,
    "processing": TaskState.RUNNING,
    "completed": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "cancelled": TaskState.CANCELLED,
    "timeout": TaskState.FAILED,
}


class WavespeedProvider(HostedProvider):
    id = "wavespeed"
    name = "WaveSpeed (MMAudio v2)"
    default_base_url = "https://api.wavespeed.ai"
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
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
        response = await self.http.request(
            "POST", UPLOAD_PATH, content=body, headers={"Content-Type": form_type}
        )
        try:
            answer: Any = response.json()
        except ValueError:
            raise TransientError("the upload's answer was garbled") from None
        data = envelope_data(answer, self.name)
        url = first_str(data, ("download_url",), ("url",))
        if not url:
            raise ProviderError("WaveSpeed's upload answered without a download URL.")
        return url

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        caps = self.capabilities
        body: dict[str, Any] = {
            "video": request.video_url,
            "prompt": request.prompt,
            "duration": whole_seconds(request.duration),
            "num_inference_steps": request.steps or caps.default_steps,
            "guidance_scale": request.cfg_strength
            if request.cfg_strength is not None
            else caps.default_cfg,
            "mask_away_clip": request.mask_away_clip,
        }
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    async def submit(self, request: GenerationRequest) -> str:
        data = envelope_data(
            await self.http.submit_json(CREATE_PATH, self.body(request)), self.name
        )
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise missing_task_id(self.name, data)
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        data = envelope_data(await self.http.get_json(TASK_PATH.format(task_id=task_id)), self.name)
        raw = str(data.get("status", "")).lower()
        state = STATES.get(raw, TaskState.RUNNING)
        outputs: list[Output] = []
        if state is TaskState.COMPLETED:
            url = first_str(data, ("outputs", "0"))
            if not url:
                raise TransientError("WaveSpeed reported completion without outputs")
            outputs.append(Output(OutputKind.VIDEO, url=url, suffix=".mp4"))
        error = ""
        if state is TaskState.FAILED:
            error = first_str(data, ("error",), ("error", "message")) or f"The task {raw}."
        return TaskStatus(state, raw or state.value, None, outputs, error)
