"""fal.ai's queue protocol, kept apart from any one model: the handle a submit returns, the
status words, and reading a COMPLETED request's result, which is the output *or* an error.

Facts (read from fal-js's queue, request and response code and fal's docs; see docs/providers.md
"fal.ai, Replicate, ElevenLabs"): a submit answers {request_id, status_url, response_url,
cancel_url}; the status and result paths keep only owner/alias of the endpoint (sub-paths such
as /video-to-audio are dropped); statuses are IN_QUEUE (with queue_position), IN_PROGRESS and
COMPLETED; the result GET answers 2xx with the output JSON, or 422 {detail: [{loc, msg}]} when
the model refused its input, or {detail, error_type} (header X-Fal-Error-Type) when the runner
failed or the request was cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from foleydesk.providers.base import Output, OutputKind, TaskState, TaskStatus, TransientError
from foleydesk.providers.http import error_text

STATES = {
    "IN_QUEUE": TaskState.PENDING,
    "IN_PROGRESS": TaskState.RUNNING,
    "COMPLETED": TaskState.COMPLETED,
}
CANCELLED_ERROR_TYPES = frozenset({"client_cancelled"})
# A result GET that says "not ready" or "try later": asked again, never read as a failure.
NOT_READY_STATUSES = frozenset({202, 429, 502, 503, 504})
SUFFIXES = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/flac": ".flac",
    "audio/aac": ".m4a",
    "video/mp4": ".mp4",
}


def app_path(endpoint: str) -> str:
    """The owner/alias part of an endpoint id, as the status, result and cancel paths use it."""
    return "/".join(endpoint.strip("/").split("/")[:2])


@dataclass(frozen=True)
class QueueHandle:
    """One request in fal's queue: its id and the three URLs the submit answered with."""

    request_id: str
    status_url: str
    response_url: str
    cancel_url: str

    @classmethod
    def built(cls, base_url: str, endpoint: str, request_id: str) -> QueueHandle:
        """The documented URLs of a request (when an answer leaves some out)."""
        response = f"{base_url.rstrip('/')}/{app_path(endpoint)}/requests/{request_id}"
        return cls(request_id, f"{response}/status", response, f"{response}/cancel")

    @classmethod
    def from_submit(cls, answer: Any, base_url: str, endpoint: str) -> QueueHandle | None:
        """The handle in a submit's answer; None when it names no request id."""
        if not isinstance(answer, dict):
            return None
        request_id = answer.get("request_id")
        if not isinstance(request_id, str) or not request_id:
            return None
        built = cls.built(base_url, endpoint, request_id)

        def url(key: str, default: str) -> str:
            value = answer.get(key)
            return value if isinstance(value, str) and same_origin(value, base_url) else default

        return cls(
            request_id,
            url("status_url", built.status_url),
            url("response_url", built.response_url),
            url("cancel_url", built.cancel_url),
        )

    def task_id(self) -> str:
        """What the job records (committed at once): the result URL names the request, and
        the status and cancel URLs follow from it unless fal answered otherwise."""
        if (
            self.status_url == self.response_url + "/status"
            and self.cancel_url == self.response_url + "/cancel"
        ):
            return self.response_url
        return " ".join((self.response_url, self.status_url, self.cancel_url))

    @classmethod
    def from_task_id(cls, task_id: str, base_url: str) -> QueueHandle:
        """The handle a job recorded; URLs that no longer point at the queue host in use
        (the base URL changed since) are rebuilt on it, so the key never leaves that host."""
        parts = task_id.split()
        response = parts[0]
        status = parts[1] if len(parts) == 3 else response + "/status"
        cancel = parts[2] if len(parts) == 3 else response + "/cancel"
        path = urlsplit(response).path
        request_id = path.rstrip("/").rsplit("/", 1)[-1]
        if not all(same_origin(u, base_url) for u in (response, status, cancel)):
            app = path.lstrip("/").partition("/requests/")[0]
            return cls.built(base_url, app, request_id)
        return cls(request_id, status, response, cancel)


def same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def queue_status(answer: Any) -> TaskStatus:
    """A status GET's answer; COMPLETED still needs the result GET to say what happened."""
    if not isinstance(answer, dict) or not isinstance(answer.get("status"), str):
        raise TransientError("fal answered the status request with something unexpected")
    raw = answer["status"].upper()
    state = STATES.get(raw, TaskState.RUNNING)
    if state is TaskState.PENDING:
        position = answer.get("queue_position")
        text = f"in fal's queue (position {position})" if isinstance(position, int) else "queued"
        return TaskStatus(state, text)
    if state is TaskState.RUNNING:
        return TaskStatus(state, last_log(answer) or "generating")
    return TaskStatus(state, "completed")


def last_log(answer: dict[str, Any]) -> str:
    logs = answer.get("logs")
    if isinstance(logs, list):
        for entry in reversed(logs):
            message = entry.get("message") if isinstance(entry, dict) else None
            if isinstance(message, str):
                return message.strip()[:120]
    return ""


def read_result(
    response: httpx.Response, make_output: Callable[[str, str], Output | None]
) -> TaskStatus:
    """A COMPLETED request's result GET: the outputs, or the failure in fal's own words."""
    status = response.status_code
    if status in NOT_READY_STATUSES:
        raise TransientError(f"fal's result was not ready ({status}: {error_text(response)})")
    error_type = response.headers.get("x-fal-error-type", "")
    body = json_or_none(response)
    if isinstance(body, dict) and not error_type:
        error_type = str(body.get("error_type") or "")
    if status >= 500 and not error_type:  # the server in trouble, not the request failing
        raise TransientError(f"fal's result could not be read ({status}: {error_text(response)})")
    if status >= 400:
        words = error_text(response)
        if error_type in CANCELLED_ERROR_TYPES:
            return TaskStatus(TaskState.CANCELLED, "cancelled at fal", error=words)
        kind = f" ({error_type})" if error_type else ""
        return TaskStatus(TaskState.FAILED, "failed", error=f"fal: {words}{kind}")
    if not isinstance(body, dict):
        raise TransientError("fal's result was not JSON")
    outputs = [o for o in (make_output(url, hint) for url, hint in files_in(body)) if o]
    if not outputs:  # a garbled answer; asked again until the engine gives up on the host
        raise TransientError("fal's result named no file")
    return TaskStatus(TaskState.COMPLETED, "completed", 1.0, outputs)


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def files_in(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(url, content-type or key name) of every file in an output, audio first: `audio` may be
    one File or a list of them (several samples of one request), `video` an MP4 to extract."""
    found: list[tuple[str, str]] = []
    for key in ("audio", "audio_file", "audios", "video"):
        value = body.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                found.append((item, key))
            elif isinstance(item, dict) and isinstance(item.get("url"), str):
                found.append((item["url"], str(item.get("content_type") or key)))
    return found


def output_for(url: str, hint: str) -> Output:
    """An Output from a file URL and its content type (or the key it sat under)."""
    suffix = SUFFIXES.get(hint.split(";")[0].strip().lower(), "")
    if not suffix:
        tail = url.split("?")[0].rsplit("/", 1)[-1].lower()
        suffix = next(
            (s for s in (".wav", ".mp3", ".flac", ".m4a", ".mp4") if tail.endswith(s)), ""
        )
    if not suffix:
        suffix = ".mp4" if hint == "video" else ".mp3"
    kind = OutputKind.VIDEO if suffix == ".mp4" else OutputKind.AUDIO
    return Output(kind, url=url, suffix=suffix)
