"""Qubico's inference API: MMAudio with the video inline as a base64 data URI.

Facts (PROVIDERS.md, "Qubico"): POST /v1/inference -> 202 {task_id, status}; GET
/v1/tasks/{id} -> {status, results[{url, format}]} (PiAPI's envelope also accepted); errors
{error{code, message, details}}. 5 tasks at once, 20 submits a minute, 500 a day: the engine
keeps under them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Output,
    Pricing,
    TaskState,
    TaskStatus,
    TransientError,
)
from foleydesk.providers.hosted import HostedProvider, first_str, missing_task_id
from foleydesk.providers.piapi import STATES, envelope_data

CREATE_PATH = "/v1/inference"
TASK_PATH = "/v1/tasks/{task_id}"
MODEL = "Qubico/mmaudio"


class QubicoProvider(HostedProvider):
    id = "qubico"
    name = "Qubico (MMAudio)"
    default_base_url = "https://api.qubico.ai"
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        max_duration=Fraction(60),
        max_prompt=500,
        max_negative=200,
        steps_range=(20, 50),
        default_steps=25,
        max_upload_bytes=20 * 1024 * 1024,  # inline base64 in one JSON body: keep it modest
        concurrency=5,
        per_minute=20,
        per_day=500,
        pricing=Pricing(per_second=0.05, text="$0.05/s"),
        needs_upload=True,  # "upload" = inline data URI
        segment_short_side=384,
        terms_url="https://qubico.ai/terms",
    )

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        inputs: dict[str, Any] = {
            "video": request.video_url,
            "prompt": request.prompt,
            "steps": request.steps or self.capabilities.default_steps,
        }
        if request.negative_prompt:
            inputs["negative_prompt"] = request.negative_prompt
        if request.seed is not None:
            inputs["seeds"] = request.seed
        return {"model": MODEL, "input": inputs}

    async def submit(self, request: GenerationRequest) -> str:
        body = await self.http.submit_json(CREATE_PATH, self.body(request))
        data = envelope_data(body, self.name)
        task_id = data.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise missing_task_id(self.name, body)
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        body = await self.http.get_json(TASK_PATH.format(task_id=task_id))
        data = envelope_data(body, self.name)
        raw = str(data.get("status", "")).lower()
        state = STATES.get(raw, TaskState.RUNNING)
        outputs: list[Output] = []
        if state is TaskState.COMPLETED:
            url = first_str(
                data, ("results", "0", "url"), ("output", "audio_url"), ("output", "url")
            )
            if not url:
                raise TransientError("Qubico reported completion without a result URL")
            outputs.append(self.output_for(url))
        error = ""
        if state is TaskState.FAILED:
            error = (
                first_str(data, ("error", "message"), ("error",), ("message",))
                or "The task failed without a reason."
            )
        return TaskStatus(state, raw or state.value, None, outputs, error)
