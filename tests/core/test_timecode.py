"""SMPTE timecode at every ST 12-1 rate: known values, round trips and impossible labels."""

from __future__ import annotations

from fractions import Fraction

import pytest

from foleydesk.core.timebase import STANDARD_RATES
from foleydesk.core.timecode import TimecodeError, TimecodeFormat, looks_like_timecode

DF2997 = TimecodeFormat(Fraction(30000, 1001), drop_frame=True)
DF5994 = TimecodeFormat(Fraction(60000, 1001), drop_frame=True)

ALL_FORMATS = [TimecodeFormat(rate) for rate in STANDARD_RATES.values()] + [DF2997, DF5994]


@pytest.mark.parametrize(
    ("frames", "label"),
    [
        (0, "00:00:00;00"),
        (1799, "00:00:59;29"),
        (1800, "00:01:00;02"),
        (17982, "00:10:00;00"),
        (107892, "01:00:00;00"),
        (107892 + 1800, "01:01:00;02"),
        (2589407, "23:59:59;29"),
    ],
)
def test_drop_frame_2997_known_values(frames: int, label: str) -> None:
    assert DF2997.to_label(frames) == label
    assert DF2997.to_frames(label) == frames


def test_drop_frame_label_after_minute_boundary_skips_two_numbers() -> None:
    assert DF2997.to_label(DF2997.to_frames("00:00:59;29") + 1) == "00:01:00;02"


def test_drop_frame_5994_skips_four_numbers() -> None:
    assert DF5994.to_label(DF5994.to_frames("00:00:59;59") + 1) == "00:01:00;04"
    assert DF5994.to_frames("00:10:00;00") == 35964
    assert DF5994.to_frames("01:00:00;00") == 215784


@pytest.mark.parametrize(
    "fmt", ALL_FORMATS, ids=lambda f: f"{float(f.rate):.3f}{'DF' if f.drop_frame else ''}"
)
def test_every_rate_round_trips_a_whole_day(fmt: TimecodeFormat) -> None:
    step = 997  # a prime stride visits every label position over a day
    for frames in range(0, fmt.frames_per_day, step * fmt.nominal):
        for offset in (0, 1, fmt.nominal - 1):
            n = min(frames + offset, fmt.frames_per_day - 1)
            assert fmt.to_frames(fmt.to_label(n)) == n


@pytest.mark.parametrize(
    ("rate", "label", "frames"),
    [
        (Fraction(24000, 1001), "00:59:59:12", 86388),
        (Fraction(24), "01:00:00:00", 86400),
        (Fraction(25), "10:00:00:00", 900000),
        (Fraction(30000, 1001), "00:01:00:00", 1800),  # NDF at 29.97 counts every label
        (Fraction(48000, 1001), "00:00:01:47", 95),
        (Fraction(50), "00:00:02:49", 149),
        (Fraction(60), "00:00:01:59", 119),
    ],
)
def test_non_drop_known_values(rate: Fraction, label: str, frames: int) -> None:
    fmt = TimecodeFormat(rate)
    assert fmt.to_frames(label) == frames
    assert fmt.to_label(frames) == label


@pytest.mark.parametrize(
    ("fmt", "label", "says"),
    [
        (TimecodeFormat(Fraction(25)), "00:00:00:25", "frames only go to 24"),
        (TimecodeFormat(Fraction(24000, 1001)), "00:00:00:24", "frames only go to 23"),
        (DF2997, "00:01:00;00", "does not exist in drop-frame"),
        (DF2997, "00:01:00;01", "does not exist in drop-frame"),
        (DF5994, "00:02:00;03", "does not exist in drop-frame"),
        (TimecodeFormat(Fraction(25)), "00:60:00:00", "not a valid timecode"),
        (TimecodeFormat(Fraction(25)), "24:00:00:00", "not a valid timecode"),
        (TimecodeFormat(Fraction(25)), "1:2:3", "not a timecode"),
        (TimecodeFormat(Fraction(25)), "-00:00:01:00", "negative"),
    ],
)
def test_impossible_labels_raise_clear_errors(fmt: TimecodeFormat, label: str, says: str) -> None:
    with pytest.raises(TimecodeError, match=says):
        fmt.to_frames(label)


def test_tenth_minute_keeps_its_first_frames() -> None:
    assert DF2997.to_frames("00:10:00;00") == 17982
    assert DF2997.to_frames("00:20:00;01") == 2 * 17982 + 1


def test_drop_frame_only_at_ntsc_30_and_60() -> None:
    with pytest.raises(TimecodeError, match=r"only defined for 29\.97 and 59\.94"):
        TimecodeFormat(Fraction(25), drop_frame=True)
    assert TimecodeFormat.for_rate(Fraction(30000, 1001)).drop_frame
    assert not TimecodeFormat.for_rate(Fraction(24000, 1001)).drop_frame


def test_start_timecode_offsets_positions() -> None:
    fmt = TimecodeFormat(Fraction(24000, 1001))
    start = fmt.to_frames("00:59:58:00")
    assert fmt.label_at(Fraction(0), start) == "00:59:58:00"
    assert fmt.label_at(Fraction(2002, 1000), start) == "01:00:00:00"  # 48 frames of 1001/24000
    assert fmt.time_of("01:00:00:00", start) == Fraction(48 * 1001, 24000)
    with pytest.raises(TimecodeError, match="before the start"):
        fmt.time_of("00:59:57:23", start)


def test_labels_wrap_after_a_day() -> None:
    fmt = TimecodeFormat(Fraction(25))
    assert fmt.to_label(fmt.frames_per_day + 5) == "00:00:00:05"


def test_looks_like_timecode() -> None:
    assert looks_like_timecode("00:00:04:12")
    assert looks_like_timecode("01:00:00;00")
    assert not looks_like_timecode("4.5")
