"""Eachlabs predictions: MMAudio; upload by presigned PUT; the output is a video (take = audio).

Facts (PROVIDERS.md, "Eachlabs"): POST /v1/prediction/ header X-API-Key -> {status: success,
predictionID}; GET /v1/prediction/{id} -> {status, output, logs, urls{cancel}}; presign at
POST /v1/upload/presign -> {presigned_url | upload_url, public_url, required_headers}.
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
from foleydesk.providers.http import FileBody

CREATE_PATH = "/v1/prediction/"
TASK_PATH = "/v1/prediction/{task_id}"
CANCEL_PATH = "/v1/prediction/{task_id}/cancel"
PRESIGN_PATH = "/v1/upload/presign"
MODEL = "mmaudio"

STATES = {
    "starting": TaskState.PENDING,
    "queued": TaskState.PENDING,
    "processing": TaskState.RUNNING,
    "success": TaskState.COMPLETED,
    "succeeded": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "error": TaskState.FAILED,
    "cancelled": TaskState.CANCELLED,
    "canceled": TaskState.CANCELLED,
}


class EachlabsProvider(HostedProvider):
    id = "eachlabs"
    name = "Eachlabs (MMAudio)"
    default_base_url = "https://api.eachlabs.ai"
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        max_duration=Fraction(30),
        max_prompt=1000,
        max_negative=500,
        steps_range=(4, 50),
        default_steps=25,
        max_upload_bytes=100 * 1024 * 1024,
        concurrency=10,
        per_minute=100,
        pricing=Pricing(
            per_second=0.00108, estimated=True, text="$0.00108/s of GPU time (estimated)"
        ),
        output=OutputKind.VIDEO,
        needs_upload=True,
        cancellable=True,
        terms_url="https://www.eachlabs.ai/terms",
    )

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"X-API-Key": key}

    async def upload(self, path: Path, content_type: str) -> str:
        response = await self.http.request(
            "POST",
            PRESIGN_PATH,
            json={"content_type": content_type, "file_type": "video", "expires_in_seconds": 900},
        )
        try:
            answer: Any = response.json()
        except ValueError:
            raise TransientError("the presign answer was garbled") from None
        put_url = first_str(answer, ("presigned_url",), ("upload_url",), ("data", "upload_url"))
        public = first_str(answer, ("public_url",), ("data", "public_url"))
        if not put_url or not public:
            raise ProviderError("Eachlabs' upload answered without the URLs it should give.")
        required = answer.get("required_headers") if isinstance(answer, dict) else None
        headers = {str(k): str(v) for k, v in (required or {}).items()}
        headers.setdefault("Content-Type", content_type)
        # The presigned URL carries its own authorisation: the key is not sent there.
        await self.http.request("PUT", put_url, auth=False, content=FileBody(path), headers=headers)
        return public

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        caps = self.capabilities
        inputs: dict[str, Any] = {
            "video": request.video_url,
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt or "music",
            "duration": whole_seconds(request.duration),
            "num_steps": request.steps or caps.default_steps,
            "cfg_strength": request.cfg_strength
            if request.cfg_strength is not None
            else caps.default_cfg,
        }
        if request.seed is not None:
            inputs["seed"] = request.seed
        return {"model": MODEL, "input": inputs}

    async def submit(self, request: GenerationRequest) -> str:
        answer = await self.http.submit_json(CREATE_PATH, self.body(request))
        if isinstance(answer, dict) and str(answer.get("status", "")).lower() == "error":
            raise ProviderError(f"Eachlabs refused the request: {answer.get('message')}")
        task_id = first_str(answer, ("predictionID",), ("id",), ("prediction_id",))
        if not task_id:
            raise missing_task_id(self.name, answer)
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        answer = await self.http.get_json(TASK_PATH.format(task_id=task_id))
        if not isinstance(answer, dict):
            raise TransientError("Eachlabs answered with something that is not an object")
        raw = str(answer.get("status", "")).lower()
        state = STATES.get(raw, TaskState.RUNNING)
        outputs: list[Output] = []
        if state is TaskState.COMPLETED:
            url = first_str(answer, ("output",), ("output", "0"), ("output", "url"))
            if not url:
                raise TransientError("Eachlabs reported success without an output")
            outputs.append(Output(OutputKind.VIDEO, url=url, suffix=".mp4"))
        error = ""
        if state is TaskState.FAILED:
            error = first_str(answer, ("error",), ("message",), ("logs",)) or "The task failed."
        return TaskStatus(state, raw or state.value, None, outputs, error)

    async def cancel(self, task_id: str) -> None:
        await self.http.request("POST", CANCEL_PATH.format(task_id=task_id))
