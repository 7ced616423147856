"""Fetching a provider's result: streamed to a temp file under a size cap, never named by the URL.

Expired or vanished result URLs raise ResultExpired so the engine can ask the host for fresh
ones; transient trouble is retried with back-off; the caller checks the file by decoding it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import tempfile
from pathlib import Path

import httpx

from foleydesk.logs import redact
from foleydesk.providers.base import ProviderError, TransientError
from foleydesk.providers.http import RETRY_STATUSES, RetryPolicy, check_url, retry_after_seconds

log = logging.getLogger(__name__)


class ResultExpired(ProviderError):
    """The result URL no longer works (signed URLs last about an hour on some hosts)."""


class ResultTooLarge(ProviderError):
    """More bytes than any take could need: refused rather than filling the disk."""


WRITE_BATCH = 1 << 20


def _too_large(limit: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"The provider's result is larger than {limit // (1024 * 1024)} MB; no take is that big.",
        "It was not downloaded. Retry the job; if it happens again, report it to the provider.",
    )


def temp_path(folder: Path, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=suffix + ".part")
    os.close(fd)
    return Path(name)


MAX_REDIRECTS = 5


async def _stream_once(
    client: httpx.AsyncClient,
    url: str,
    dest: Path,
    limit: int,
    allow_http_hosts: frozenset[str],
) -> None:
    for _ in range(MAX_REDIRECTS):
        async with client.stream("GET", url, follow_redirects=False) as response:
            if response.is_redirect and "Location" in response.headers:
                # Signed result links often redirect to storage: each hop obeys the https rule.
                target = str(response.url.join(response.headers["Location"]))
                url = check_url(target, allow_http_hosts, "result URL")
                continue
            await _store(response, dest, limit)
            return
    raise ProviderError("The result link redirected too many times.")


async def _store(response: httpx.Response, dest: Path, limit: int) -> None:
    if response.status_code in (401, 403, 404, 410):
        raise ResultExpired(
            f"The result link answered {response.status_code}: it expired or was removed."
        )
    if response.status_code in RETRY_STATUSES:
        raise TransientError(
            f"download answered {response.status_code}", retry_after_seconds(response)
        )
    if response.status_code >= 400:
        raise ProviderError(f"The result download failed ({response.status_code}).")
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    received = 0
    pending: list[bytes] = []
    pending_size = 0
    # Disk writes go to a thread in 1 MB batches: a busy disk can block a write() for
    # longer than the app may freeze.
    fh = await asyncio.to_thread(open, dest, "wb")
    try:
        async for chunk in response.aiter_bytes(1 << 16):
            received += len(chunk)
            if received > limit:
                raise _too_large(limit)
            pending.append(chunk)
            pending_size += len(chunk)
            if pending_size >= WRITE_BATCH:
                await asyncio.to_thread(fh.write, b"".join(pending))
                pending, pending_size = [], 0
            else:
                await asyncio.sleep(0)  # a fast local stream must not hog the loop
        if pending:
            await asyncio.to_thread(fh.write, b"".join(pending))
    finally:
        await asyncio.to_thread(fh.close)
    if declared and declared.isdigit() and received != int(declared):
        raise TransientError(f"download cut short ({received} of {declared} bytes)")


async def download(
    client: httpx.AsyncClient,
    url: str,
    folder: Path,
    suffix: str,
    limit: int,
    policy: RetryPolicy,
    allow_http_hosts: frozenset[str] = frozenset(),
) -> Path:
    """The result in a fresh temp file inside `folder` (the caller moves or deletes it)."""
    check_url(url, allow_http_hosts, "result URL")
    dest = await asyncio.to_thread(temp_path, folder, suffix)
    last: Exception | None = None
    try:
        for attempt in range(policy.attempts):
            try:
                await _stream_once(client, url, dest, limit, allow_http_hosts)
                return dest
            except (httpx.TransportError, httpx.DecodingError) as exc:
                last = TransientError(f"{type(exc).__name__}: {redact(str(exc)) or 'no answer'}")
            except TransientError as exc:
                last = exc
            retry_after = last.retry_after if isinstance(last, TransientError) else None
            if attempt + 1 < policy.attempts:
                delay = policy.delay(attempt, retry_after)
                log.info("download: %s; retry in %.1fs", last, delay)
                await asyncio.sleep(delay)
        assert last is not None
        raise last
    except BaseException:
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise


def save_data(data: bytes, folder: Path, suffix: str, limit: int) -> Path:
    if len(data) > limit:
        raise _too_large(limit)
    dest = temp_path(folder, suffix)
    dest.write_bytes(data)
    return dest


def decode_data_uri(uri: str) -> tuple[bytes, str]:
    """(bytes, suffix) of a `data:<type>;base64,...` URI (the self-hosted Cog answer)."""
    head, _, payload = uri.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise ProviderError("The provider answered with data that is not base64.")
    mime = head[5:].split(";")[0]
    try:
        data = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError("The provider's inline result is damaged.") from exc
    suffix = {
        "audio/wav": ".wav",
        "audio/x-wav": ".wav",
        "audio/mpeg": ".mp3",
        "audio/flac": ".flac",
        "video/mp4": ".mp4",
    }.get(mime, ".bin")
    return data, suffix
