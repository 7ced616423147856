"""What every hosted provider shares: base URL, key, HTTP with the right rules, validation."""

from __future__ import annotations

import asyncio
import base64
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from foleydesk.errors import UserError
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Output,
    OutputKind,
    ProviderError,
    SubmitUncertain,
    TaskStatus,
    common_problems,
)
from foleydesk.providers.http import HostHttp, RetryPolicy, check_base_url
from foleydesk.providers.registry import base_url_for, upload_url_for
from foleydesk.secrets import env_name, get_key
from foleydesk.settings import Settings


class HostedProvider:
    """Base for the HTTP providers; subclasses set the facts and implement submit/poll."""

    id = ""
    name = ""
    capabilities = Capabilities()
    default_base_url = ""
    default_upload_url = ""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None) -> None:
        self.settings = settings
        self.client = client
        own = settings.provider(self.id)
        caps = self.capabilities
        if own.concurrency or own.per_minute or own.per_day or own.max_seconds:
            from dataclasses import replace

            self.capabilities = replace(
                caps,
                concurrency=own.concurrency or caps.concurrency,
                per_minute=own.per_minute or caps.per_minute,
                per_day=own.per_day or caps.per_day,
                max_duration=Fraction(str(own.max_seconds))
                if own.max_seconds
                else caps.max_duration,
            )
        self.base_url = base_url_for(self.id, self.default_base_url, settings).rstrip("/")
        self.upload_url = (
            upload_url_for(self.id, self.default_upload_url, settings).rstrip("/")
            if self.default_upload_url
            else self.base_url
        )
        self.policy = RetryPolicy(settings.retry_attempts, settings.retry_base_seconds)
        self._http: HostHttp | None = None
        self._upload_http: HostHttp | None = None

    # -- plumbing --

    def allow_http_hosts(self) -> frozenset[str]:
        return frozenset()

    def key(self) -> str:
        key = get_key(self.id)
        if not key:
            raise ProviderError(
                f"No API key for {self.name}.",
                f"Add one with 'foleydesk keys set {self.id}' or set {env_name(self.id)}.",
            )
        return key

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-api-key": key}

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            raise RuntimeError("this provider was built without an HTTP client")
        return self.client

    @property
    def http(self) -> HostHttp:
        if self._http is None:
            self._http = HostHttp(
                self._client(),
                self.name,
                self.base_url,
                self.auth_headers(self.key()),
                self.policy,
                self.allow_http_hosts(),
            )
        return self._http

    @property
    def upload_http(self) -> HostHttp:
        if self._upload_http is None:
            self._upload_http = HostHttp(
                self._client(),
                self.name,
                self.upload_url,
                self.auth_headers(self.key()),
                self.policy,
                self.allow_http_hosts(),
            )
        return self._upload_http

    # -- protocol defaults --

    def estimate_cost(self, request: GenerationRequest) -> float:
        return self.capabilities.pricing.estimate(request.duration)

    def caps_for(self, request: GenerationRequest) -> Capabilities:
        """The limits that apply to this request (a host may differ per kind)."""
        return self.capabilities

    def validate(self, request: GenerationRequest) -> list[str]:
        problems = common_problems(self.caps_for(request), request, self.name)
        if self.capabilities.needs_key and not get_key(self.id):
            problems.append(
                f"No API key for {self.name}: add one with 'foleydesk keys set {self.id}' "
                f"or set {env_name(self.id)}."
            )
        try:
            check_base_url(self.base_url, self.allow_http_hosts())
        except UserError as exc:
            problems.append(str(exc))
        return problems

    async def upload(self, path: Path, content_type: str) -> str:
        """Inline the file as a data URI (hosts that take base64 in the request)."""
        if path.stat().st_size > self.capabilities.max_upload_bytes:
            raise ProviderError(
                f"The segment is {path.stat().st_size // 1024} KB; {self.name} takes at most "
                f"{self.capabilities.max_upload_bytes // 1024} KB.",
                "Use a shorter range.",
            )
        # Tens of MB: encoded off the event loop.
        return await asyncio.to_thread(file_base64, path, f"data:{content_type};base64,")

    async def result(self, task_id: str) -> list[Output]:
        status = await self.poll(task_id)
        return status.outputs

    async def cancel(self, task_id: str) -> None:
        return None

    async def poll(self, task_id: str) -> TaskStatus:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers for subclasses --

    def output_for(self, url: str) -> Output:
        kind = self.capabilities.output
        suffix = ".mp4" if kind is OutputKind.VIDEO else ".mp3"
        tail = url.split("?")[0].rsplit("/", 1)[-1].lower()
        for known in (".wav", ".mp3", ".flac", ".mp4", ".m4a"):
            if tail.endswith(known):
                suffix = known
                kind = OutputKind.VIDEO if known == ".mp4" else OutputKind.AUDIO
        return Output(kind, url=url, suffix=suffix)


BASE64_BLOCK = 3 << 20  # a multiple of 3: blocks encode to pieces that simply concatenate


def file_base64(path: Path, prefix: str = "") -> str:
    """Base64 of a file in blocks (binascii holds the GIL: one 50 MB call would stall the loop
    even from a worker thread); `prefix` makes it a data URI in the same pass."""
    pieces: list[str] = [prefix]
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BASE64_BLOCK), b""):
            pieces.append(base64.b64encode(block).decode("ascii"))
    return "".join(pieces)


def whole_seconds(duration: Fraction, low: int = 1, high: int = 30) -> int:
    """Hosts that take an integer duration: the range length rounded up, within their limits."""
    seconds = -(-duration.numerator // duration.denominator)
    return max(low, min(high, seconds))


def missing_task_id(host: str, body: Any) -> Exception:
    """A create answer without a task id: a refusal when it says so (nothing was made), else
    an uncertain submit (something may have been made that we cannot name)."""
    if isinstance(body, dict):
        refused = "error" in body or str(body.get("status", "")).lower() in ("error", "failed")
        message = first_str(body, ("error", "message"), ("error",), ("message",))
        if refused and message:
            return ProviderError(f"{host} refused the request: {message}")
    return SubmitUncertain(f"{host} accepted the request but named no task id")


def first_str(data: Any, *paths: tuple[str, ...]) -> str | None:
    """The first string found along any of the key paths (hosts disagree on field names)."""
    for path in paths:
        value: Any = data
        for key in path:
            if isinstance(value, dict):
                value = value.get(key)
            elif isinstance(value, list) and isinstance(key, str) and key.isdigit():
                index = int(key)
                value = value[index] if index < len(value) else None
            else:
                value = None
        if isinstance(value, str) and value:
            return value
    return None
