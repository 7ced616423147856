"""Rational time: seconds as Fractions, frames on a rate, samples at a sample rate.

Placement never goes through floats: a position is a Fraction of seconds or an integer count,
and every conversion states how it rounds.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from fractions import Fraction

from foleydesk.errors import UserError

PROJECT_SAMPLE_RATE = 48_000

# Frame rates as editors name them, mapped to their exact rational values.
STANDARD_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "47.952": Fraction(48000, 1001),
    "48": Fraction(48),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}


class Rounding(Enum):
    """How a time that falls between two grid points picks one."""

    FLOOR = "floor"  # the grid point at or before (the frame whose span contains the time)
    NEAREST = "nearest"  # the closest grid point, halves away from zero
    CEIL = "ceil"  # the grid point at or after


def _round(value: Fraction, rounding: Rounding) -> int:
    if rounding is Rounding.FLOOR:
        return math.floor(value)
    if rounding is Rounding.CEIL:
        return math.ceil(value)
    # NEAREST: half away from zero, which is what editors expect (0.5 frame -> frame 1).
    if value >= 0:
        return math.floor(value + Fraction(1, 2))
    return -math.floor(-value + Fraction(1, 2))


def as_fraction(value: Fraction | int | str | float) -> Fraction:
    """A Fraction from an exact source; floats go through their decimal text, not binary."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def frame_to_time(frame: int, rate: Fraction) -> Fraction:
    """Start time of frame `frame` on a grid of `rate` frames per second."""
    return Fraction(frame) / rate


def time_to_frame(t: Fraction, rate: Fraction, rounding: Rounding = Rounding.FLOOR) -> int:
    """Frame index for a time; FLOOR gives the frame being shown at `t`."""
    return _round(t * rate, rounding)


def time_to_sample(
    t: Fraction, sample_rate: int = PROJECT_SAMPLE_RATE, rounding: Rounding = Rounding.NEAREST
) -> int:
    """Sample index for a time (nearest by default: placement error stays under half a sample)."""
    return _round(t * sample_rate, rounding)


def sample_to_time(sample: int, sample_rate: int = PROJECT_SAMPLE_RATE) -> Fraction:
    """Exact time of a sample index."""
    return Fraction(sample, sample_rate)


def frame_to_sample(
    frame: int,
    rate: Fraction,
    sample_rate: int = PROJECT_SAMPLE_RATE,
    rounding: Rounding = Rounding.NEAREST,
) -> int:
    """Sample where frame `frame` starts, computed from rational time (never frames x spf)."""
    return time_to_sample(frame_to_time(frame, rate), sample_rate, rounding)


def snap_to_frame(t: Fraction, rate: Fraction, rounding: Rounding = Rounding.NEAREST) -> Fraction:
    """The time of the grid point that `t` rounds to."""
    return frame_to_time(time_to_frame(t, rate, rounding), rate)


_RATE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s*/\s*(\d+))?\s*$")


def parse_rate(text: str) -> Fraction:
    """A frame rate from '24000/1001', '23.976', '29.97' or '25' (exact NTSC values)."""
    match = _RATE_RE.match(text)
    if not match:
        raise UserError(
            f"'{text}' is not a frame rate.", "Use a number like 25, 23.976 or 30000/1001."
        )
    if match.group(2):
        den = int(match.group(2))
        if den == 0:
            raise UserError(f"'{text}' is not a frame rate.", "The denominator cannot be zero.")
        rate = Fraction(match.group(1)) / den
    else:
        key = match.group(1)
        rate = STANDARD_RATES.get(key) or _ntsc_from_decimal(Fraction(key))
    if rate <= 0:
        raise UserError(f"'{text}' is not a frame rate.", "A frame rate must be above zero.")
    return rate


def _ntsc_from_decimal(value: Fraction) -> Fraction:
    """29.97-style decimals mean the exact x1000/1001 rate when they are within 0.01 of one."""
    nominal = round(value * Fraction(1001, 1000))
    ntsc = Fraction(nominal * 1000, 1001)
    if nominal > 0 and value != nominal and abs(ntsc - value) < Fraction(1, 100):
        return ntsc
    return value


def format_rate(rate: Fraction) -> str:
    """A frame rate as editors write it: 23.976, 29.97, 25, 59.94."""
    for name, value in STANDARD_RATES.items():
        if value == rate:
            return name
    if rate.denominator == 1:
        return str(rate.numerator)
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def is_standard_rate(rate: Fraction) -> bool:
    """True for the rates SMPTE timecode and every NLE's sequence settings know."""
    return rate in STANDARD_RATES.values()


def conform_rate(rate: Fraction, vfr: bool = False) -> Fraction:
    """The standard rate an NLE would put footage of `rate` on: the rate itself when standard;
    a whole multiple when one is standard (12.5 -> 25, 10 and 15 -> 30, 6 -> 24); else the
    nearest standard rate (29.83 -> 29.97; VFR by its average)."""
    if rate <= 0:
        return Fraction(25)
    if is_standard_rate(rate) and not vfr:
        return rate
    if not vfr:
        for factor in (2, 3, 4):
            if is_standard_rate(rate * factor) and rate * factor <= 30:
                return rate * factor
    return min(STANDARD_RATES.values(), key=lambda standard: (abs(standard - rate), standard))


def clock_text(t: Fraction) -> str:
    """HH:MM:SS.mmm (milliseconds truncated, so a frame never shows a later millisecond)."""
    millis = max(0, math.floor(t * 1000))
    seconds, ms = divmod(millis, 1000)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}.{ms:03d}"


def seconds_text(t: Fraction, places: int = 3) -> str:
    """Seconds for display (rounded for people; identity always stays rational)."""
    return f"{float(t):.{places}f}"
