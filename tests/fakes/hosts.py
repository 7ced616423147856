"""One emulator per host, following PROVIDERS.md: each checks its headers, field names, types and
ranges, answers in its own envelope and error shape, and returns real media (clicks on the
received video's motion onsets) as the host does: MP3 (PiAPI), WAV (Qubico), MP4 (Eachlabs,
WaveSpeed, self-hosted Cog)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tests.fakes import media
from tests.fakes.server import (
    FakeServer,
    Fault,
    FaultPlan,
    Request,
    Response,
    json_response,
    trim_free,
)

CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "mp4": "video/mp4"}
HUGE_BYTES = 600 * 1024 * 1024


def spread_latency(prompt: str, low: float, high: float) -> float:
    """A task's latency in [low, high), fixed by its prompt (the batch benchmark computes the
    same figure to know the ideal wall time)."""
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    return low + (high - low) * int.from_bytes(digest[:4], "big") / 2**32


class Invalid(Exception):
    """A request that breaks the host's documented schema."""


def need(condition: bool, message: str) -> None:
    if not condition:
        raise Invalid(message)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class FakeTask:
    id: str
    prompt: str
    created: float
    latency: float
    video: bytes | None
    duration: Fraction | None
    fmt: str
    fails: bool = False
    cancelled: bool = False
    output: bytes | None = None
    url: str | None = None
    channels: int = 1
    rate: int = media.MODEL_RATE
    model: str = ""
    samples: int = 1  # results per call (Mirelo's num_samples)
    making: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def status(self, now: float) -> str:
        if self.cancelled:
            return "cancelled"
        elapsed = now - self.created
        if elapsed < self.latency / 3:
            return "pending"
        if elapsed < self.latency:
            return "processing"
        return "failed" if self.fails else "completed"


class TaskHost(FakeServer):
    """An emulator with tasks that finish after `latency` seconds."""

    output_format = "mp3"
    failure_message = "task failed"

    def __init__(
        self, key: str = "test-key", plan: FaultPlan | None = None, latency: float = 0.3
    ) -> None:
        super().__init__(key, plan)
        self.latency = latency
        self.tasks: dict[str, FakeTask] = {}
        self.creates: Counter[str] = Counter()  # prompt -> creates that reached the host
        self.invalid: list[str] = []  # schema violations seen (tests assert none)
        self.bodies: list[Any] = []  # create bodies as received (PiAPI)
        self.pad_results = 0  # bytes of MP4 padding on every video result (the benchmark's 50 MB)
        self.latency_range: tuple[float, float] | None = None  # per task, fixed by its prompt
        self.precompute = False  # make each result while the task "runs", as a real host does
        # a host that stops short of what was asked (a wrong duration field, a model's limit)
        self.result_seconds: Fraction | None = None

    def guarded(self, fn: Callable[[], Response]) -> Callable[[], Response]:
        def run() -> Response:
            try:
                return fn()
            except Invalid as exc:
                self.invalid.append(str(exc))
                return self.error(400, str(exc))
            except (ValueError, KeyError, TypeError) as exc:
                self.invalid.append(f"unreadable request: {exc}")
                return self.error(400, f"invalid request body: {exc}")

        return run

    def new_task(
        self, prompt: str, video: bytes | None, duration: Fraction | None, **extra: Any
    ) -> FakeTask:
        task = FakeTask(
            uuid.uuid4().hex,
            prompt,
            time.monotonic(),
            spread_latency(prompt, *self.latency_range) if self.latency_range else self.latency,
            trim_free(video) if video else None,
            duration,
            self.output_format,
            fails=self.current_fault is Fault.TASK_FAILS,
        )
        for name, value in extra.items():  # the model's output format, channels, rate
            setattr(task, name, value)
        with self.lock:
            self.tasks[task.id] = task
            self.creates[prompt] += 1
        if self.precompute and task.video is not None:
            threading.Thread(target=self.result_url, args=(task,), daemon=True).start()
        return task

    def result_url(self, task: FakeTask) -> str:
        """The task's result URL; a fresh one when the last one expired."""
        with task.making:  # one task's media, made without holding up the whole host
            if task.output is None:
                length = task.duration
                if task.video is not None:
                    video_length = media.duration_of(task.video)
                    length = min(length, video_length) if length else video_length
                if self.result_seconds is not None:
                    length = min(length, self.result_seconds) if length else self.result_seconds
                task.output = media.generate(task.video, task.fmt, length, task.channels, task.rate)
        with self.lock:
            if task.url is None or self.file_bytes(task.url) is None:
                pad = self.pad_results if task.fmt == "mp4" else 0
                task.url = self.add_file(task.output, task.fmt, CONTENT_TYPES[task.fmt], pad)
            return task.url

    def after_fault(self, category: str, fault: Fault, request: Request) -> Response | None:
        if category != "download":
            return None
        if fault is Fault.EXPIRED:
            token = request.path.rsplit("/", 1)[-1].split(".")[0]
            with self.lock:
                self.files.pop(token, None)
            return Response(
                403,
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                {"Content-Type": "application/xml"},
            )
        if fault is Fault.HUGE:
            return Response(200, headers={"Content-Type": "audio/mpeg"}, stream_bytes=HUGE_BYTES)
        return None

    def task(self, task_id: str) -> FakeTask | None:
        with self.lock:
            return self.tasks.get(task_id)

    def find(self, task_id: str, request: Request, not_found: str) -> FakeTask | Response:
        """The task a poll or cancel names, after the key check (hosts check the key first,
        so a wrong key gets 401 even for a task that does not exist); else the 404."""
        if bad := self.check(request):
            return bad
        task = self.task(task_id)
        return task if task is not None else self.error(404, not_found)

    def check(self, request: Request) -> Response | None:
        """The host's key check (x-api-key unless it says otherwise)."""
        return self.check_key(request, "x-api-key")

    def fetch_video(self, url: str) -> bytes:
        """What the host would download from the URL it was given (only our own files)."""
        data = self.file_bytes(url)
        need(data is not None, "failed to get valid video")
        assert data is not None
        return data


def decode_data_uri(value: str, expected_prefix: str) -> bytes:
    need(value.startswith(expected_prefix), f"video must be a {expected_prefix}... data URI")
    try:
        return base64.b64decode(value.split(",", 1)[1], validate=True)
    except (binascii.Error, IndexError) as exc:
        raise Invalid("video is not valid base64") from exc


# -- PiAPI ----------------------------------------------------------------------------------------


class PiapiHost(TaskHost):
    name = "piapi"
    output_format = "mp3"
    plan_level = "creator"  # "free": the File Upload API answers 403 "Insufficient plan level"

    def error(self, status: int, message: str) -> Response:
        return json_response(status, {"code": status, "message": message, "data": None})

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        if request.method == "POST" and request.path == "/api/v1/task":
            return "create", self.guarded(lambda: self.create(request))
        if request.method == "GET" and request.path.startswith("/api/v1/task/"):
            return "poll", lambda: self.poll(request.path.rsplit("/", 1)[-1], request)
        if request.method == "POST" and request.path == "/api/ephemeral_resource":
            return "upload", self.guarded(lambda: self.upload(request))
        return None

    def upload(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        if self.plan_level == "free":
            return self.error(403, "Insufficient plan level")
        body = request.json()
        name = body.get("file_name")
        need(
            isinstance(name, str) and 0 < len(name) <= 128 and "." in name,
            "file_name must be a name with an extension, at most 128 characters",
        )
        data = body.get("file_data")
        need(isinstance(data, str) and data, "file_data is required")
        # "Max 10MB" is stated on file_data, the base64 text (PROVIDERS.md).
        need(len(data) <= 10 * 1024 * 1024, "file too large (10MB max)")
        if data.startswith("data:"):
            data = data.split(",", 1)[1]
        try:
            raw = base64.b64decode(data, validate=True)
        except binascii.Error as exc:
            raise Invalid("file_data is not base64") from exc
        ext = name.rsplit(".", 1)[-1].lower()
        url = self.add_file(
            raw, ext, {"wav": "audio/wav", "mp3": "audio/mpeg"}.get(ext, "video/mp4")
        )
        return json_response(200, {"code": 200, "data": {"url": url}, "message": "success"})

    def create(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        body = request.json()
        with self.lock:
            self.bodies.append(body)
        model, task_type = body.get("model"), body.get("task_type")
        inputs = body.get("input")
        need(isinstance(inputs, dict), "input is required")
        if model == "Qubico/mmaudio":
            need(task_type == "video2audio", "task_type must be video2audio")
            need(isinstance(inputs.get("prompt"), str) and inputs["prompt"], "prompt is required")
            need(isinstance(inputs.get("video"), str), "video is required")
            steps = inputs.get("steps")
            need(steps is None or (is_int(steps) and 20 <= steps <= 50), "steps must be 20-50")
            need(inputs.get("seed") is None or is_int(inputs["seed"]), "seed must be an integer")
            need(isinstance(inputs.get("negative_prompt", ""), str), "negative_prompt: string")
            video = self.fetch_video(inputs["video"])
            need(media.duration_of(video) <= 30, "video longer than 30 s")
            task = self.new_task(inputs["prompt"], video, None)
        elif model == "Qubico/diffrhythm":
            need(task_type in ("txt2audio-base", "txt2audio-full"), "unknown task_type")
            need(
                any(inputs.get(k) for k in ("lyrics", "style_prompt", "style_audio")),
                "one of lyrics, style_prompt, style_audio is required",
            )
            for key in ("lyrics", "style_prompt"):
                need(isinstance(inputs.get(key, ""), str), f"{key} must be a string")
            if inputs.get("style_audio"):
                reference = self.file_bytes(str(inputs["style_audio"]))
                need(reference is not None, "failed to get style audio")
                assert reference is not None
                need(media.audio_seconds(reference) > 10, "style audio must be longer than 10 s")
            length = Fraction(95 if task_type == "txt2audio-base" else 285)
            task = self.new_task(inputs.get("style_prompt", ""), None, min(length, Fraction(4)))
        else:
            raise Invalid(f"unknown model {model!r}")
        return json_response(200, {"code": 200, "message": "success", "data": self.data(task)})

    def data(self, task: FakeTask) -> dict[str, Any]:
        status = task.status(time.monotonic())
        output = {"audio_url": self.result_url(task)} if status == "completed" else None
        error = {"code": 0, "raw_message": "", "message": "", "detail": None}
        if status == "failed":
            error = {
                "code": 10000,
                "raw_message": "model crashed",
                "message": "failed to generate audio",
                "detail": None,
            }
        return {
            "task_id": task.id,
            "model": "Qubico/mmaudio",
            "task_type": "video2audio",
            "status": status,
            "config": {"webhook_config": {"endpoint": "", "secret": ""}},
            "input": {},
            "output": output,
            "meta": {"created_at": "", "started_at": "", "ended_at": "", "usage": {}},
            "detail": None,
            "logs": [],
            "error": error,
        }

    def poll(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "task not found")
        if not isinstance(task, FakeTask):
            return task
        return json_response(200, {"code": 200, "message": "success", "data": self.data(task)})


# -- Qubico ---------------------------------------------------------------------------------------


class QubicoHost(TaskHost):
    """Either of Qubico's two documented APIs (`style`): "inference" (qubico.ai/docs) or
    "task" (doc.qubico.ai, PiAPI's shape). Other paths get a web server's plain 404."""

    name = "qubico"
    output_format = "wav"
    concurrency = 5
    per_minute = 20
    style = "inference"
    plain_404 = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.create_times: list[float] = []
        self.limit_violations = 0

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        create, poll = (
            ("/v1/inference", "/v1/tasks/")
            if self.style == "inference"
            else ("/api/v1/task", "/api/v1/task/")
        )
        if request.method == "POST" and request.path == create:
            return "create", self.guarded(lambda: self.create(request))
        if request.method == "GET" and request.path.startswith(poll):
            return "poll", lambda: self.poll(request.path.rsplit("/", 1)[-1], request)
        return None

    def error(self, status: int, message: str) -> Response:
        if self.style == "task":
            return json_response(status, {"code": status, "message": message, "data": None})
        return json_response(
            status, {"error": {"code": status, "message": message, "details": None}}
        )

    def create(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        now = time.monotonic()
        with self.lock:
            running = sum(
                1 for t in self.tasks.values() if t.status(now) in ("pending", "processing")
            )
            recent = [t for t in self.create_times if now - t < 60]
            if running >= self.concurrency or len(recent) >= self.per_minute:
                self.limit_violations += 1
                return self.with_headers(
                    self.error(429, "rate limit exceeded"), {"Retry-After": "5"}
                )
        body = request.json()
        need(body.get("model") == "Qubico/mmaudio", "model must be Qubico/mmaudio")
        if self.style == "task":
            need(body.get("task_type") == "video2audio", "task_type must be video2audio")
        inputs = body.get("input")
        need(isinstance(inputs, dict), "input is required")
        prompt = inputs.get("prompt")
        need(isinstance(prompt, str) and 0 < len(prompt) <= 500, "prompt: 1-500 characters")
        negative = inputs.get("negative_prompt", "")
        need(isinstance(negative, str) and len(negative) <= 200, "negative_prompt: <= 200 chars")
        steps = inputs.get("steps", 25)
        need(is_int(steps) and 20 <= steps <= 50, "steps must be 20-50")
        need(inputs.get("seeds") is None or is_int(inputs["seeds"]), "seeds must be an integer")
        video_value = inputs.get("video")
        need(isinstance(video_value, str), "video is required (base64 or URL)")
        video = decode_data_uri(video_value, "data:video/mp4;base64,")
        need(media.duration_of(video) <= 60, "video longer than 60 s")
        task = self.new_task(prompt, video, None)
        with self.lock:
            self.create_times.append(now)
        if self.style == "task":
            data = {"task_id": task.id, "status": "pending", "output": None}
            return json_response(200, {"code": 200, "message": "success", "data": data})
        return json_response(
            202,
            {
                "task_id": task.id,
                "status": "pending",
                "model": "Qubico/mmaudio",
                "created_at": "2026-01-01T00:00:00Z",
                "estimated_time": 30,
            },
        )

    def poll(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "task not found")
        if not isinstance(task, FakeTask):
            return task
        status = task.status(time.monotonic())
        answer: dict[str, Any] = {"task_id": task.id, "status": status}
        if status == "completed":
            answer["completed_at"] = "2026-01-01T00:00:30Z"
            answer["results"] = [
                {
                    "url": self.result_url(task),
                    "duration": 2.0,
                    "format": "wav",
                    "sample_rate": 44100,
                    "channels": 1,
                }
            ]
            answer["usage"] = {"credits_used": 1, "processing_time": 1.0}
        if status == "failed":
            answer["error"] = {"code": "generation_failed", "message": "video decoding failed"}
        if self.style == "task":
            if status == "completed":
                answer["output"] = {"audio_url": answer.pop("results")[0]["url"]}
            return json_response(200, {"code": 200, "message": "success", "data": answer})
        return json_response(200, answer)


# -- Eachlabs -------------------------------------------------------------------------------------


class EachlabsHost(TaskHost):
    name = "eachlabs"
    output_format = "mp4"
    default_keep_seconds = 180 * 86_400  # uploads are kept 180 days unless asked otherwise

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.presigned: dict[str, str] = {}  # upload token -> public URL
        self.puts_with_key = 0
        self.auth_styles: Counter[str] = Counter()  # "bearer" (documented) | "x-api-key"
        self.deleted_at: dict[str, float] = {}  # upload token -> when the file is deleted
        self.clock_offset = 0.0  # advance(): the host's clock runs ahead (a long queue)
        self.fail_reason = ("CUDA out of memory", "OOM")  # (error_message, error_code)
        self.task_reasons: dict[str, tuple[str, str]] = {}

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass at the host (uploads it keeps for less are deleted)."""
        self.clock_offset += seconds

    def check(self, request: Request) -> Response | None:
        """Bearer is documented; X-API-Key still works (undocumented since July 2026)."""
        if request.headers.get("authorization", "") == f"Bearer {self.key}":
            self.auth_styles["bearer"] += 1
            return None
        if "x-api-key" in request.headers and not request.headers.get("authorization"):
            bad = self.check_key(request, "x-api-key")
            if bad is None:
                self.auth_styles["x-api-key"] += 1
            return bad
        return self.check_key(request, "authorization", "Bearer ")

    def fetch_video(self, url: str) -> bytes:
        token = url.rsplit("/", 1)[-1].split(".")[0]
        deleted = self.deleted_at.get(token)
        if deleted is not None and self.now() >= deleted:
            with self.lock:
                self.files.pop(token, None)
        return super().fetch_video(url)

    def error(self, status: int, message: str) -> Response:
        return json_response(status, {"status": "error", "message": message, "details": None})

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        path = request.path
        if request.method == "POST" and path == "/v1/upload/presign":
            return "upload", self.guarded(lambda: self.presign(request))
        if request.method == "PUT" and path.startswith("/upload/"):
            return "upload", self.guarded(lambda: self.put(request))
        if request.method == "POST" and path == "/v1/prediction/":
            return "create", self.guarded(lambda: self.create(request))
        if (
            request.method == "POST"
            and path.startswith("/v1/prediction/")
            and path.endswith("/cancel")
        ):
            return "cancel", lambda: self.cancel(path.split("/")[-2], request)
        if request.method == "GET" and path.startswith("/v1/prediction/"):
            return "poll", lambda: self.poll(path.rstrip("/").rsplit("/", 1)[-1], request)
        return None

    def presign(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        body = request.json()
        need(isinstance(body.get("content_type"), str), "content_type is required")
        need(body.get("file_type") == "video", "file_type must be video")
        keep = body.get("expires_in_seconds", self.default_keep_seconds)
        need(is_int(keep) and keep > 0, "expires_in_seconds must be a positive integer")
        token = uuid.uuid4().hex
        self.deleted_at[token] = self.now() + keep
        public = f"{self.base_url}/files/{token}.mp4"
        with self.lock:
            self.presigned[token] = body["content_type"]
        return json_response(
            200,
            {
                "presigned_url": f"{self.base_url}/upload/{token}?X-Amz-Signature=abc",
                "public_url": public,
                "expires_at": "2026-01-01T00:15:00Z",
                "required_headers": {"Content-Type": body["content_type"]},
            },
        )

    def put(self, request: Request) -> Response:
        token = request.path.rsplit("/", 1)[-1]
        content_type = self.presigned.get(token)
        if content_type is None:
            return Response(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        if "x-api-key" in request.headers:
            self.puts_with_key += 1
        need(request.headers.get("content-type") == content_type, "Content-Type must match")
        with self.lock:
            self.files[token] = (trim_free(request.body), content_type, 0)
        return Response(200, b"")

    def create(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        body = request.json()
        need(body.get("model") == "mmaudio", "model must be mmaudio")
        inputs = body.get("input")
        need(isinstance(inputs, dict), "input is required")
        video_url = inputs.get("video")
        need(
            isinstance(video_url, str) and video_url.startswith(("http://", "https://")),
            "video must be a public URL (data URIs are not accepted)",
        )
        need(isinstance(inputs.get("prompt"), str) and inputs["prompt"], "prompt is required")
        need(isinstance(inputs.get("negative_prompt", "music"), str), "negative_prompt: string")
        duration = inputs.get("duration", 8)
        need(is_num(duration) and duration > 0, "duration must be a positive number")
        need(is_int(inputs.get("num_steps", 25)), "num_steps must be an integer")
        need(is_num(inputs.get("cfg_strength", 4.5)), "cfg_strength must be a number")
        need(inputs.get("seed") is None or is_int(inputs["seed"]), "seed must be an integer")
        try:  # the prediction reads its input when it runs; a deleted file fails it then
            video: bytes | None = self.fetch_video(video_url)
        except Invalid:
            video = None
        task = self.new_task(inputs["prompt"], video, Fraction(duration))
        if video is None:
            task.fails = True
            self.task_reasons[task.id] = ("Failed to download input video: 404 Not Found", "E404")
        return json_response(
            200,
            {
                "status": "success",
                "message": "Prediction created successfully",
                "predictionID": task.id,
            },
        )

    def poll(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "Prediction not found")
        if not isinstance(task, FakeTask):
            return task
        raw = task.status(time.monotonic())
        # A failed prediction polls as "error" with the reason inside `output` (PROVIDERS.md).
        status = {"pending": "starting", "completed": "success", "failed": "error"}.get(raw, raw)
        output: Any = self.result_url(task) if status == "success" else None
        message, code = self.task_reasons.get(task.id, self.fail_reason)
        if status == "error":
            output = {"error_message": message, "error_code": code}
        answer: dict[str, Any] = {
            "id": task.id,
            "status": status,
            "output": output,
            "logs": f"Traceback ...\nRuntimeError: {message}" if status == "error" else None,
            "metrics": {"predict_time": 1.2, "cost": 0.0013},
            "urls": {
                "get": f"{self.base_url}/v1/prediction/{task.id}",
                "cancel": f"{self.base_url}/v1/prediction/{task.id}/cancel",
            },
        }
        return json_response(200, answer)

    def cancel(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "Prediction not found")
        if not isinstance(task, FakeTask):
            return task
        task.cancelled = True
        return json_response(200, {"status": "success", "message": "Prediction cancelled"})


# -- WaveSpeed ------------------------------------------------------------------------------------


def parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[str, bytes]]:
    """name -> (filename, bytes) of a multipart/form-data body."""
    need("boundary=" in content_type, "multipart body without boundary")
    boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
    fields: dict[str, tuple[str, bytes]] = {}
    for part in body.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, _, data = part.partition(b"\r\n\r\n")
        disposition = head.decode("utf-8", "replace")
        if "name=" not in disposition:
            continue
        name = disposition.split('name="', 1)[1].split('"', 1)[0]
        filename = ""
        if 'filename="' in disposition:
            filename = disposition.split('filename="', 1)[1].split('"', 1)[0]
        fields[name] = (filename, data.removesuffix(b"\r\n"))
    return fields


@dataclass(frozen=True)
class WavespeedModel:
    """One model page: its fields, the required ones, limits and what its result is."""

    fields: frozenset[str]
    required: frozenset[str] = frozenset({"video"})
    fmt: str = "mp4"
    channels: int = 1
    rate: int = media.MODEL_RATE
    min_seconds: Fraction = Fraction(1)
    max_seconds: Fraction = Fraction(30)


WAVESPEED_MODELS = {
    "wavespeed-ai/mmaudio-v2": WavespeedModel(
        frozenset(
            {
                "video",
                "prompt",
                "negative_prompt",
                "num_inference_steps",
                "duration",
                "guidance_scale",
                "mask_away_clip",
                "seed",
            }
        ),
        frozenset({"video", "prompt"}),
    ),
    "wavespeed-ai/hunyuan-video-foley": WavespeedModel(
        frozenset({"video", "prompt", "seed"}), channels=2, rate=48_000, max_seconds=Fraction(15)
    ),
    "wavespeed-ai/think-sound": WavespeedModel(frozenset({"video", "prompt", "seed"}), channels=2),
    "kwaivgi/kling-video-to-audio": WavespeedModel(
        frozenset({"video", "sound_effect_prompt", "bgm_prompt", "asmr_mode"}),
        channels=2,
        rate=48_000,
        min_seconds=Fraction(3),
        max_seconds=Fraction(20),
    ),
    "mirelo-ai/sfx-1.6/video-to-audio": WavespeedModel(
        frozenset({"video", "prompt", "seed", "num_samples"}),
        fmt="wav",
        channels=2,
        rate=48_000,
        max_seconds=Fraction(60),
    ),
    "mirelo-ai/sfx-2.0/video-to-audio": WavespeedModel(
        frozenset({"video", "prompt", "seed", "num_samples"}),
        fmt="wav",
        channels=2,
        rate=48_000,
        max_seconds=Fraction(60),
    ),
}


class WavespeedHost(TaskHost):
    name = "wavespeed"
    output_format = "mp4"
    tickets = True  # False: a deployment without the ticket upload (404), binary only
    redirect_create: str | None = None  # Location a create is answered with (307), once

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: Counter[str] = Counter()  # "ticket" | "binary"
        self.ticket_types: dict[str, str] = {}
        self.creates_seen = 0  # create requests that arrived, redirected or not

    def error(self, status: int, message: str) -> Response:
        return json_response(status, {"code": status, "message": message, "data": None})

    def check(self, request: Request) -> Response | None:
        return self.check_key(request, "authorization", "Bearer ")

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        path = request.path
        if request.method == "POST" and path == "/api/v3/media/upload/binary":
            return "upload", self.guarded(lambda: self.upload(request))
        if request.method == "POST" and path == "/api/v3/media/uploads" and self.tickets:
            return "upload", self.guarded(lambda: self.ticket(request))
        if request.method == "PUT" and path.startswith("/ticket-put/"):
            return "upload", self.guarded(lambda: self.ticket_put(request))
        endpoint = path.removeprefix("/api/v3/")
        if request.method == "POST" and endpoint in WAVESPEED_MODELS:
            return "create", self.guarded(
                lambda: self.redirected(request) or self.create(request, endpoint)
            )
        if request.method == "GET" and path.startswith("/api/v3/predictions/"):
            task_id = path.removeprefix("/api/v3/predictions/").removesuffix("/result")
            return "poll", lambda: self.poll(task_id, request)
        return None

    def redirected(self, request: Request) -> Response | None:
        with self.lock:
            self.creates_seen += 1
            target, self.redirect_create = self.redirect_create, None
        if target is None:
            return None
        return Response(307, b"", {"Location": target})

    def ticket(self, request: Request) -> Response:
        """The SDKs' upload since Aug 2026: a ticket, then a PUT to its URL with its headers."""
        if bad := self.check(request):
            return bad
        body = request.json()
        need(isinstance(body.get("filename"), str) and body["filename"], "filename is required")
        need(is_int(body.get("size")) and 0 < body["size"] <= 100 * 1024 * 1024, "size 1-100MB")
        need(isinstance(body.get("content_type"), str), "content_type is required")
        token = uuid.uuid4().hex
        with self.lock:
            self.ticket_types[token] = body["content_type"]
        data = {
            "upload": {
                "url": f"{self.base_url}/ticket-put/{token}?X-Amz-Signature=abc",
                "method": "PUT",
                "headers": {"Content-Type": body["content_type"], "x-amz-meta-ticket": token},
            },
            "download_url": f"{self.base_url}/files/{token}.mp4",
        }
        return json_response(200, {"code": 200, "message": "success", "data": data})

    def ticket_put(self, request: Request) -> Response:
        token = request.path.rsplit("/", 1)[-1]
        content_type = self.ticket_types.get(token)
        if content_type is None or request.headers.get("x-amz-meta-ticket") != token:
            return Response(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        need("authorization" not in request.headers, "the key must not go to storage")
        need(request.headers.get("content-type") == content_type, "Content-Type must match")
        with self.lock:
            self.files[token] = (trim_free(request.body), content_type, 0)
            self.uploads["ticket"] += 1
        return Response(200, b"")

    def upload(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        self.uploads["binary"] += 1
        fields = parse_multipart(request.body, request.headers.get("content-type", ""))
        need("file" in fields, "multipart field 'file' is required")
        filename, data = fields["file"]
        need(len(data) <= 100 * 1024 * 1024, "file too large")
        url = self.add_file(data, "mp4", "video/mp4")
        return json_response(
            200,
            {
                "code": 200,
                "message": "success",
                "data": {
                    "type": "video",
                    "download_url": url,
                    "filename": filename,
                    "size": len(data),
                },
            },
        )

    def create(self, request: Request, endpoint: str) -> Response:
        if bad := self.check(request):
            return bad
        spec = WAVESPEED_MODELS[endpoint]
        body = request.json()
        known = spec.fields
        need(not set(body) - known, f"unknown fields {sorted(set(body) - known)}")
        need(isinstance(body.get("video"), str), "video is required")
        if "prompt" in spec.required:
            need(isinstance(body.get("prompt"), str) and body["prompt"], "prompt is required")
        need(isinstance(body.get("prompt", ""), str), "prompt must be a string")
        steps = body.get("num_inference_steps", 25)
        need(is_int(steps) and 4 <= steps <= 50, "num_inference_steps must be 4-50")
        duration = body.get("duration", 8)
        need(is_int(duration) and 1 <= duration <= 30, "duration must be an integer 1-30")
        guidance = body.get("guidance_scale", 4.5)
        need(is_num(guidance) and 0 <= guidance <= 20, "guidance_scale must be 0-20")
        need(isinstance(body.get("mask_away_clip", False), bool), "mask_away_clip: boolean")
        seed = body.get("seed", -1)
        need(is_int(seed) and -1 <= seed <= 2_147_483_647, "seed must be -1 ~ 2147483647")
        for name in ("sound_effect_prompt", "bgm_prompt"):
            text = body.get(name, "")
            need(isinstance(text, str) and len(text) <= 200, f"{name}: at most 200 characters")
        need(isinstance(body.get("asmr_mode", False), bool), "asmr_mode: boolean")
        video = self.fetch_video(body["video"])
        length = media.duration_of(video)
        need(
            length <= spec.max_seconds + Fraction(1, 10), f"video longer than {spec.max_seconds} s"
        )
        need(
            length >= spec.min_seconds - Fraction(1, 10), f"video shorter than {spec.min_seconds} s"
        )
        prompt = str(body.get("prompt") or body.get("sound_effect_prompt") or "")
        task = self.new_task(
            prompt,
            video,
            Fraction(duration) if "duration" in body else None,
            fmt=spec.fmt,
            channels=spec.channels,
            rate=spec.rate,
            model=endpoint,
            samples=int(body.get("num_samples", 2)) if "num_samples" in spec.fields else 1,
        )
        with self.lock:
            self.bodies.append({"endpoint": endpoint, **body})
        return json_response(200, {"code": 200, "message": "success", "data": self.data(task)})

    def data(self, task: FakeTask) -> dict[str, Any]:
        raw = task.status(time.monotonic())
        status = {"pending": "created"}.get(raw, raw)
        return {
            "id": task.id,
            "model": task.model or "wavespeed-ai/mmaudio-v2",
            "status": status,
            "outputs": [self.result_url(task)] * task.samples if status == "completed" else [],
            "urls": {"get": f"{self.base_url}/api/v3/predictions/{task.id}/result"},
            "has_nsfw_contents": [],
            "created_at": "2026-01-01T00:00:00Z",
            "error": "inference failed: bad video" if status == "failed" else "",
            "timings": {"inference": 1200},
        }

    def poll(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "prediction not found")
        if not isinstance(task, FakeTask):
            return task
        return json_response(200, {"code": 200, "message": "success", "data": self.data(task)})


# -- Self-hosted Cog ------------------------------------------------------------------------------


class SelfhostedHost(TaskHost):
    name = "selfhosted"
    output_format = "mp4"
    require_key = False  # Cog itself has no keys; True: as behind a proxy that checks a token
    health_check = True  # False: an older Cog without /health-check
    state = "READY"  # what /health-check says (STARTING, BUSY, SETUP_FAILED, ...)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # predictions running now (one GPU: a box should get one at a time)
        self.max_in_flight = 0

    def check(self, request: Request) -> Response | None:
        return self.check_key(request, "authorization", "Bearer ")

    def error(self, status: int, message: str) -> Response:
        return json_response(
            status, {"detail": [{"loc": ["body"], "msg": message, "type": "value_error"}]}
        )

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        if self.require_key and (bad := self.check(request)):
            return "poll", lambda: bad  # a proxy in front of the server wants a token
        if request.method == "POST" and request.path == "/predictions":
            return "create", self.guarded(lambda: self.predict(request))
        if request.method == "GET" and request.path == "/health-check" and self.health_check:
            return "poll", lambda: json_response(200, {"status": self.state, "setup": {}})
        if request.method == "GET" and request.path == "/":
            return "poll", lambda: json_response(
                200, {"docs_url": "/docs", "openapi_url": "/openapi.json"}
            )
        return None

    def predict(self, request: Request) -> Response:
        body = request.json()
        inputs = body.get("input")
        need(isinstance(inputs, dict), "input is required")
        need(isinstance(inputs.get("prompt"), str), "prompt is required")
        need(isinstance(inputs.get("video"), str), "video is required")
        video = decode_data_uri(inputs["video"], "data:video/mp4;base64,")
        duration = inputs.get("duration", 8)
        need(is_num(duration) and duration > 0, "duration must be positive")
        need(is_int(inputs.get("num_steps", 25)), "num_steps must be an integer")
        need(is_num(inputs.get("cfg_strength", 4.5)), "cfg_strength must be a number")
        task = self.new_task(inputs["prompt"], video, Fraction(duration))
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.latency)  # Cog answers when the prediction is done
        finally:
            with self.lock:
                self.in_flight -= 1
        if task.fails:
            return json_response(
                200,
                {"id": task.id, "status": "failed", "error": "CUDA out of memory", "output": None},
            )
        self.result_url(task)
        assert task.output is not None
        output = "data:video/mp4;base64," + base64.b64encode(task.output).decode()
        return json_response(
            200, {"id": task.id, "status": "succeeded", "output": output, "error": None, "logs": ""}
        )


HOSTS: dict[str, type[TaskHost]] = {
    "piapi": PiapiHost,
    "qubico": QubicoHost,
    "eachlabs": EachlabsHost,
    "wavespeed": WavespeedHost,
    "selfhosted": SelfhostedHost,
}

# Hosts in their own modules (they build on the classes above, hence the import down here).
from tests.fakes.elevenlabs import ElevenlabsHost  # noqa: E402
from tests.fakes.fal import FalHost  # noqa: E402
from tests.fakes.replicate import ReplicateHost  # noqa: E402

HOSTS.update({"fal": FalHost, "replicate": ReplicateHost, "elevenlabs": ElevenlabsHost})
