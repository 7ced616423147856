"""A Cog HTTP server of MMAudio on the user's own GPU machine (default http://localhost:5000).

POST /predictions {input{video (data URI), prompt, ...}} answers when the audio is made, with
{status: succeeded, output: data URI or URL}. The request runs in the background here and the
engine polls a local task id; it is the user's own machine, so a lost task is simply run again.
Plain http is allowed to the configured host (a LAN GPU box), keys are not needed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import httpx

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Output,
    OutputKind,
    Pricing,
    ProviderError,
    SubmitUncertain,
    TaskState,
    TaskStatus,
    TransientError,
    UnknownTask,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import (
    HostedProvider,
    first_str,
    json_or_none,
    offering_input,
)
from foleydesk.providers.http import HostHttp, error_text
from foleydesk.secrets import get_key
from foleydesk.settings import Settings

PREDICT_PATH = "/predictions"
HEALTH_PATH = "/health-check"  # Cog >= 0.7: {status: STARTING | READY | BUSY | SETUP_FAILED ...}
ROOT_PATH = "/"  # older Cog: {docs_url, openapi_url}
BROKEN_STATES = ("SETUP_FAILED", "DEFUNCT")
PREDICT_TIMEOUT = 900.0  # a slow GPU on a long range
COG_FIELDS = {  # the Cog images of MMAudio, HunyuanVideo-Foley and ThinkSound share these
    "video": "video",
    "prompt": "prompt",
    "negative_prompt": "negative_prompt",
    "steps": "num_steps",
    "guidance": "cfg_strength",
    "duration": "duration",
    "seed": "seed",
}
OFFERINGS = tuple(
    Offering(
        model,
        "selfhosted",
        model,
        COG_FIELDS,
        output=OutputKind.VIDEO,
        pricing=Pricing(text="free (your own GPU)"),
        defaults={"negative_prompt": "music"},
        confirmed=model == "mmaudio",
    )
    for model in ("mmaudio", "hunyuan-foley", "thinksound")
)


ENDPOINTS_ENV = "FOLEYDESK_SELFHOSTED_ENDPOINTS"  # "URL=MODEL*N, URL=MODEL*N"


@dataclass
class Endpoint:
    """One GPU box: its address, the model its Cog image runs, how many predictions at once."""

    url: str
    model: str
    concurrency: int = 1
    busy: int = 0


def configured_endpoints(settings: Settings) -> list[Endpoint]:
    """The studio's boxes: FOLEYDESK_SELFHOSTED_ENDPOINTS ("URL=MODEL*N, ..."), else the
    settings' providers.selfhosted.endpoints; [] when neither names any."""
    found: list[Endpoint] = []
    raw = os.environ.get(ENDPOINTS_ENV, "").strip()
    if raw:
        for item in filter(None, (part.strip() for part in raw.split(","))):
            url, _, rest = item.partition("=")
            model, _, count = rest.partition("*")
            found.append(
                Endpoint(url.strip().rstrip("/"), model.strip() or "mmaudio", _count(count))
            )
        return found
    for entry in settings.provider("selfhosted").endpoints:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            model = str(entry.get("model") or "mmaudio")
            found.append(
                Endpoint(entry["url"].rstrip("/"), model, _count(entry.get("concurrency")))
            )
    return found


def _count(value: object) -> int:
    try:
        return max(1, int(str(value).strip() or 1))
    except ValueError:
        return 1


class SelfhostedProvider(HostedProvider):
    id = "selfhosted"
    name = "Self-hosted MMAudio (Cog)"
    host_name = "Self-hosted"
    default_base_url = "http://localhost:5000"
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        max_duration=Fraction(30),
        max_prompt=2000,
        max_negative=2000,
        steps_range=(4, 100),
        default_steps=25,
        max_upload_bytes=50 * 1024 * 1024,
        concurrency=1,
        pricing=Pricing(text="free (your own GPU)"),
        output=OutputKind.VIDEO,
        needs_upload=True,  # inline data URI
        needs_key=False,
        resubmit_safe=True,
        cancellable=True,
    )

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient | None,
        offering: Offering | None = None,
    ) -> None:
        super().__init__(settings, client, offering)
        self._tasks: dict[str, asyncio.Task[TaskStatus]] = {}
        model = self.offering.model
        self.endpoints = [e for e in configured_endpoints(settings) if e.model == model] or [
            Endpoint(self.base_url, model, self.capabilities.concurrency)
        ]
        self.capabilities = dataclasses.replace(
            self.capabilities, concurrency=sum(e.concurrency for e in self.endpoints)
        )
        self._next = 0  # round-robin start
        self._free: asyncio.Condition | None = None
        self._endpoint_http: dict[str, HostHttp] = {}

    def allow_http_hosts(self) -> frozenset[str]:
        hosts = {urlsplit(self.base_url).hostname}
        hosts |= {urlsplit(e.url).hostname for e in getattr(self, "endpoints", [])}
        return frozenset(h.lower() for h in hosts if h)

    async def _take_endpoint(self) -> Endpoint:
        """The next box in turn with a free slot (waits when every box is busy)."""
        if self._free is None:
            self._free = asyncio.Condition()
        async with self._free:
            await self._free.wait_for(lambda: any(e.busy < e.concurrency for e in self.endpoints))
            count = len(self.endpoints)
            for step in range(count):
                endpoint = self.endpoints[(self._next + step) % count]
                if endpoint.busy < endpoint.concurrency:
                    self._next = (self._next + step + 1) % count
                    endpoint.busy += 1
                    return endpoint
        raise AssertionError("a free endpoint was promised")

    async def _give_back(self, endpoint: Endpoint) -> None:
        assert self._free is not None
        async with self._free:
            endpoint.busy -= 1
            self._free.notify_all()

    async def _http_for(self, endpoint: Endpoint) -> HostHttp:
        if endpoint.url not in self._endpoint_http:
            self._endpoint_http[endpoint.url] = await self._host_http(endpoint.url)
        return self._endpoint_http[endpoint.url]

    def key(self) -> str:
        """An optional bearer token, for a server that asks for one; no key is no error."""
        return get_key(self.id) or ""

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"} if key else {}

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        return {"input": offering_input(request, self.capabilities, self.offering)}

    async def _predict(self, body: dict[str, Any]) -> TaskStatus:
        endpoint = await self._take_endpoint()
        try:
            return await self._predict_on(endpoint, body)
        finally:
            await self._give_back(endpoint)

    async def _predict_on(self, endpoint: Endpoint, body: dict[str, Any]) -> TaskStatus:
        for attempt in range(self.policy.attempts):
            try:
                answer = await (await self._http_for(endpoint)).submit_json(
                    PREDICT_PATH, body, timeout=httpx.Timeout(PREDICT_TIMEOUT, connect=15.0)
                )
                break
            except (TransientError, SubmitUncertain) as exc:  # our own machine: safe to resend
                if attempt + 1 >= self.policy.attempts:
                    return TaskStatus(TaskState.FAILED, error=f"the server did not answer ({exc})")
                retry_after = exc.retry_after if isinstance(exc, TransientError) else None
                await asyncio.sleep(self.policy.delay(attempt, retry_after))
            except ProviderError as exc:
                return TaskStatus(TaskState.FAILED, error=str(exc))
        if not isinstance(answer, dict):
            return TaskStatus(TaskState.FAILED, error="the server's answer was not an object")
        status = str(answer.get("status", "")).lower()
        if status != "succeeded":
            reason = first_str(answer, ("error",), ("logs",)) or f"status {status or 'unknown'}"
            return TaskStatus(TaskState.FAILED, status, error=reason)
        output = first_str(answer, ("output",), ("output", "0"), ("output", "video"))
        if not output:
            return TaskStatus(TaskState.FAILED, error="the server answered without an output")
        if output.startswith("data:"):
            kind = OutputKind.VIDEO if output.startswith("data:video") else OutputKind.AUDIO
            return TaskStatus(TaskState.COMPLETED, "succeeded", 1.0, [Output(kind, url=output)])
        return TaskStatus(TaskState.COMPLETED, "succeeded", 1.0, [self.output_for(output)])

    async def submit(self, request: GenerationRequest) -> str:
        task_id = f"selfhosted-{uuid.uuid4().hex[:16]}"
        self._tasks[task_id] = asyncio.get_running_loop().create_task(
            self._predict(self.body(request))
        )
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        task = self._tasks.get(task_id)
        if task is None:
            raise UnknownTask(f"The self-hosted task {task_id} was lost (the app restarted).")
        if not task.done():
            return TaskStatus(TaskState.RUNNING, "generating on your server")
        if task.cancelled():
            return TaskStatus(TaskState.CANCELLED, "cancelled")
        return task.result()

    async def cancel(self, task_id: str) -> None:
        task = self._tasks.pop(task_id, None)
        if task is not None:
            task.cancel()

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        """Cog's health check (its root page on older Cog): answers, and says if the model is
        ready."""
        response = await self.probe(client, HEALTH_PATH)
        if response.status_code == 404:
            response = await self.probe(client, ROOT_PATH)
        if response.status_code >= 400:
            raise ProviderError(
                f"The server at {self.base_url} answered {response.status_code}: "
                f"{error_text(response)}.",
                "Is it a Cog server of MMAudio? Check the address in Settings.",
            )
        state = first_str(json_or_none(response), ("status",)) or ""
        if state.upper() in BROKEN_STATES:
            raise ProviderError(
                f"The server at {self.base_url} answers but its model did not load ({state}).",
                "Look at the server's log, then restart it.",
            )
        return f"answers at {self.base_url}" + (f" (status {state})." if state else ".")


make = SelfhostedProvider
