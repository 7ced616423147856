"""Rational time: frames and samples from exact rates, with stated rounding."""

from __future__ import annotations

from fractions import Fraction

import pytest

from foleydesk.core.timebase import (
    Rounding,
    as_fraction,
    format_rate,
    frame_to_sample,
    frame_to_time,
    parse_rate,
    sample_to_time,
    snap_to_frame,
    time_to_frame,
    time_to_sample,
)
from foleydesk.errors import UserError

NTSC = Fraction(30000, 1001)
FILM = Fraction(24000, 1001)


def test_whole_samples_per_frame_at_23976() -> None:
    assert all(frame_to_sample(n, FILM) == n * 2002 for n in range(0, 100_000, 997))


def test_2997_places_by_rational_time_not_frames_times_spf() -> None:
    # 1601.6 samples per frame: frame 5 starts at 8008 exactly, frame 1 at 1601.6 -> 1602.
    assert frame_to_sample(5, NTSC) == 8008
    assert frame_to_sample(1, NTSC) == 1602
    assert frame_to_sample(3, NTSC) == 4805  # 4804.8 rounds to nearest
    assert frame_to_sample(3, NTSC, rounding=Rounding.FLOOR) == 4804


def test_time_to_frame_rounding_modes() -> None:
    t = Fraction(45, 10)  # 4.5 s at 29.97 = 134.865 frames
    assert time_to_frame(t, NTSC) == 134
    assert time_to_frame(t, NTSC, Rounding.NEAREST) == 135
    assert time_to_frame(t, NTSC, Rounding.CEIL) == 135
    assert time_to_frame(frame_to_time(134, NTSC), NTSC) == 134
    assert snap_to_frame(Fraction(1, 100), Fraction(25)) == 0
    assert time_to_frame(Fraction(-1, 2), Fraction(1), Rounding.NEAREST) == -1


def test_samples_round_trip() -> None:
    assert time_to_sample(sample_to_time(123_457)) == 123_457
    assert time_to_sample(Fraction(1, 96000)) == 1  # half a sample rounds away from zero


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("23.976", FILM),
        ("29.97", NTSC),
        ("59.94", Fraction(60000, 1001)),
        ("24000/1001", FILM),
        ("25", Fraction(25)),
        ("119.88", Fraction(120000, 1001)),
        ("12.5", Fraction(25, 2)),
    ],
)
def test_parse_rate(text: str, rate: Fraction) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["abc", "0", "25/0", "-25"])
def test_parse_rate_rejects_nonsense(text: str) -> None:
    with pytest.raises(UserError):
        parse_rate(text)


def test_format_rate_names() -> None:
    assert format_rate(FILM) == "23.976"
    assert format_rate(Fraction(50)) == "50"
    assert as_fraction(0.1) == Fraction(1, 10)
