"""A small loopback HTTP server for the provider emulators, with fault injection.

Each emulator (hosts.py) routes requests to handlers and names each request's category
(create, poll, upload, download, cancel). A FaultPlan decides, per request, whether to answer
normally or with a fault: 429 + Retry-After, 500, a dropped connection (for a create: after the
task was made, so the answer is lost), a slow body, malformed JSON, a task that fails, an
expired result URL, or a result far larger than any audio.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Fault(StrEnum):
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 500 (before anything is done)
    UNAVAILABLE = "unavailable"  # 503 (before anything is done)
    DROP = "drop"  # connection closed without an answer (a create is made first)
    SLOW = "slow"  # the body trickles out
    MALFORMED = "malformed"  # 200 with broken JSON (a create is made first)
    TASK_FAILS = "task_fails"  # the task is accepted and later fails
    EXPIRED = "expired"  # the first download of the result is refused as expired
    HUGE = "huge"  # the result is hundreds of MB
    BAD_SHAPE = "bad_shape"  # 200 with the host's error envelope (create) or a foreign object


# What each kind of request can suffer in a random plan.
RANDOM_FAULTS: dict[str, tuple[Fault, ...]] = {
    "create": (
        Fault.RATE_LIMIT,
        Fault.UNAVAILABLE,
        Fault.DROP,
        Fault.TASK_FAILS,
        Fault.SLOW,
        Fault.BAD_SHAPE,
    ),
    "poll": (
        Fault.RATE_LIMIT,
        Fault.SERVER_ERROR,
        Fault.DROP,
        Fault.SLOW,
        Fault.MALFORMED,
        Fault.BAD_SHAPE,
    ),
    "upload": (Fault.RATE_LIMIT, Fault.SERVER_ERROR, Fault.DROP),
    "download": (Fault.SERVER_ERROR, Fault.DROP, Fault.SLOW, Fault.EXPIRED),
}


@dataclass
class FaultPlan:
    """Faults queued for the next requests of a category, plus an optional random rate."""

    queued: dict[str, list[Fault]] = field(default_factory=dict)
    rate: float = 0.0
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def queue(self, category: str, *faults: Fault) -> None:
        with self._lock:
            self.queued.setdefault(category, []).extend(faults)

    def draw(self, category: str) -> Fault | None:
        with self._lock:
            pending = self.queued.get(category)
            fault: Fault | None = None
            if pending:
                fault = pending.pop(0)
            elif self.rate and category in RANDOM_FAULTS and self._rng.random() < self.rate:
                fault = self._rng.choice(RANDOM_FAULTS[category])
            if fault is not None:
                self.injected[f"{category}:{fault.value}"] += 1
            return fault


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    slow: float = 0.0  # seconds to trickle the body over
    drop: bool = False  # close the connection without answering
    stream_bytes: int = 0  # send this many filler bytes (a huge result)
    pad: int = 0  # append an MP4 `free` box of this many bytes (a big but valid video)


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status,
        json.dumps(obj).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def trim_free(data: bytes) -> bytes:
    """An MP4 without a trailing top-level `free` box (keeps big padded uploads out of RAM)."""
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size < 8:
            return data
        if data[offset + 4 : offset + 8] == b"free" and offset + size == len(data):
            return data[:offset]
        offset += size
    return data


Route = Callable[[Request, "list[str]"], Response]


class FakeServer:
    """Base emulator: routing, fault handling, key checking, files served from memory."""

    name = "fake"
    retry_after = "1"  # seconds, as the Retry-After header of 429/503 answers
    plain_404 = False  # True: an unknown path gets a web server's text page, not the API's JSON

    def __init__(self, key: str = "test-key", plan: FaultPlan | None = None) -> None:
        self.key = key
        self.plan = plan or FaultPlan()
        self.files: dict[str, tuple[bytes, str, int]] = {}
        self.requests: list[Request] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._local = threading.local()

    # -- to implement --

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        """(category, handler) for a request, or None for 404."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> Response:
        """The host's own error shape."""
        return json_response(status, {"error": message})

    def after_fault(self, category: str, fault: Fault, request: Request) -> Response | None:
        """Host-specific fault answers (TASK_FAILS, EXPIRED, HUGE); None = not applicable."""
        return None

    # -- serving --

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0, host: str = "127.0.0.1") -> FakeServer:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                try:
                    response = emulator.dispatch(request)
                except Exception as exc:  # an emulator bug must show, not hang the client
                    traceback.print_exc()
                    response = emulator.error(500, f"emulator crashed: {exc!r}")
                if response.drop:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                size = response.stream_bytes or len(response.body)
                if response.pad:
                    size += 8 + response.pad
                self.send_header("Content-Length", str(size))
                self.end_headers()
                try:
                    if response.stream_bytes:
                        block = b"\0" * 65536
                        for _ in range(0, response.stream_bytes, len(block)):
                            self.wfile.write(block)
                    elif response.slow and response.body:
                        pieces = 10
                        step = max(1, len(response.body) // pieces)
                        for i in range(0, len(response.body), step):
                            self.wfile.write(response.body[i : i + step])
                            self.wfile.flush()
                            time.sleep(response.slow / pieces)
                    else:
                        self.wfile.write(response.body)
                    if response.pad:
                        self.wfile.write((8 + response.pad).to_bytes(4, "big") + b"free")
                        block = b"\0" * 65536
                        for start in range(0, response.pad, len(block)):
                            self.wfile.write(block[: min(len(block), response.pad - start)])
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients hanging up (a killed worker, a refused huge body) are normal here

        server = Server((host, port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def dispatch(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
        if request.method == "GET" and request.path == "/redirect":  # storage-style hop
            return Response(302, b"", {"Location": request.query["to"][0]})
        if request.method == "GET" and request.path.startswith("/files/"):
            category, handler = "download", lambda: self.serve_file(request)
        else:
            found = self.route(request)
            if found is None:
                if self.plain_404:
                    return Response(404, b"404 page not found", {"Content-Type": "text/plain"})
                return self.error(404, f"no route for {request.method} {request.path}")
            category, handler = found
        fault = self.plan.draw(category)
        if fault is Fault.RATE_LIMIT:
            return self.with_headers(
                self.error(429, "rate limit exceeded"), {"Retry-After": self.retry_after}
            )
        if fault is Fault.SERVER_ERROR:
            return self.error(500, "internal server error")
        if fault is Fault.UNAVAILABLE:
            return self.with_headers(
                self.error(503, "service unavailable"), {"Retry-After": self.retry_after}
            )
        if fault is Fault.DROP and category != "create":
            return Response(drop=True)
        if fault is Fault.BAD_SHAPE:
            if category == "create":  # refused inside a 200, as envelope APIs do
                refused = self.error(400, "invalid video format")
                refused.status = 200
                return refused
            return json_response(200, {"unexpected": True})
        special = self.after_fault(category, fault, request) if fault else None
        if special is not None:
            return special
        self._local.fault = fault
        try:
            response = handler()
        finally:
            self._local.fault = None
        if fault is Fault.DROP:  # the create happened; its answer is lost
            return Response(drop=True)
        if fault is Fault.MALFORMED and response.status < 300:
            return Response(200, b'{"code": 200, "data": {"task_id": ', response.headers)
        if fault is Fault.SLOW:
            response.slow = 0.4
        return response

    @property
    def current_fault(self) -> Fault | None:
        """The fault drawn for the request this thread is handling (TASK_FAILS is read here)."""
        return getattr(self._local, "fault", None)

    @staticmethod
    def with_headers(response: Response, headers: dict[str, str]) -> Response:
        response.headers.update(headers)
        return response

    # -- files --

    def add_file(self, data: bytes, ext: str, content_type: str, pad: int = 0) -> str:
        """Serve `data` (plus a `pad`-byte free box) at a fresh URL; uploads lose their padding."""
        token = f"{random.getrandbits(64):016x}"
        with self.lock:
            self.files[token] = (trim_free(data), content_type, pad)
        return f"{self.base_url}/files/{token}.{ext}"

    def file_bytes(self, url: str) -> bytes | None:
        """Bytes of a file this server handed out (a URL the 'host' can fetch)."""
        if not url.startswith(self.base_url + "/files/"):
            return None
        token = url.rsplit("/", 1)[-1].split(".")[0]
        entry = self.files.get(token)
        return entry[0] if entry else None

    def serve_file(self, request: Request) -> Response:
        token = request.path.rsplit("/", 1)[-1].split(".")[0]
        entry = self.files.get(token)
        if entry is None:
            return Response(404, b"<Error><Code>NoSuchKey</Code></Error>")
        data, content_type, pad = entry
        return Response(200, data, {"Content-Type": content_type}, pad=pad)

    def check_key(self, request: Request, header: str, prefix: str = "") -> Response | None:
        value = request.headers.get(header.lower(), "")
        if value != prefix + self.key:
            # Echo what arrived, as careless hosts do: the client must redact it.
            return self.error(401, f"Invalid API key '{value.removeprefix(prefix)}'")
        return None
