"""ElevenLabs sound generation as its SDK describes it (PROVIDERS.md "ElevenLabs", the note of
issue 14): POST /v1/sound-generation?output_format=... with header `xi-api-key` and JSON
{text, duration_seconds (0.5-30 or null), prompt_influence (0-1), loop, model_id}; the answer is
the audio itself (MP3, or headerless 16-bit PCM for pcm_*), synchronous. Errors: 401/403
{detail: {status, message}}, 422 FastAPI {detail: [{loc, msg, type}]}, 429 with Retry-After.

The account's `tier` decides which output formats are allowed (192 kbps MP3 from Creator, PCM
44.1/48 kHz from Pro, as the SDK documents); a refused format is a 403 naming the format. Text
has no picture: the sound is a click at TEXT_CLICK_SECONDS into the clip over a quiet bed."""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from tests.fakes import media
from tests.fakes.hosts import TaskHost, is_num
from tests.fakes.server import Request, Response, json_response

TEXT_CLICK_SECONDS = Fraction(1, 4)
MAX_SECONDS = 30
TIER_FORMATS = {
    "free": {"mp3_22050_32", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128"},
    "creator": {"mp3_44100_192"},
    "pro": {"pcm_44100", "pcm_48000"},
}
TIERS = ("free", "starter", "creator", "pro")


def allowed(tier: str, fmt: str) -> bool:
    rank = TIERS.index(tier)
    return any(
        fmt in formats and rank >= TIERS.index(needed) for needed, formats in TIER_FORMATS.items()
    )


class ElevenlabsHost(TaskHost):
    name = "elevenlabs"
    output_format = "mp3"
    tier = "pro"  # takes the best format first (tests set "free" or "creator" to see the steps)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bodies: list[Any] = []
        self.formats_asked: list[str] = []

    def error(self, status: int, message: str) -> Response:
        return json_response(status, {"detail": {"status": "error", "message": message}})

    def refusal(self, status: int, code: str, message: str) -> Response:
        return json_response(status, {"detail": {"status": code, "message": message}})

    def check(self, request: Request) -> Response | None:
        if request.headers.get("xi-api-key", "") != self.key:
            return self.refusal(401, "invalid_api_key", "Invalid API key")
        return None

    def route(self, request: Request) -> tuple[str, Callable[[], Response]] | None:
        if request.method == "POST" and request.path == "/v1/sound-generation":
            return "create", self.guarded(lambda: self.generate(request))
        if request.method == "GET" and request.path == "/v1/user":
            return "poll", lambda: self.user(request)
        return None

    def user(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        return json_response(
            200,
            {
                "user_id": "u123",
                "subscription": {"tier": self.tier, "character_count": 0, "character_limit": 10000},
                "is_new_user": False,
            },
        )

    def invalid_field(self, name: str, message: str) -> Response:
        self.invalid.append(f"{name}: {message}")
        return json_response(
            422, {"detail": [{"loc": ["body", name], "msg": message, "type": "value_error"}]}
        )

    def generate(self, request: Request) -> Response:
        if bad := self.check(request):
            return bad
        fmt = (request.query.get("output_format") or ["mp3_44100_128"])[0]
        with self.lock:
            self.formats_asked.append(fmt)
        if not any(fmt in formats for formats in TIER_FORMATS.values()):
            return self.invalid_field("output_format", f"Invalid output format {fmt}")
        if not allowed(self.tier, fmt):
            return self.refusal(
                403,
                "output_format_not_allowed",
                f"The output format {fmt} is not available on your {self.tier} subscription.",
            )
        body = request.json()
        with self.lock:
            self.bodies.append(body)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return self.invalid_field("text", "field required")
        seconds = body.get("duration_seconds")
        if seconds is not None and not (is_num(seconds) and 0.5 <= seconds <= MAX_SECONDS):
            return self.invalid_field(
                "duration_seconds", f"Duration must be between 0.5 and {MAX_SECONDS} seconds"
            )
        influence = body.get("prompt_influence", 0.3)
        if not (is_num(influence) and 0 <= influence <= 1):
            return self.invalid_field("prompt_influence", "must be between 0 and 1")
        length = Fraction(str(seconds)) if seconds is not None else Fraction(5)
        task = self.new_task(text, None, length)
        task.output = self.render(length, fmt)
        time.sleep(self.latency)  # the answer comes when the sound is made
        if task.fails:  # a sound that failed made nothing: no id answered, nothing kept
            with self.lock:
                self.tasks.pop(task.id, None)
            return self.refusal(500, "generation_failed", "Sound generation failed, please retry")
        content_type = "audio/mpeg" if fmt.startswith("mp3") else "application/octet-stream"
        return Response(200, task.output, {"Content-Type": content_type, "request-id": task.id})

    @staticmethod
    def render(length: Fraction, fmt: str) -> bytes:
        codec, rate = fmt.split("_")[0], int(fmt.split("_")[1])
        samples = media.click_track([TEXT_CLICK_SECONDS], length, rate)
        if codec == "pcm":
            return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
        return media.audio_file(samples, "mp3")  # the emulator's MP3s are 44.1 kHz
