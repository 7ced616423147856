"""ElevenLabs sound generation, kept apart from the HTTP plumbing: which output format to ask for
(the best the account's plan allows), turning what arrives into a file the decoder reads, and
what to say when a cue is longer than one generation can be.

Facts (elevenlabs-python's text_to_sound_effects client; docs/providers.md): the answer is the
audio bytes; `output_format` is a query parameter; pcm_* formats are headerless 16-bit
little-endian mono PCM; PCM at 44.1/48 kHz needs a Pro plan and 192 kbps MP3 a Creator plan;
duration_seconds 0.5-30 (null lets the model choose).
"""

from __future__ import annotations

import io
import wave
from fractions import Fraction

import httpx

from foleydesk.providers.http import error_text

# Best first: 48 kHz PCM is our take's own rate (no resampling, no codec); MP3 128 works on all.
FORMATS = ("pcm_48000", "mp3_44100_192", "mp3_44100_128")
MIN_SECONDS = Fraction(1, 2)
MAX_SECONDS = Fraction(30)
FORMAT_WORDS = ("output_format", "output format", "subscription", "tier", "plan")


def format_refused(response: httpx.Response) -> bool:
    """A 4xx that turns down the output format for the plan (not the key, not the prompt)."""
    if response.status_code not in (400, 402, 403, 422):
        return False
    words = error_text(response).lower()
    return any(word in words for word in FORMAT_WORDS) and "api key" not in words


def next_format(current: str) -> str | None:
    index = FORMATS.index(current) if current in FORMATS else len(FORMATS)
    return FORMATS[index + 1] if index + 1 < len(FORMATS) else None


def as_file(data: bytes, fmt: str) -> tuple[bytes, str]:
    """(file bytes, suffix) for what arrived: PCM wrapped in a WAV header (it has none),
    anything else passed on for the decoder to recognise (an MP3, or a plan's fallback)."""
    if fmt.startswith("pcm_") and not data.startswith((b"RIFF", b"ID3", b"\xff\xfb", b"\xff\xf3")):
        rate = int(fmt.split("_")[1])
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(data[: len(data) // 2 * 2])
        return buffer.getvalue(), ".wav"
    if data.startswith(b"RIFF"):
        return data, ".wav"
    return data, ".mp3"


def without_length_limit(problems: list[str], maximum: Fraction) -> list[str]:
    """A text sound's problems less "the range is too long": its first part is made instead
    (and `longer_than_one_generation` says so)."""
    limit = f"at most {float(maximum):g} s."
    return [p for p in problems if not (p.startswith("The range is") and limit in p)]


def seconds_to_ask(duration: Fraction, maximum: Fraction = MAX_SECONDS) -> float:
    """The length to generate for a cue: the cue's, within what one generation can be."""
    return float(max(MIN_SECONDS, min(duration, maximum)))


def longer_than_one_generation(duration: Fraction, maximum: Fraction = MAX_SECONDS) -> str:
    """What the inspector says for a cue past the maximum ('' when it fits): the first part is
    made and placed at the cue's in point; the rest is for a loop or a second take."""
    if duration <= maximum:
        return ""
    rest = float(duration - maximum)
    return (
        f"One ElevenLabs sound is at most {float(maximum):g} s: the first "
        f"{float(maximum):g} s are generated and placed at the cue's in point; the last "
        f"{rest:.1f} s stay silent until you loop the take or make a second take for them "
        "(split the cue at the limit)."
    )
