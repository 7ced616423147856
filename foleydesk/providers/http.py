"""HTTP for the hosted providers: URL rules, error reading, retries for safe requests only.

GETs, uploads and downloads are retried on 429 (Retry-After honoured), 5xx, timeouts and dropped
connections, with exponential back-off and jitter. A create (submit) is sent once: an answer that
proves nothing was created (429, 503, a refused connection) raises TransientError for the engine
to pace; an answer lost after the request went out raises SubmitUncertain.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from foleydesk import __version__
from foleydesk.errors import UserError
from foleydesk.logs import redact
from foleydesk.providers.base import ProviderError, SubmitUncertain, TransientError, UnknownTask

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0
USER_AGENT = f"FoleyDesk/{__version__}"


def make_client(trust_env: bool = True) -> httpx.AsyncClient:
    """The one shared client for every host (connection pooling, sane timeouts).

    Tests pass trust_env=False so proxies from the environment never see loopback traffic.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(60.0, connect=15.0),
        follow_redirects=True,
        trust_env=trust_env,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
    )


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, allow_http_hosts: frozenset[str] = frozenset(), what: str = "URL") -> str:
    """https anywhere; plain http only to loopback or an explicitly allowed host (selfhosted)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host and (is_loopback(host) or host in allow_http_hosts):
        return url
    if parts.scheme == "http":
        raise ProviderError(
            f"The {what} {redact(url)} uses plain http to another computer.",
            "Keys and media only travel over https (plain http is allowed to this computer and "
            "to the self-hosted server you configured).",
        )
    raise ProviderError(f"The {what} {redact(url)} is not a web address.", "Check the settings.")


def check_base_url(url: str, allow_http_hosts: frozenset[str] = frozenset()) -> str:
    """A base URL is scheme://host[:port], nothing after it (the documented paths follow)."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.path or parts.query or parts.fragment:
        raise UserError(
            f"The base URL {url} has a path after the host.",
            "Give scheme, host and port only, e.g. https://api.piapi.ai.",
        )
    check_url(url, allow_http_hosts, "base URL")
    return url


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        import time

        when = parsedate_to_datetime(value).timestamp()
        return min(MAX_RETRY_AFTER, max(0.0, when - time.time()))
    except (TypeError, ValueError):
        return None


def error_text(response: httpx.Response) -> str:
    """The host's own words from whichever error shape it used ({error:{message}}, {message}...)."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return redact(text[:300]) if text else f"HTTP {response.status_code}"
    found: list[str] = []

    def dig(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
        elif isinstance(value, dict):
            for key in (
                "message",
                "raw_message",
                "error",
                "description",
                "detail",
                "details",
                "msg",
            ):
                if key in value:
                    dig(value[key])
        elif isinstance(value, list):  # FastAPI's (Cog's) {detail: [{msg}, ...]}
            for item in value[:5]:
                if isinstance(item, dict):
                    dig(item)

    dig(body)
    generic = {"error", "failed", "success"}
    words = [w for w in found if w.lower() not in generic]
    return redact("; ".join(dict.fromkeys(words))[:300]) or f"HTTP {response.status_code}"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after + random.uniform(0, 0.1 * self.base)
        exp = min(self.cap, self.base * (2**attempt))
        return random.uniform(0.5 * exp, exp)  # "equal jitter"


SEND_CHUNK = 256 * 1024
FILE_BLOCK = 4 << 20
BIG_BODY = 1024 * 1024


Parts = list[bytes]


async def _slices(parts: Parts) -> AsyncIterator[bytes]:
    """A big body in slices, yielding to the loop between them (one 50 MB write would stall
    every other job for tens of milliseconds). Parts are never joined into one copy."""
    for part in parts:
        view = memoryview(part)
        for start in range(0, len(view), SEND_CHUNK):
            yield bytes(view[start : start + SEND_CHUNK])
            await asyncio.sleep(0)


@dataclass(frozen=True)
class FileBody:
    """A request body streamed from a file (between optional head and tail bytes): a 50 MB
    segment is never held in memory whole, and every retry reads it afresh."""

    path: Path
    head: bytes = b""
    tail: bytes = b""

    def size(self) -> int:
        return len(self.head) + self.path.stat().st_size + len(self.tail)

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.head:
            yield self.head
        fh = await asyncio.to_thread(open, self.path, "rb")
        try:
            while block := await asyncio.to_thread(fh.read, FILE_BLOCK):
                for start in range(0, len(block), SEND_CHUNK):
                    yield block[start : start + SEND_CHUNK]
                    await asyncio.sleep(0)
        finally:
            await asyncio.to_thread(fh.close)
        if self.tail:
            yield self.tail


def multipart_file(field: str, path: Path, content_type: str) -> tuple[FileBody, str]:
    """(body, Content-Type) of a one-file multipart/form-data upload, streamed from disk."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{path.name}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return FileBody(path, head, tail), f"multipart/form-data; boundary={boundary}"


_PLACEHOLDER = "@@foleydesk-big-{}@@"


def _json_parts(body: Any) -> Parts:
    """A JSON body as parts, with big plain strings (base64, data URIs) spliced in as they are
    rather than run through the encoder: escaping tens of MB holds the GIL, and so the loop."""
    big: list[str] = []

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        plain = isinstance(value, str) and len(value) > BIG_BODY and value.isascii()
        if plain and not any(ch in value for ch in ('"', "\\", "\n", "\r", "\t")):
            big.append(value)
            return _PLACEHOLDER.format(len(big) - 1)
        return value

    text = json.dumps(strip(body), separators=(",", ":"))
    parts: Parts = []
    for index, value in enumerate(big):
        before, text = text.split(_PLACEHOLDER.format(index), 1)
        parts += [before.encode("utf-8"), value.encode("ascii")]
    parts.append(text.encode("utf-8"))
    return parts


def _same_origin(a: str, b: str) -> bool:
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme, one.hostname, one.port) == (two.scheme, two.hostname, two.port)


def _transient_for(response: httpx.Response) -> TransientError:
    return TransientError(
        f"{response.status_code}: {error_text(response)}", retry_after_seconds(response)
    )


def key_refused(host: str, status: int, message: str, key_id: str = "") -> ProviderError:
    """The host turned the key down (401/403, or such a code inside a 200 envelope)."""
    command = f"foleydesk keys set {key_id or host.lower()}"
    return ProviderError(
        f"{host} refused the API key ({status}: {message}).",
        f"Check the key with '{command}', and your plan's limits.",
    )


class PlanRefused(ProviderError):
    """The host took the key but the account's plan does not include this (PiAPI's uploads on
    the Free plan: 403 "Insufficient plan level"): a plan problem, not a key problem."""


PLAN_WORDS = ("plan level", "insufficient plan", "upgrade your plan", "not available on")


def refusal(response: httpx.Response, host: str, key_id: str = "") -> ProviderError:
    """A 4xx answer as the error the user reads (key, plan, unknown task, too large, other)."""
    message = error_text(response)
    if response.status_code == 403 and any(w in message.lower() for w in PLAN_WORDS):
        return PlanRefused(
            f"{host}: your plan does not include this ({message}).",
            "Upgrade the plan in your account at the host, or choose another host.",
        )
    if response.status_code in (401, 403):
        return key_refused(host, response.status_code, message, key_id)
    if response.status_code == 404:
        return UnknownTask(f"{host} does not know this request ({message}).")
    if response.status_code == 413:
        return ProviderError(
            f"{host} says the upload is too large ({message}).", "Use a shorter range."
        )
    return ProviderError(f"{host} refused the request ({response.status_code}: {message}).")


class HostHttp:
    """Requests to one host with its key header; knows which requests are safe to repeat."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        host_name: str,
        base_url: str,
        auth_headers: Mapping[str, str],
        policy: RetryPolicy,
        allow_http_hosts: frozenset[str] = frozenset(),
        key_id: str = "",
    ) -> None:
        self.client = client
        self.host_name = host_name
        self.key_id = key_id  # the provider id, for "foleydesk keys set ID" in a refusal
        self.base_url = check_base_url(base_url, allow_http_hosts)
        self._auth = dict(auth_headers)
        self.policy = policy
        self.allow_http_hosts = allow_http_hosts

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    async def _send_once(
        self, method: str, url: str, auth: bool = True, **kwargs: Any
    ) -> httpx.Response:
        check_url(url, self.allow_http_hosts)
        headers = {**(self._auth if auth else {}), **kwargs.pop("headers", {})}
        if "json" in kwargs:  # bodies can carry tens of MB of base64: encode off the loop
            kwargs["content"] = await asyncio.to_thread(_json_parts, kwargs.pop("json"))
            headers["Content-Type"] = "application/json"
        content = kwargs.get("content")
        if isinstance(content, FileBody):
            headers["Content-Length"] = str(await asyncio.to_thread(content.size))
            kwargs["content"] = content.chunks()
            content = None
        if isinstance(content, bytes):
            content = [content]
        if isinstance(content, list):
            kwargs["content"] = _slices(content)  # fresh per attempt, so retries resend it all
            headers["Content-Length"] = str(sum(len(part) for part in content))
        # A redirect would carry the key header to wherever it points (httpx only strips
        # Authorization across origins): requests with a key never follow one.
        kwargs.setdefault("follow_redirects", not auth)
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def request(
        self, method: str, path: str, *, auth: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """A repeatable request (GET, upload, cancel): retried on transient trouble."""
        url = self.url(path)
        last: Exception | None = None
        for attempt in range(self.policy.attempts):
            try:
                response = await self._send_once(method, url, auth, **dict(kwargs))
            except (httpx.TransportError, httpx.DecodingError) as exc:
                last = TransientError(f"{type(exc).__name__}: {redact(str(exc)) or 'no answer'}")
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise refusal(response, self.host_name, self.key_id)
                last = _transient_for(response)
            retry_after = last.retry_after if isinstance(last, TransientError) else None
            if attempt + 1 < self.policy.attempts:
                delay = self.policy.delay(attempt, retry_after)
                log.info("%s %s: %s; retry in %.1fs", self.host_name, method, last, delay)
                await asyncio.sleep(delay)
        assert last is not None
        raise last

    async def _post_once(self, url: str, body: Mapping[str, Any], **kwargs: Any) -> httpx.Response:
        try:
            return await self._send_once("POST", url, json=dict(body), **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"cannot reach {self.host_name} ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise SubmitUncertain(
                f"the answer from {self.host_name} was lost ({type(exc).__name__})"
            ) from None

    async def answer_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, whatever status comes back (the caller reads a refusal itself); only
        a failure to get an answer at all raises (TransientError)."""
        try:
            return await self._send_once(method, self.url(path), **kwargs)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            name = type(exc).__name__
            raise TransientError(f"{name}: {redact(str(exc)) or 'no answer'}") from None

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET and parse; a garbled body is transient (the next poll may be fine)."""
        url = self.url(path)
        for attempt in range(self.policy.attempts):
            response = await self.request("GET", url, **kwargs)
            try:
                return response.json()
            except ValueError:
                if attempt + 1 >= self.policy.attempts:
                    raise TransientError(f"{self.host_name} answered with garbled JSON") from None
                await asyncio.sleep(self.policy.delay(attempt, None))
        raise TransientError(f"{self.host_name} answered with garbled JSON")

    async def submit_once(
        self, path: str, body: Mapping[str, Any], **kwargs: Any
    ) -> httpx.Response:
        """POST a create exactly once: the answer when it proves anything (2xx, or a refusal
        for the caller to read); TransientError when nothing was made; SubmitUncertain when
        something may have been made that we cannot name (see module docstring). A redirect
        created nothing: it is followed once, to the same host over the same scheme, and
        otherwise refused in words (never "uncertain")."""
        url = self.url(path)
        for hop in range(2):
            response = await self._post_once(url, body, **kwargs)
            if not response.is_redirect:
                break
            target = urljoin(url, response.headers.get("Location", ""))
            if hop or not _same_origin(url, target):
                raise ProviderError(
                    f"{self.host_name} redirected the request to {redact(target)}; nothing was "
                    "created.",
                    "Check the host's address in Settings (or its FOLEYDESK_..._BASE_URL); "
                    "the key is only ever sent to the address you set.",
                )
            url = target
        status = response.status_code
        if status in (429, 503):
            raise _transient_for(response)
        if status in (502, 504):
            raise SubmitUncertain(f"{self.host_name} answered {status} (a gateway timed out)")
        return response

    def refuse(self, response: httpx.Response) -> ProviderError:
        """A 4xx/5xx answer as the error the user reads, in the host's words."""
        return refusal(response, self.host_name, self.key_id)

    async def submit_json(self, path: str, body: Mapping[str, Any], **kwargs: Any) -> Any:
        """POST a create exactly once (submit_once) and read its JSON."""
        response = await self.submit_once(path, body, **kwargs)
        if response.status_code >= 400:
            raise refusal(response, self.host_name, self.key_id)
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            raise SubmitUncertain(
                f"{self.host_name} accepted the request but its answer was garbled"
            ) from None
