"""SMPTE ST 12-1 timecode: labels <-> frame counts for every standard rate, DF and NDF.

A timecode label counts frames at the nominal (integer) rate; drop-frame skips labels, never
frames, and only exists at 30000/1001 and 60000/1001. A source's start timecode is a frame count
that offsets every position leaving the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from foleydesk.core.timebase import Rounding, format_rate, time_to_frame
from foleydesk.errors import UserError

DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))
FRAMES_PER_DAY_FACTOR = 24 * 3600


class TimecodeError(UserError):
    """A timecode label that cannot exist at the rate it was given for."""


_TC_RE = re.compile(r"^\s*(-)?(\d{1,2})[:;.,](\d{2})[:;.,](\d{2})([:;.,])(\d{2,3})\s*$")


@dataclass(frozen=True)
class TimecodeFormat:
    """How labels count at one frame rate: nominal frames per second and drop-frame or not."""

    rate: Fraction
    drop_frame: bool = False

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise TimecodeError("A timecode rate must be above zero.")
        if self.drop_frame and self.rate not in DROP_FRAME_RATES:
            raise TimecodeError(
                f"Drop-frame timecode does not exist at {format_rate(self.rate)} fps.",
                "Drop-frame is only defined for 29.97 and 59.94.",
            )

    @classmethod
    def for_rate(cls, rate: Fraction, drop_frame: bool | None = None) -> TimecodeFormat:
        """The usual format for a rate: DF at 29.97/59.94 unless told otherwise."""
        if drop_frame is None:
            drop_frame = rate in DROP_FRAME_RATES
        return cls(rate, drop_frame and rate in DROP_FRAME_RATES)

    @property
    def nominal(self) -> int:
        """Frames per timecode second (24 for 23.976, 30 for 29.97)."""
        return round(self.rate)

    @property
    def dropped_per_minute(self) -> int:
        """Labels skipped at the start of each minute not divisible by ten (2 or 4)."""
        return self.nominal // 15 if self.drop_frame else 0

    @property
    def separator(self) -> str:
        return ";" if self.drop_frame else ":"

    @property
    def frames_per_day(self) -> int:
        if not self.drop_frame:
            return self.nominal * FRAMES_PER_DAY_FACTOR
        return 24 * 6 * self._frames_per_ten_minutes()

    def _frames_per_ten_minutes(self) -> int:
        return self.nominal * 600 - self.dropped_per_minute * 9

    # -- labels -> frames ---------------------------------------------------------------------

    def to_frames(self, label: str) -> int:
        """Frame count of a label like 01:00:00;00; raises TimecodeError for impossible labels."""
        match = _TC_RE.match(label)
        if not match:
            raise TimecodeError(
                f"'{label.strip()}' is not a timecode.",
                "Write it as HH:MM:SS:FF, e.g. 00:00:04:12.",
            )
        if match.group(1):
            raise TimecodeError(
                f"'{label.strip()}' is negative.", "Timecodes start at 00:00:00:00."
            )
        hh, mm, ss, ff = (int(match.group(i)) for i in (2, 3, 4, 6))
        where = f"'{label.strip()}' at {format_rate(self.rate)} fps"
        if hh > 23 or mm > 59 or ss > 59:
            raise TimecodeError(
                f"{where} is not a valid timecode.", "Hours go to 23, minutes and seconds to 59."
            )
        if ff >= self.nominal:
            raise TimecodeError(
                f"{where} has frame {ff}, but frames only go to {self.nominal - 1}.",
                "Check the frame rate of the source.",
            )
        drop = self.dropped_per_minute
        if drop and ss == 0 and ff < drop and mm % 10 != 0:
            raise TimecodeError(
                f"{where} does not exist in drop-frame timecode.",
                f"Frames 00 to {drop - 1:02d} are skipped at the start of each minute except "
                "every tenth; use the next frame.",
            )
        total_minutes = hh * 60 + mm
        frames = (hh * 3600 + mm * 60 + ss) * self.nominal + ff
        return frames - drop * (total_minutes - total_minutes // 10)

    # -- frames -> labels ---------------------------------------------------------------------

    def to_label(self, frames: int) -> str:
        """Label of a frame count; counts past 24 hours wrap as timecode does."""
        if frames < 0:
            raise TimecodeError("A position before 00:00:00:00 has no timecode.")
        frames %= self.frames_per_day
        drop = self.dropped_per_minute
        if drop:
            per_ten = self._frames_per_ten_minutes()
            per_minute = self.nominal * 60 - drop
            tens, rest = divmod(frames, per_ten)
            frames += 9 * drop * tens
            if rest > drop:
                frames += drop * ((rest - drop) // per_minute)
        ff = frames % self.nominal
        total_seconds = frames // self.nominal
        ss = total_seconds % 60
        mm = (total_seconds // 60) % 60
        hh = total_seconds // 3600
        return f"{hh:02d}:{mm:02d}:{ss:02d}{self.separator}{ff:02d}"

    # -- times within a source ------------------------------------------------------------------

    def label_at(self, t: Fraction, start_frames: int = 0) -> str:
        """The label shown at time `t` (seconds from the source's first frame)."""
        return self.to_label(start_frames + time_to_frame(t, self.rate, Rounding.FLOOR))

    def time_of(self, label: str, start_frames: int = 0) -> Fraction:
        """Seconds from the source's first frame to the frame labelled `label`."""
        offset = self.to_frames(label) - start_frames
        if offset < 0:
            raise TimecodeError(
                f"{label.strip()} is before the start of the source "
                f"({self.to_label(start_frames)}).",
                "Use a timecode inside the source.",
            )
        return Fraction(offset) / self.rate


def looks_like_timecode(text: str) -> bool:
    """True when the text has the HH:MM:SS:FF shape (as opposed to plain seconds)."""
    return bool(_TC_RE.match(text))
