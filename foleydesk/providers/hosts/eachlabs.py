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
)
from foleydesk.providers.http import FileBody

CREATE_PATH = "/v1/prediction/"
TASK_PATH = "/v1/prediction/{task_id}"
CANCEL_PATH = "/v1/prediction/{task_id}/cancel"
PRESIGN_PATH = "/v1/upload/presign"
TASK_ID = (("predictionID",), ("id",), ("prediction_id",))

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
WORDS = StatusWords(
    STATES,
    url_paths=(("output",), ("output", "0"), ("output", "url")),
    error_paths=(("error",), ("message",), ("logs",)),
    failed_text="The task failed.",
)


OFFERINGS = (
    Offering(
        "mmaudio",
        "eachlabs",
        "mmaudio",
        {
            "video": "video",
            "prompt": "prompt",
            "negative_prompt": "negative_prompt",
            "steps": "num_steps",
            "guidance": "cfg_strength",
            "duration": "duration",
            "seed": "seed",
        },
        output=OutputKind.VIDEO,
        pricing=Pricing(
            per_second=0.00108, estimated=True, text="$0.00108/s of GPU time (estimated)"
        ),
        defaults={"negative_prompt": "music"},
    ),
)


class EachlabsProvider(HostedProvider):
    id = "eachlabs"
    name = "Eachlabs (MMAudio)"
    default_base_url = "https://api.eachlabs.ai"
    create_path, task_path, task_id_paths, status_words = CREATE_PATH, TASK_PATH, TASK_ID, WORDS
    offerings = OFFERINGS
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
        http = await self.http()
        response = await http.request(
            "POST",
            PRESIGN_PATH,
            json={"content_type": content_type, "file_type": "video", "expires_in_seconds": 900},
        )
        answer = answer_json(response, "the presign answer")
        put_url = first_str(answer, ("presigned_url",), ("upload_url",), ("data", "upload_url"))
        public = first_str(answer, ("public_url",), ("data", "public_url"))
        if not put_url or not public:
            raise ProviderError("Eachlabs' upload answered without the URLs it should give.")
        required = answer.get("required_headers") if isinstance(answer, dict) else None
        headers = {str(k): str(v) for k, v in (required or {}).items()}
        headers.setdefault("Content-Type", content_type)
        # The presigned URL carries its own authorisation: the key is not sent there.
        await http.request("PUT", put_url, auth=False, content=FileBody(path), headers=headers)
        return public

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        inputs = offering_input(request, self.capabilities, self.offering)
        return {"model": self.offering.endpoint, "input": inputs}

    def unwrap(self, answer: Any) -> Any:
        if isinstance(answer, dict) and str(answer.get("status", "")).lower() == "error":
            raise ProviderError(f"Eachlabs refused the request: {answer.get('message')}")
        return answer

    async def cancel(self, task_id: str) -> None:
        await (await self.http()).request("POST", CANCEL_PATH.format(task_id=task_id))


make = EachlabsProvider
