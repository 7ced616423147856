"""Positions as an editor types them -> source frames, one reading for the CLI and the app.

Timecode is the source's own (its start included), counted at the sequence rate where the
picture's rate has no SMPTE timecode (a 12.5 fps clip takes 25 fps labels); clock time
HH:MM:SS.mmm (as the app shows such sources) counts from the start timecode too; seconds count
from the first frame; `NNNf` is a frame number. All snap to the nearest frame.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from foleydesk.core.model import SourceMedia
from foleydesk.core.timebase import Rounding, format_rate, time_to_frame
from foleydesk.core.timecode import DROP_FRAME_RATES, TimecodeFormat, looks_like_timecode
from foleydesk.errors import UserError

_SECONDS_RE = re.compile(r"^\s*\d+(\.\d+)?\s*s?\s*$")
_FRAMES_RE = re.compile(r"^\s*(\d+)\s*f\s*$")
_CLOCK_RE = re.compile(r"^\s*(\d{1,2}):(\d{2}):(\d{2})\.(\d{1,3})(?:\s+(\d+)f)?\s*$")


def parse_position(text: str, source: SourceMedia) -> int:
    """A user's position -> source frame index (see the module's docstring)."""
    if looks_like_timecode(text):
        return source.frame_of_label(text)
    clock = _CLOCK_RE.match(text)
    if clock:
        if clock.group(5):  # "00:00:01.200 30f" as shown: the frame number decides
            return int(clock.group(5))
        hh, mm, ss = (int(clock.group(i)) for i in (1, 2, 3))
        millis = Fraction(int(clock.group(4).ljust(3, "0")), 1000)
        t = hh * 3600 + mm * 60 + ss + millis - source.start_time
        if t < 0:
            raise UserError(
                f"{text.strip()} is before the start of the source ({source.display_at(0)}).",
                "Use a time inside the source.",
            )
        return time_to_frame(t, source.frame_rate, Rounding.NEAREST)
    frames = _FRAMES_RE.match(text)
    if frames:
        return int(frames.group(1))
    if _SECONDS_RE.match(text):
        seconds = Fraction(text.strip().rstrip("s").strip())
        return time_to_frame(seconds, source.frame_rate, Rounding.NEAREST)
    raise UserError(
        f"'{text}' is not a time.",
        "Use seconds (4.5), frames (108f), timecode (00:00:04:12) or clock time (00:00:04.500).",
    )


def start_timecode_change(source: SourceMedia, label: str) -> dict[str, Any]:
    """The source fields for a start timecode the editor typed (counted at the timecode rate;
    ';' before the frames means drop-frame, at 29.97 and 59.94 only). Cues are source frames,
    so every cue stays on its frame."""
    if not looks_like_timecode(label):
        raise UserError(
            f"'{label.strip()}' is not a timecode.", "Write it as HH:MM:SS:FF, e.g. 01:00:00:00."
        )
    rate = source.timecode_rate
    drop = ";" in label
    if drop and rate not in DROP_FRAME_RATES:
        raise UserError(
            f"Drop-frame timecode does not exist at {format_rate(rate)} fps.",
            "Use ':' before the frames.",
        )
    frames = TimecodeFormat.for_rate(rate, drop).to_frames(label)
    return {"start_timecode_frames": frames, "drop_frame": drop, "timecode_source": "user"}
