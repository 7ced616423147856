"""Replicate: predictions on a pinned model version, `Authorization: Bearer`, files by multipart.

Facts (docs/providers.md "Replicate"): POST /v1/predictions {version, input} (a community model
is named by its version hash: a pinned, tested hash per offering, which Settings > Replicate >
model version overrides); GET /v1/predictions/{id}; POST /v1/predictions/{id}/cancel; POST
/v1/files with the multipart field `content` -> {urls: {get}}; GET /v1/account for the key test.
Outputs are deleted an hour after the prediction: the engine downloads a result as soon as the
poll says succeeded. FOLEYDESK_REPLICATE_BASE_URL overrides the API host.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    OutputKind,
    Pricing,
    ProviderError,
    TaskStatus,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import HostedProvider, missing_task_id, offering_input
from foleydesk.providers.replicate_predictions import prediction_id, read_prediction
from foleydesk.providers.upload_flows import check_size, multipart_post
from foleydesk.settings import Settings

CREATE_PATH = "/v1/predictions"
TASK_PATH = "/v1/predictions/{task_id}"
CANCEL_PATH = "/v1/predictions/{task_id}/cancel"
FILES_PATH = "/v1/files"
ACCOUNT_PATH = "/v1/account"
FILE_URL = (("urls", "get"),)
HEX = frozenset("0123456789abcdef")

# The version of each community model we tested against (Settings may name another).
PINNED_VERSIONS = {
    "zsxkib/mmaudio": "62871fb59889b2d7c13777f08deb3b36bdff88f7e1d53a50ad7694548a41b484",
}

OFFERINGS = (
    Offering(
        "mmaudio",
        "replicate",
        "zsxkib/mmaudio",
        {
            "video": "video",
            "prompt": "prompt",
            "negative_prompt": "negative_prompt",
            "steps": "num_steps",
            "guidance": "cfg_strength",
            "duration": "duration",
            "seed": "seed",  # -1 would be random: ours is always sent
        },
        output=OutputKind.VIDEO,
        pricing=Pricing(
            per_second=0.0023, estimated=True, text="~$0.0023/s of GPU time (estimated)"
        ),
        defaults={"negative_prompt": "music"},
        cfg_range=(1.0, 20.0),
        seed_range=(0, 2**31 - 1),
    ),
)


def is_version(text: str) -> bool:
    return len(text) == 64 and set(text) <= HEX


class ReplicateProvider(HostedProvider):
    id = "replicate"
    name = "Replicate (MMAudio v2)"
    host_name = "Replicate"
    default_base_url = "https://api.replicate.com"
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        max_duration=Fraction(30),
        max_prompt=1000,
        max_negative=500,
        steps_range=(4, 50),
        default_steps=25,
        max_upload_bytes=100 * 1024 * 1024,
        concurrency=4,
        # 600 creates and 3000 other requests (a poll is one) a minute per key
        # (replicate.com/docs/topics/predictions/rate-limits); fal caps concurrency, not
        # requests; the other hosts document create limits only (PROVIDERS.md).
        polls_per_minute=3000,
        needs_upload=True,
        cancellable=True,
        terms_url="https://replicate.com/terms",
    )

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient | None,
        offering: Offering | None = None,
    ) -> None:
        super().__init__(settings, client, offering)
        override = (settings.provider(self.id).model_version or "").strip().lower()
        self.version = override or PINNED_VERSIONS[self.offering.endpoint]

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def validate(self, request: GenerationRequest) -> list[str]:
        problems = super().validate(request)
        if not is_version(self.version):
            problems.append(
                f"The Replicate version for {self.offering.endpoint} is not a 64-character "
                "hash: fix it in Settings (or clear it to use the tested one)."
            )
        return problems

    async def upload(self, path: Path, content_type: str) -> str:
        check_size(path, self.capabilities.max_upload_bytes, "Replicate")
        return await multipart_post(
            await self.http(), FILES_PATH, "content", path, content_type, FILE_URL
        )

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        return {
            "version": self.version,
            "input": offering_input(request, self.capabilities, self.offering),
        }

    async def submit(self, request: GenerationRequest) -> str:
        answer = await (await self.http()).submit_json(CREATE_PATH, self.body(request))
        task_id = prediction_id(answer)
        if task_id is None:
            raise missing_task_id(self.name, answer)
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        answer = await (await self.http()).get_json(TASK_PATH.format(task_id=task_id))
        status = read_prediction(answer, self.output_for)
        if isinstance(answer, dict) and isinstance(answer.get("version"), str):
            status.version = answer["version"]
        return status

    async def cancel(self, task_id: str) -> None:
        await (await self.http()).request("POST", CANCEL_PATH.format(task_id=task_id))

    def probe_path(self) -> str:
        return ACCOUNT_PATH

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        """GET /v1/account: answers who owns the token; nothing is created."""
        response = await self.probe(client, ACCOUNT_PATH)
        if response.status_code >= 300:
            raise ProviderError(f"Replicate refused the test request ({response.status_code}).")
        user = None
        with contextlib.suppress(ValueError, AttributeError):
            user = response.json().get("username")
        return self.connected(f" (account {user})" if isinstance(user, str) else "")


make = ReplicateProvider
