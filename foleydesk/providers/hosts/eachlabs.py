"""Eachlabs predictions: MMAudio; upload by presigned PUT; the output is a video (take = audio).

Facts (PROVIDERS.md, "Eachlabs"): POST /v1/prediction/ with `Authorization: Bearer KEY` (the
documented header; X-API-Key still works, undocumented) -> {status: success, predictionID} or
{status: error, message}; GET /v1/prediction/{id} -> {status, output, logs, urls{cancel}}, a
failed generation as status "error" (or "failed") with the reason in output.error_message /
output.error_code / logs; presign at POST /v1/upload/presign {content_type, file_type,
expires_in_seconds = how long the *file* is kept} -> {presigned_url | upload_url, public_url,
required_headers}; the presigned URL itself lives 15 minutes whatever is asked.
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
from foleydesk.providers.http import FileBody

CREATE_PATH = "/v1/prediction/"
TASK_PATH = "/v1/prediction/{task_id}"
KEEP_UPLOADS_SECONDS = 7 * 86_400  # a queued prediction must still find its segment
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
    error_paths=(
        ("output", "error_message"),
        ("error",),
        ("error", "message"),
        ("output", "error_code"),
        ("logs",),
        ("message",),
    ),
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
    host_name = "Eachlabs"
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
        privacy_note="Eachlabs keeps each uploaded segment for 7 days (so a queued generation "
        "still finds it), then deletes it.",
        terms_url="https://www.eachlabs.ai/terms",
    )

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async def upload(self, path: Path, content_type: str) -> str:
        http = await self.http()
        response = await http.request(
            "POST",
            PRESIGN_PATH,
            json={
                "content_type": content_type,
                "file_type": "video",
                "expires_in_seconds": KEEP_UPLOADS_SECONDS,
            },
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

    async def submit(self, request: GenerationRequest) -> str:
        """A create answered with status "error" is a refusal in the host's words (nothing was
        made); a prediction that fails later is read by poll (status "error" there too)."""
        answer = await (await self.http()).submit_json(CREATE_PATH, self.body(request))
        if isinstance(answer, dict) and str(answer.get("status", "")).lower() == "error":
            reason = first_str(answer, ("message",), ("error",), ("details",))
            raise ProviderError(f"Eachlabs refused the request: {reason or 'no reason given'}.")
        return task_id_of(self.name, answer, TASK_ID, answer)

    async def cancel(self, task_id: str) -> None:
        await (await self.http()).request("POST", CANCEL_PATH.format(task_id=task_id))


make = EachlabsProvider
