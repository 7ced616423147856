"""Replicate as replicate-python and its HTTP API describe it (PROVIDERS.md "Replicate", the note
of issue 14): `Authorization: Bearer`, POST /v1/predictions {version, input} (a community model
needs its version hash), GET /v1/predictions/<id> with status starting | processing | succeeded |
failed | canceled, `error` and `logs`, `urls{get, cancel}`; POST /v1/files (multipart `content`)
-> {id, urls{get}}; GET /v1/account. Errors are RFC 7807 problem details {title, detail, status}.

zsxkib/mmaudio checks its inputs as its Cog schema does (seed >= -1: 422 below that) and answers
one URI of an MP4 (the video input with the generated track). A failed prediction carries the
model's traceback in `logs` and its last line in `error`. Outputs are deleted after an hour: a
`expire_outputs()` call makes every output URL answer 404 as Replicate's file host does then."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ClassVar

from tests.fakes.hosts import FakeTask, TaskHost, is_int, is_num, need, parse_multipart
from tests.fakes.server import Request, Response, json_response, trim_free

MMAUDIO_VERSION = "62871fb59889b2d7c13777f08deb3b36bdff88f7e1d53a50ad7694548a41b484"
FAILURE_LOGS = (
    "Running prediction...\n"
    "Traceback (most recent call last):\n"
    '  File "/src/predict.py", line 142, in predict\n'
    "    video_info = load_video(video, duration)\n"
    "RuntimeError: Could not decode the video stream\n"
)


class ReplicateHost(TaskHost):
    name = "replicate"
    output_format = "mp4"
    versions: ClassVar[dict[str, str]] = {MMAUDIO_VERSION: "zsxkib/mmaudio"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploaded: dict[str, tuple[bytes, str]] = {}  # file id -> (bytes, content type)
        self.bodies: list[Any] = []
        self.cancels = 0

    def error(self, status: int, message: str) -> Response:
        titles = {
            401: "Unauthenticated",
            404: "Not found",
            422: "Input validation failed",
            429: "Request was throttled.",
            500: "Internal server error",
        }
        return json_response(
            status,
            {"title": titles.get(status, "Error"), "detail": message, "status": status},
            {"Content-Type": "application/problem+json"},
        )

    def check(self, request: Request) -> Response | None:
        if request.headers.get("authorization", "") != "Bearer " + self.key:
            return self.error(401, "You did not pass a valid authentication token")
        return None

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        path = request.path.rstrip("/")
        if request.method == "GET" and path == "/v1/account":
            return "poll", lambda: self.account(request)
        if request.method == "POST" and path == "/v1/files":
            return "upload", self.guarded(lambda: self.upload(request))
        if request.method == "GET" and path.startswith("/v1/files/"):
            return "download", lambda: self.get_file(path.rsplit("/", 1)[-1], request)
        if request.method == "POST" and path == "/v1/predictions":
            return "create", self.guarded(lambda: self.create(request))
        if (
            request.method == "POST"
            and path.startswith("/v1/predictions/")
            and path.endswith("/cancel")
        ):
            return "cancel", lambda: self.cancel(path.split("/")[-2], request)
        if request.method == "GET" and path.startswith("/v1/predictions/"):
            return "poll", lambda: self.poll(path.rsplit("/", 1)[-1], request)
        return None

    def account(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        return json_response(
            200, {"type": "user", "username": "editor", "name": "An Editor", "github_url": None}
        )

    # -- files --

    def upload(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        fields = parse_multipart(request.body, request.headers.get("content-type", ""))
        need("content" in fields, "multipart field 'content' is required")
        filename, data = fields["content"]
        need(len(data) <= 100 * 1024 * 1024, "file too large (100 MB max)")
        file_id = uuid.uuid4().hex[:12]
        with self.lock:
            self.uploaded[file_id] = (trim_free(data), "video/mp4")
        return json_response(
            201,
            {
                "id": file_id,
                "name": filename,
                "content_type": "video/mp4",
                "size": len(data),
                "etag": "abc",
                "checksums": {},
                "metadata": {},
                "created_at": "2026-01-01T00:00:00Z",
                "expires_at": "2026-01-02T00:00:00Z",
                "urls": {"get": f"{self.base_url}/v1/files/{file_id}"},
            },
        )

    def get_file(self, file_id: str, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        entry = self.uploaded.get(file_id)
        if entry is None:
            return self.error(404, "The requested resource could not be found.")
        return Response(200, entry[0], {"Content-Type": entry[1]})

    def fetch_video(self, url: str) -> bytes:
        """A prediction reads an uploaded file by its API URL (the model's worker has the key)."""
        prefix = f"{self.base_url}/v1/files/"
        if url.startswith(prefix):
            entry = self.uploaded.get(url.removeprefix(prefix))
            need(entry is not None, "Could not download the input file")
            assert entry is not None
            return entry[0]
        return super().fetch_video(url)

    # -- predictions --

    def create(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        body = request.json()
        with self.lock:
            self.bodies.append(body)
        version = body.get("version")
        if version not in self.versions:
            return self.error(
                422,
                "The specified version does not exist (or perhaps you don't have permission "
                "to use it?)",
            )
        inputs = body.get("input")
        need(isinstance(inputs, dict), "input is required")
        known = {
            "prompt",
            "negative_prompt",
            "video",
            "duration",
            "num_steps",
            "cfg_strength",
            "seed",
            "image",
        }
        unknown = sorted(set(inputs) - known)
        if unknown:
            return self.error(422, f"input: Additional property {unknown[0]} is not allowed")
        seed = inputs.get("seed", -1)
        if not is_int(seed):
            return self.error(422, "input.seed: Invalid type. Expected: integer")
        if seed < -1:
            return self.error(422, "input.seed: Must be greater than or equal to -1")
        duration = inputs.get("duration", 8)
        if not is_num(duration) or duration < 1:
            return self.error(422, "input.duration: Must be greater than or equal to 1")
        if not is_num(inputs.get("cfg_strength", 4.5)) or inputs.get("cfg_strength", 4.5) < 1:
            return self.error(422, "input.cfg_strength: Must be greater than or equal to 1")
        if not is_int(inputs.get("num_steps", 25)):
            return self.error(422, "input.num_steps: Invalid type. Expected: integer")
        prompt = inputs.get("prompt", "")
        need(isinstance(prompt, str), "input.prompt: Invalid type. Expected: string")
        video_url = inputs.get("video")
        need(isinstance(video_url, str), "input.video: this model needs a video here")
        video = self.fetch_video(video_url)
        task = self.new_task(prompt, video, Fraction(str(duration)))
        return json_response(201, self.prediction(task, version))

    def prediction(self, task: FakeTask, version: str | None = None) -> dict[str, Any]:
        raw = task.status(time.monotonic())
        status = {"pending": "starting", "completed": "succeeded", "cancelled": "canceled"}.get(
            raw, raw
        )
        answer: dict[str, Any] = {
            "id": task.id,
            "model": "zsxkib/mmaudio",
            "version": version or MMAUDIO_VERSION,
            "input": {},
            "logs": "",
            "output": None,
            "data_removed": False,
            "error": None,
            "status": status,
            "created_at": "2026-01-01T00:00:00.000Z",
            "urls": {
                "get": f"{self.base_url}/v1/predictions/{task.id}",
                "cancel": f"{self.base_url}/v1/predictions/{task.id}/cancel",
                "stream": f"{self.base_url}/v1/stream/{task.id}",
            },
        }
        if status == "processing":
            answer["logs"] = "Running prediction...\n 40%|████      | 10/25 [00:01<00:01]"
        if status == "succeeded":
            answer["output"] = self.result_url(task)
            answer["metrics"] = {"predict_time": 1.5, "total_time": 2.0}
        if status == "failed":
            answer["logs"] = FAILURE_LOGS
            answer["error"] = "RuntimeError: Could not decode the video stream"
        return answer

    def poll(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "The requested resource could not be found.")
        if not isinstance(task, FakeTask):
            return task
        return json_response(200, self.prediction(task))

    def cancel(self, task_id: str, request: Request) -> Response:
        task = self.find(task_id, request, "The requested resource could not be found.")
        if not isinstance(task, FakeTask):
            return task
        with self.lock:
            self.cancels += 1
        if task.status(time.monotonic()) in ("pending", "processing"):
            task.cancelled = True
        return json_response(200, self.prediction(task))

    def expire_outputs(self) -> None:
        """An hour later: Replicate deletes prediction outputs (the URLs answer 404)."""
        with self.lock:
            for task in self.tasks.values():
                if task.url:
                    self.files.pop(task.url.rsplit("/", 1)[-1].split(".")[0], None)
                task.output = None
                task.url = None
            self.keep_deleted = True

    keep_deleted = False

    def result_url(self, task: FakeTask) -> str:
        if self.keep_deleted:
            return f"{self.base_url}/files/deleted-{task.id}.mp4"
        return super().result_url(task)
