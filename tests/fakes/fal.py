"""fal.ai as its queue, storage and model pages describe it (PROVIDERS.md "fal.ai", the note of
issue 14): `Authorization: Key`, POST /<endpoint> -> {request_id, status_url, response_url,
cancel_url} (status and result paths keep owner/alias only), IN_QUEUE with a queue position,
IN_PROGRESS, COMPLETED, and a result GET that answers the output *or* the error (COMPLETED is not
success). Storage: POST /storage/upload/initiate -> {upload_url, file_url}; the PUT to upload_url
is signed and must not carry the key (counted in `puts_with_key`).

Each endpoint checks its own field names and ranges and answers 422 with FastAPI's detail list,
as fal's model servers do; a failure inside the model is a COMPLETED request whose result GET is
a 422 (the model refused what it saw) or a 500 with `error_type` (the runner died)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from tests.fakes import media
from tests.fakes.hosts import CONTENT_TYPES, FakeTask, Invalid, TaskHost, is_int, is_num, need
from tests.fakes.server import Fault, Request, Response, json_response, trim_free

# endpoint -> (owner/alias used by the status and result paths, output shape)
ENDPOINTS = {
    "fal-ai/mmaudio-v2": "fal-ai/mmaudio-v2",
    "fal-ai/hunyuan-video-foley": "fal-ai/hunyuan-video-foley",
    "fal-ai/thinksound": "fal-ai/thinksound",
    "fal-ai/kling-video/video-to-audio": "fal-ai/kling-video",
    "mirelo-ai/sfx-v1.5/video-to-audio": "mirelo-ai/sfx-v1.5",
    "fal-ai/elevenlabs/sound-effects/v2": "fal-ai/elevenlabs",
}
TEXT_CLICK_SECONDS = Fraction(1, 4)  # where a text-only model puts its one click


class Unprocessable(Invalid):
    """A field fails the model's schema: 422 with FastAPI's detail list naming the field."""

    def __init__(self, field_name: str, message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.field_name = field_name
        self.kind = kind


def check(condition: bool, field_name: str, message: str) -> None:
    if not condition:
        raise Unprocessable(field_name, message)


@dataclass
class FalRequest(FakeTask):
    endpoint: str = ""
    app: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    failure: Response | None = None  # what the result GET answers when the model failed
    outputs: dict[str, Any] | None = None


class FalHost(TaskHost):
    """Queue, REST storage and the signed PUT target on one loopback server."""

    name = "fal"
    output_format = "mp4"
    queue_ahead = 2  # requests "ahead of us" while IN_QUEUE (counts down)
    kling_seconds = (3, 20)  # the video lengths Kling takes (checked by the model, after queueing)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: dict[str, str] = {}  # upload token -> content type
        self.puts_with_key = 0
        self.cancels = 0
        self.bodies: list[Any] = []

    # -- shapes --

    def error(self, status: int, message: str) -> Response:
        return json_response(status, {"detail": message})

    def validation(self, exc: Unprocessable) -> Response:
        return json_response(
            422,
            {"detail": [{"loc": ["body", exc.field_name], "msg": str(exc), "type": exc.kind}]},
        )

    def check(self, request: Request) -> Response | None:
        value = request.headers.get("authorization", "")
        if value != "Key " + self.key:
            return self.error(401, "No user found for Key ID and Secret")
        return None

    def guarded(self, fn: Callable[[], Response]) -> Callable[[], Response]:
        def run() -> Response:
            try:
                return fn()
            except Unprocessable as exc:
                self.invalid.append(f"{exc.field_name}: {exc}")
                return self.validation(exc)
            except Invalid as exc:
                self.invalid.append(str(exc))
                return self.error(400, str(exc))
            except (ValueError, KeyError, TypeError) as exc:
                self.invalid.append(f"unreadable request: {exc}")
                return self.error(400, f"invalid request body: {exc}")

        return run

    # -- routing --

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        path = request.path
        if request.method == "POST" and path == "/storage/upload/initiate":
            return "upload", self.guarded(lambda: self.initiate(request))
        if request.method == "PUT" and path.startswith("/upload/"):
            return "upload", lambda: self.put(request)
        if request.method == "POST" and path.lstrip("/") in ENDPOINTS:
            return "create", self.guarded(lambda: self.create(request, path.lstrip("/")))
        if "/requests/" in path:
            app, _, rest = path.lstrip("/").partition("/requests/")
            parts = rest.split("/")
            request_id = parts[0]
            if request.method == "GET" and parts[1:] == ["status"]:
                return "poll", lambda: self.status(app, request_id, request)
            if request.method == "GET" and len(parts) == 1:
                return "poll", lambda: self.result(app, request_id, request)
            if request.method == "PUT" and parts[1:] == ["cancel"]:
                return "cancel", lambda: self.cancel(app, request_id, request)
        return None

    # -- storage --

    def initiate(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        need(request.query.get("storage_type") == ["fal-cdn-v3"], "storage_type must be given")
        body = request.json()
        content_type = body.get("content_type")
        name = body.get("file_name")
        need(isinstance(content_type, str) and "/" in content_type, "content_type is required")
        need(isinstance(name, str) and "." in name, "file_name is required")
        token = uuid.uuid4().hex
        with self.lock:
            self.uploads[token] = content_type
        ext = name.rsplit(".", 1)[-1]
        return json_response(
            200,
            {
                "upload_url": f"{self.base_url}/upload/{token}?X-Goog-Signature=f00d",
                "file_url": f"{self.base_url}/files/{token}.{ext}",
            },
        )

    def put(self, request: Request) -> Response:
        token = request.path.rsplit("/", 1)[-1]
        content_type = self.uploads.get(token)
        if "authorization" in request.headers:
            with self.lock:
                self.puts_with_key += 1
            return Response(
                400,
                b"<Error><Code>InvalidArgument</Code><Message>Authorization header and "
                b"signature both given</Message></Error>",
                {"Content-Type": "application/xml"},
            )
        if content_type is None or "X-Goog-Signature" not in request.query:
            return Response(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        if request.headers.get("content-type") != content_type:
            self.invalid.append("the PUT's Content-Type differs from the initiated one")
            return Response(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        with self.lock:
            self.files[token] = (trim_free(request.body), content_type, 0)
        return Response(200, b"")

    # -- queue --

    def urls(self, app: str, request_id: str) -> dict[str, str]:
        base = f"{self.base_url}/{app}/requests/{request_id}"
        return {
            "status_url": f"{base}/status",
            "response_url": base,
            "cancel_url": f"{base}/cancel",
        }

    def create(self, request: Request, endpoint: str) -> Response:
        if bad := self.check(request):
            return bad
        body = request.json()
        need(isinstance(body, dict), "the body must be the model's input object")
        with self.lock:
            self.bodies.append(body)
        video, duration, prompt = self.read_inputs(endpoint, body)
        task = self.new_task(prompt, video, duration)
        fal = FalRequest(**vars(task), endpoint=endpoint, app=ENDPOINTS[endpoint], inputs=body)
        fal.failure = self.model_failure(endpoint, body, video)
        with self.lock:
            self.tasks[task.id] = fal
        return json_response(
            200,
            {
                "status": "IN_QUEUE",
                "request_id": task.id,
                **self.urls(fal.app, task.id),
                "queue_position": self.queue_ahead,
            },
        )

    def read_inputs(
        self, endpoint: str, body: dict[str, Any]
    ) -> tuple[bytes | None, Fraction | None, str]:
        """Validate one endpoint's input as its schema does; (video, duration, prompt)."""
        known = {
            "fal-ai/mmaudio-v2": {
                "video_url",
                "prompt",
                "negative_prompt",
                "seed",
                "num_steps",
                "duration",
                "cfg_strength",
                "mask_away_clip",
            },
            "fal-ai/hunyuan-video-foley": {
                "video_url",
                "text_prompt",
                "negative_prompt",
                "num_inference_steps",
                "guidance_scale",
                "seed",
            },
            "fal-ai/thinksound": {
                "video_url",
                "prompt",
                "seed",
                "num_inference_steps",
                "cfg_scale",
            },
            "fal-ai/kling-video/video-to-audio": {
                "video_url",
                "sound_effect_prompt",
                "background_music_prompt",
                "asmr_mode",
            },
            "mirelo-ai/sfx-v1.5/video-to-audio": {
                "video_url",
                "text_prompt",
                "num_samples",
                "seed",
                "duration",
                "start_offset",
            },
            "fal-ai/elevenlabs/sound-effects/v2": {
                "text",
                "duration_seconds",
                "prompt_influence",
                "loop",
                "output_format",
            },
        }[endpoint]
        unknown = sorted(set(body) - known)
        check(not unknown, unknown[0] if unknown else "", f"extra fields not permitted: {unknown}")
        seed = body.get("seed")
        if endpoint == "fal-ai/elevenlabs/sound-effects/v2":
            text = body.get("text")
            check(isinstance(text, str) and bool(text.strip()), "text", "field required")
            seconds = body.get("duration_seconds")
            check(
                seconds is None or (is_num(seconds) and 0.5 <= seconds <= 22),
                "duration_seconds",
                "ensure this value is between 0.5 and 22",
            )
            influence = body.get("prompt_influence", 0.3)
            check(is_num(influence) and 0 <= influence <= 1, "prompt_influence", "must be 0-1")
            length = Fraction(str(seconds)) if seconds is not None else Fraction(5)
            return None, length, text
        video_url = body.get("video_url")
        check(isinstance(video_url, str) and bool(video_url), "video_url", "field required")
        video = self.fetch_video(video_url)
        duration: Fraction | None = None
        prompt = ""
        if endpoint == "fal-ai/mmaudio-v2":
            prompt = body.get("prompt")
            check(isinstance(prompt, str) and bool(prompt), "prompt", "field required")
            check(seed is None or is_int(seed), "seed", "value is not a valid integer")
            check(
                seed is None or 0 <= seed <= 65535,
                "seed",
                "ensure this value is less than or equal to 65535",
            )
            steps = body.get("num_steps", 25)
            check(is_int(steps) and 4 <= steps <= 50, "num_steps", "must be 4-50")
            length = body.get("duration", 8)
            check(is_num(length) and 1 <= length <= 30, "duration", "must be 1-30")
            cfg = body.get("cfg_strength", 4.5)
            check(is_num(cfg) and 0 <= cfg <= 20, "cfg_strength", "must be 0-20")
            duration = Fraction(str(length))
        elif endpoint == "fal-ai/hunyuan-video-foley":
            prompt = body.get("text_prompt")
            check(isinstance(prompt, str) and bool(prompt), "text_prompt", "field required")
            check(seed is None or is_int(seed), "seed", "value is not a valid integer")
            steps = body.get("num_inference_steps", 50)
            check(is_int(steps) and 10 <= steps <= 100, "num_inference_steps", "must be 10-100")
        elif endpoint == "fal-ai/thinksound":
            prompt = body.get("prompt", "")
            check(isinstance(prompt, str), "prompt", "str type expected")
            steps = body.get("num_inference_steps", 24)
            check(is_int(steps) and 2 <= steps <= 100, "num_inference_steps", "must be 2-100")
            cfg = body.get("cfg_scale", 5)
            check(is_num(cfg) and 1 <= cfg <= 20, "cfg_scale", "must be 1-20")
        elif endpoint == "fal-ai/kling-video/video-to-audio":
            effects = body.get("sound_effect_prompt", "")
            music = body.get("background_music_prompt", "")
            pair = (("sound_effect_prompt", effects), ("background_music_prompt", music))
            for name, text in pair:
                check(isinstance(text, str), name, "str type expected")
                check(len(text) <= 200, name, "Cannot exceed 200 characters")
            check(isinstance(body.get("asmr_mode", False), bool), "asmr_mode", "bool expected")
            prompt = f"{effects} | {music}"
        else:  # mirelo
            prompt = body.get("text_prompt", "")
            check(isinstance(prompt, str), "text_prompt", "str type expected")
            samples = body.get("num_samples", 2)
            check(is_int(samples) and 1 <= samples <= 4, "num_samples", "must be 1-4")
            length = body.get("duration", 10)
            check(is_num(length) and 1 <= length <= 10, "duration", "must be 1-10")
            check(seed is None or is_int(seed), "seed", "value is not a valid integer")
            duration = Fraction(str(length))
        return video, duration, prompt

    def model_failure(
        self, endpoint: str, body: dict[str, Any], video: bytes | None
    ) -> Response | None:
        """What the model itself says after it ran: COMPLETED, then this from the result GET."""
        if self.current_fault is Fault.TASK_FAILS:
            return with_error_type(
                json_response(
                    500,
                    {
                        "detail": "Runner crashed: CUDA out of memory",
                        "error_type": "runner_server_error",
                    },
                ),
                "runner_server_error",
            )
        if endpoint == "fal-ai/kling-video/video-to-audio" and video is not None:
            seconds = media.duration_of(video)
            low, high = self.kling_seconds
            if not low <= seconds <= high:
                return json_response(
                    422,
                    {
                        "detail": [
                            {
                                "loc": ["body", "video_url"],
                                "msg": f"Video duration must be between {low:.1f} and "
                                f"{high:.1f} seconds, got {float(seconds):.2f}s",
                                "type": "video_duration",
                            }
                        ]
                    },
                )
        return None

    def fal_task(self, app: str, request_id: str, request: Request) -> FalRequest | Response:
        found = self.find(request_id, request, "Request not found")
        if isinstance(found, Response):
            return found
        if not isinstance(found, FalRequest) or found.app != app:
            return self.error(404, "Request not found")
        return found

    def state(self, task: FalRequest) -> str:
        raw = task.status(time.monotonic())
        if raw == "pending":
            return "IN_QUEUE"
        if raw == "processing":
            return "IN_PROGRESS"
        return "COMPLETED"  # done, failed or cancelled alike: the result GET tells which

    def status(self, app: str, request_id: str, request: Request) -> Response:
        task = self.fal_task(app, request_id, request)
        if isinstance(task, Response):
            return task
        state = self.state(task)
        answer: dict[str, Any] = {"status": state, "request_id": task.id, **self.urls(app, task.id)}
        if state == "IN_QUEUE":
            elapsed = time.monotonic() - task.created
            ahead = self.queue_ahead - int(elapsed / max(task.latency / 3, 1e-6) * self.queue_ahead)
            answer["queue_position"] = max(0, ahead)
        else:
            answer["logs"] = (
                []
                if request.query.get("logs") != ["1"]
                else [
                    {
                        "message": "Generating audio",
                        "level": "INFO",
                        "source": "USER",
                        "timestamp": "2026-01-01T00:00:00Z",
                    }
                ]
            )
        if state == "COMPLETED":
            answer["metrics"] = {"inference_time": 1.25}
        return json_response(200, answer)

    def result(self, app: str, request_id: str, request: Request) -> Response:
        task = self.fal_task(app, request_id, request)
        if isinstance(task, Response):
            return task
        state = self.state(task)
        if state != "COMPLETED":
            return json_response(400, {"detail": "Request is still in progress"})
        if task.cancelled:
            return with_error_type(
                json_response(
                    499,
                    {
                        "detail": "Request was cancelled by the client",
                        "error_type": "client_cancelled",
                    },
                ),
                "client_cancelled",
            )
        if task.failure is not None:
            return task.failure
        return json_response(200, self.outputs(task), {"x-fal-request-id": task.id})

    def outputs(self, task: FalRequest) -> dict[str, Any]:
        """The result, made once; asked again after a file was removed (an expired link),
        it is made afresh at new URLs, as the other emulators refresh theirs."""
        with self.lock:
            if task.outputs is None or any(
                self.file_bytes(url) is None for url in urls_in(task.outputs)
            ):
                task.outputs = self.make_outputs(task)
            return task.outputs

    def file(self, data: bytes, ext: str) -> dict[str, Any]:
        url = self.add_file(data, ext, CONTENT_TYPES[ext])
        return {
            "url": url,
            "content_type": CONTENT_TYPES[ext],
            "file_name": url.rsplit("/", 1)[-1],
            "file_size": len(data),
        }

    def make_outputs(self, task: FalRequest) -> dict[str, Any]:
        endpoint, inputs = task.endpoint, task.inputs
        if endpoint == "fal-ai/elevenlabs/sound-effects/v2":
            samples = media.click_track([TEXT_CLICK_SECONDS], task.duration or Fraction(5))
            return {"audio": self.file(media.audio_file(samples, "mp3"), "mp3")}
        assert task.video is not None
        video_length = media.duration_of(task.video)
        length = min(task.duration, video_length) if task.duration else video_length
        onsets = media.onsets_of(task.video)
        if endpoint == "mirelo-ai/sfx-v1.5/video-to-audio":
            takes = []
            for n in range(int(inputs.get("num_samples", 2))):
                samples = media.click_track(onsets, length)
                samples += variation(n, samples.size)  # each sample its own bed
                takes.append(self.file(media.audio_file(samples, "wav"), "wav"))
            return {"audio": takes}
        samples = media.click_track(onsets, length)
        video = self.file(media.video_with_audio(task.video, samples), "mp4")
        if endpoint == "fal-ai/kling-video/video-to-audio":
            return {"audio": self.file(media.audio_file(samples, "mp3"), "mp3"), "video": video}
        if endpoint == "fal-ai/thinksound":
            return {"prompt": task.prompt, "video": video}
        return {"video": video}

    def cancel(self, app: str, request_id: str, request: Request) -> Response:
        task = self.fal_task(app, request_id, request)
        if isinstance(task, Response):
            return task
        with self.lock:
            self.cancels += 1
        if self.state(task) == "COMPLETED":
            return json_response(400, {"status": "ALREADY_COMPLETED"})
        task.cancelled = True
        return json_response(202, {"status": "CANCELLATION_REQUESTED"})


def with_error_type(response: Response, error_type: str) -> Response:
    response.headers["X-Fal-Error-Type"] = error_type
    return response


def variation(n: int, size: int) -> np.ndarray:
    """A quiet, take-specific bed so several samples of one request differ."""
    return (np.random.default_rng(100 + n).standard_normal(size) * 0.003).astype(np.float32)


def urls_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        url = value.get("url")
        return [url] if isinstance(url, str) else [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return []
