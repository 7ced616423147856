"""What every hosted provider shares: base URL, key, HTTP with the right rules, validation, and
the create/poll steps read through each host's own paths, field names and status words."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    TaskState,
    TaskStatus,
    TransientError,
    common_problems,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.http import (
    HostHttp,
    RetryPolicy,
    check_base_url,
    error_text,
    key_refused,
)
from foleydesk.providers.registry import base_url_for, upload_url_for
from foleydesk.providers.seeds import fit_seed
from foleydesk.secrets import env_name, get_key
from foleydesk.settings import Settings


@dataclass(frozen=True)
class StatusWords:
    """How one host words a task: its status names, where the result URL and the reason for a
    failure sit, and what a completion without a result means."""

    states: Mapping[str, TaskState]
    url_paths: tuple[tuple[str, ...], ...]
    error_paths: tuple[tuple[str, ...], ...]
    failed_text: str = "The task failed without a reason."  # "{raw}": the host's status
    no_result_fails: bool = False  # else a completion without a URL is asked again


PROBE_TASK_ID = "00000000-0000-0000-0000-000000000000"  # a task id no host has handed out
PROBE_TIMEOUT = 15.0
NOT_FOUND_WORDS = ("not found", "not exist", "no such", "unknown task", "invalid task")


def json_or_none(response: httpx.Response) -> Any:
    """The answer's JSON; None for a web server's page (a wrong base URL gives an HTML 404)."""
    try:
        return response.json()
    except ValueError:
        return None


def answer_code(response: httpx.Response) -> int | None:
    """The `code` of an envelope answer ({code, message, data}), if it has one."""
    body = json_or_none(response)
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


class HostedProvider:
    """Base for the HTTP providers. Subclasses set their host's facts (paths, names, status
    words) from their module's constants and build the request body; a host whose create or
    poll differs overrides that step."""

    id = ""
    name = ""  # with the host's default offering, as messages and lists name it
    host_name = ""  # the company alone: "WaveSpeed"; another offering is "WaveSpeed (ThinkSound)"
    capabilities = Capabilities()
    default_base_url = ""
    default_upload_url = ""
    create_path = ""
    task_path = ""  # with "{task_id}"
    task_id_paths: tuple[tuple[str, ...], ...] = (("task_id",),)
    status_words = StatusWords({}, (), ())
    offerings: tuple[Offering, ...] = ()  # the first is the host's default model

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient | None,
        offering: Offering | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.offering = offering or self.offerings[0]
        if self.offering is not self.offerings[0]:  # messages name the model in use
            self.name = f"{self.host_name} ({self.offering.spec.name})"
        own = settings.provider(self.id)
        caps = self.capabilities = self.offering.capabilities(type(self).capabilities)
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
            best = min(self.capabilities.best_duration, self.capabilities.max_duration)
            self.capabilities = replace(self.capabilities, best_duration=best)
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

    async def _host_http(
        self,
        base_url: str,
        client: httpx.AsyncClient | None = None,
        policy: RetryPolicy | None = None,
    ) -> HostHttp:
        """A helper with the key header; the key is read in a worker thread (the OS keyring can
        be a DBus round trip, which would stall the loop and the UI on it)."""
        key = await asyncio.to_thread(self.key)
        return HostHttp(
            client or self._client(),
            self.name,
            base_url,
            self.auth_headers(key),
            policy or self.policy,
            self.allow_http_hosts(),
            self.id,
        )

    async def http(self) -> HostHttp:
        """The helper for the base URL, built once (the key is read once per provider)."""
        if self._http is None:
            self._http = await self._host_http(self.base_url)
        return self._http

    async def upload_http(self) -> HostHttp:
        """The helper for the upload host, built once."""
        if self._upload_http is None:
            self._upload_http = await self._host_http(self.upload_url)
        return self._upload_http

    # -- protocol defaults --

    def estimate_cost(self, request: GenerationRequest) -> float:
        return self.capabilities.pricing.estimate(request.duration)

    def sent_seed(self, request: GenerationRequest) -> int | None:
        if request.seed is None or self.offering.seed_range is None:
            return request.seed
        return fit_seed(request.seed, *self.offering.seed_range)

    def notice(self, request: GenerationRequest) -> str:
        return ""

    def caps_for(self, request: GenerationRequest) -> Capabilities:
        """The limits that apply to this request (a host may differ per kind)."""
        return self.capabilities

    def validate(self, request: GenerationRequest) -> list[str]:
        problems = common_problems(self.caps_for(request), request, self.name)
        problems += input_problems(request, self.offering, self.name)
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

    def body(self, request: GenerationRequest) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def unwrap(self, answer: Any) -> Any:
        """The part of an answer that holds the task (an envelope host: its `data`)."""
        return answer

    async def submit(self, request: GenerationRequest) -> str:
        answer = await (await self.http()).submit_json(self.create_path, self.body(request))
        return task_id_of(self.name, self.unwrap(answer), self.task_id_paths, answer)

    async def poll(self, task_id: str) -> TaskStatus:
        answer = await (await self.http()).get_json(self.task_path.format(task_id=task_id))
        return read_status(self.name, self.unwrap(answer), self.words(), self.output_for)

    def words(self) -> StatusWords:
        """The host's status words, with the offering's own result paths when it has them."""
        if not self.offering.result_paths:
            return self.status_words
        from dataclasses import replace

        return replace(self.status_words, url_paths=self.offering.result_paths)

    # -- connection test --

    def probe_path(self) -> str:
        """The cheapest request that needs the key: a task no one made (nothing is billed)."""
        return self.task_path.format(task_id=PROBE_TASK_ID)

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        """Prove the base URL answers and the key is accepted, without creating a task."""
        response = await self.probe(client, self.probe_path())
        status = response.status_code
        if status < 300:
            code = answer_code(response)
            if code in (401, 403):  # an envelope host refusing inside a 200
                raise key_refused(self.name, code, error_text(response), self.id)
            return self.connected()
        words = error_text(response)
        not_found = status == 404 or any(w in words.lower() for w in NOT_FOUND_WORDS)
        if not_found and json_or_none(response) is not None:  # the API looked: key accepted
            return self.connected()
        raise ProviderError(f"{self.name} refused the test request ({status}: {words}).")

    async def probe(self, client: httpx.AsyncClient, path: str) -> httpx.Response:
        """One GET with the key, not retried; a refused key, no answer, or a host in trouble
        (429, 5xx) raise in the host's own words; other answers are the caller's to read."""
        http = await self._host_http(self.base_url, client, RetryPolicy(1))
        try:
            response = await http.answer_once("GET", path, timeout=httpx.Timeout(PROBE_TIMEOUT))
        except TransientError as exc:
            raise self.unreachable(str(exc)) from None
        status = response.status_code
        if status in (401, 403):
            raise key_refused(self.name, status, error_text(response), self.id)
        if status == 429 or status >= 500:
            raise self.unreachable(f"{status}: {error_text(response)}")
        return response

    def connected(self, detail: str = "") -> str:
        return f"answers at {self.base_url} and accepts the key{detail}."

    def unreachable(self, reason: str) -> ProviderError:
        return ProviderError(
            f"{self.name} did not answer at {self.base_url} ({reason}).",
            "Check the connection and the address in Settings "
            f"(or FOLEYDESK_{self.id.upper()}_BASE_URL).",
        )

    async def result(self, task_id: str) -> list[Output]:
        status = await self.poll(task_id)
        return status.outputs

    async def cancel(self, task_id: str) -> None:
        return None

    # -- helpers for subclasses --

    def output_for(self, url: str) -> Output:
        kind = self.offering.output
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


def input_problems(request: GenerationRequest, offering: Offering, host: str) -> list[str]:
    """Inputs only some models take, checked where the offering takes them."""
    problems: list[str] = []
    most = offering.spec.max_variations
    if offering.takes("variations") and not 1 <= request.variations <= most:
        problems.append(
            f"{host} makes 1 to {most} variations per request, not {request.variations}."
        )
    influence = request.prompt_influence
    if offering.takes("prompt_influence") and influence is not None and not 0 <= influence <= 1:
        problems.append(f"Prompt influence is between 0 and 1 (got {influence:g}).")
    return problems


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


def answer_json(response: httpx.Response, what: str) -> Any:
    """The JSON of an upload step's answer; garbled is worth another try."""
    try:
        return response.json()
    except ValueError:
        raise TransientError(f"{what} was garbled") from None


def task_id_of(host: str, data: Any, paths: tuple[tuple[str, ...], ...], answer: Any) -> str:
    """The task id at one of `paths` in `data` (a create's answer or its envelope's data);
    without one, a refusal or an uncertain submit, as `answer` tells (see missing_task_id)."""
    task_id = first_str(data, *paths)
    if not task_id:
        raise missing_task_id(host, answer)
    return task_id


def offering_input(
    request: GenerationRequest, caps: Capabilities, offering: Offering
) -> dict[str, Any]:
    """A request as one offering's inputs: our names mapped to the host's field names; an
    input the host does not take is left out, an empty optional one too."""
    cfg = request.cfg_strength
    low = max(1, int(caps.min_duration))
    high = int(caps.max_duration)
    ours: dict[str, Any] = {
        "video": request.video_url,
        "prompt": request.prompt,
        "sfx_prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "steps": request.steps or caps.default_steps,
        "guidance": cfg if cfg is not None else caps.default_cfg,
        "duration": whole_seconds(request.duration, low, high),
        "seed": request.seed,
        "mask_away_clip": request.mask_away_clip,
        "lyrics": request.lyrics,
        "style_prompt": request.style_prompt or request.prompt,
        "style_audio": request.style_audio_url,
        "music_prompt": request.music_prompt,
        "variations": max(1, min(request.variations, offering.spec.max_variations)),
        "prompt_influence": request.prompt_influence,
    }
    if request.seed is not None and offering.seed_range is not None:
        ours["seed"] = fit_seed(request.seed, *offering.seed_range)
    inputs: dict[str, Any] = dict(offering.fixed)
    for name, field_name in offering.fields.items():
        value = ours.get(name)
        if value is None or value == "":
            value = offering.defaults.get(name)
        if value is not None and value != "":
            inputs[field_name] = value
        elif name == "lyrics":  # DiffRhythm: an empty lyrics field means instrumental
            inputs[field_name] = ""
    return inputs


def read_status(
    host: str, data: Any, words: StatusWords, make_output: Callable[[str], Output]
) -> TaskStatus:
    """One poll's answer (the object holding `status`) in the engine's terms."""
    if not isinstance(data, dict):
        raise TransientError(f"{host} answered with something that is not an object")
    raw = str(data.get("status", "")).lower()
    state = words.states.get(raw, TaskState.RUNNING)
    outputs: list[Output] = []
    if state is TaskState.COMPLETED:
        url = first_str(data, *words.url_paths)
        if url:
            outputs.append(make_output(url))
        elif words.no_result_fails:
            state, raw = TaskState.FAILED, "completed without a result"
        else:
            raise TransientError(f"{host} reported completion without a result URL")
    error = ""
    if state is TaskState.FAILED:
        error = first_str(data, *words.error_paths) or words.failed_text.format(raw=raw)
    return TaskStatus(state, raw or state.value, None, outputs, error)


def video_output(url: str) -> Output:
    """A host that always answers with an MP4 of the segment: the take is its audio."""
    return Output(OutputKind.VIDEO, url=url, suffix=".mp4")
