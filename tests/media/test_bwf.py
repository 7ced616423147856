"""Broadcast WAV: TimeReference as NLEs read it, iXML rate, samples, atomic writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.timecode import TimecodeError, TimecodeFormat
from foleydesk.media.bwf import (
    BwfWriter,
    read_bwf_info,
    read_bwf_samples,
    read_bwf_time_reference,
    time_reference_for,
    write_bwf,
)

NTSC_FILM = Fraction(24000, 1001)
NTSC = Fraction(30000, 1001)


def _ffprobe_time_reference(path: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags=time_reference", "-of", "json",
         str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return int(json.loads(out)["format"]["tags"]["time_reference"])


def _mediainfo_delay_samples(path: Path) -> int:
    out = subprocess.run(
        ["mediainfo", "--Output=JSON", str(path)], check=True, capture_output=True, text=True
    ).stdout
    audio = next(t for t in json.loads(out)["media"]["track"] if t["@type"] == "Audio")
    assert audio["Delay_Source"] == "Container (bext)"
    return round(Fraction(audio["Delay"]) * 48000)


def test_time_reference_at_23976_is_frames_times_2002() -> None:
    frames = TimecodeFormat(NTSC_FILM).to_frames("00:59:59:12")
    assert frames == 86388
    assert time_reference_for(frames, NTSC_FILM) == 172_948_776


def test_time_reference_at_2997_df_rounds_to_nearest_sample() -> None:
    frames = TimecodeFormat(NTSC, True).to_frames("01:00:00;00")
    assert frames == 107_892
    # 107892 x 1601.6 = 172,799,827.2 samples
    assert time_reference_for(frames, NTSC) == 172_799_827
    assert time_reference_for(1, NTSC) == 1602  # 1601.6 rounds up


@pytest.mark.skipif(not shutil.which("mediainfo"), reason="mediainfo not installed")
def test_time_reference_read_back_by_us_ffprobe_and_mediainfo(tmp_path: Path) -> None:
    path = tmp_path / "stem 23.976.wav"
    write_bwf(path, np.zeros((4800, 2), np.float32), 48000, 172_948_776, NTSC_FILM, False)
    assert read_bwf_time_reference(path) == 172_948_776
    assert _ffprobe_time_reference(path) == 172_948_776
    assert _mediainfo_delay_samples(path) == 172_948_776
    info = read_bwf_info(path)
    assert info.timecode_rate == NTSC_FILM
    assert info.timecode_flag == "NDF"
    assert (info.sample_rate, info.channels, info.bits_per_sample, info.frames) == (
        48000,
        2,
        24,
        4800,
    )


def test_drop_frame_flag_and_large_reference(tmp_path: Path) -> None:
    path = tmp_path / "df.wav"
    big = 23 * 3600 * 48000 + 5  # near the end of the day: above 2**31
    write_bwf(path, np.zeros((10, 1), np.float32), 48000, big, NTSC, True, "float32")
    info = read_bwf_info(path)
    assert info.time_reference == big
    assert info.timecode_flag == "DF"
    assert info.float_samples and info.bits_per_sample == 32
    assert _ffprobe_time_reference(path) == big


def test_samples_round_trip_pcm24_and_float(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    data = (rng.uniform(-0.9, 0.9, (1001, 2))).astype(np.float32)
    write_bwf(tmp_path / "a.wav", data, 48000, 0, Fraction(25), False, "pcm24")
    write_bwf(tmp_path / "b.wav", data, 48000, 0, Fraction(25), False, "float32")
    assert np.max(np.abs(read_bwf_samples(tmp_path / "a.wav") - data)) < 2.0 / (1 << 23)
    assert np.array_equal(read_bwf_samples(tmp_path / "b.wav"), data)
    # ffmpeg decodes the same samples (a WAV any tool can read)
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(tmp_path / "a.wav"), "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    decoded = np.frombuffer(raw, "<f4").reshape(-1, 2)
    assert decoded.shape == data.shape
    assert np.max(np.abs(decoded - data)) < 2.0 / (1 << 23)


def test_failed_write_leaves_nothing_under_the_final_name(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    with pytest.raises(RuntimeError), BwfWriter(path, 2, 48000, 0, Fraction(25), False) as w:
        w.write(np.zeros((100, 2), np.float32))
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_survives_a_failed_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    write_bwf(path, np.full((10, 2), 0.5, np.float32), 48000, 7, Fraction(25), False)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), BwfWriter(path, 2, 48000, 9, Fraction(25), False) as w:
        w.write(np.zeros((100, 2), np.float32))
        raise RuntimeError("cancelled")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["stem.wav"]


def test_drop_frame_only_at_ntsc_rates(tmp_path: Path) -> None:
    with pytest.raises(TimecodeError):
        write_bwf(tmp_path / "x.wav", np.zeros((1, 2)), 48000, 0, Fraction(25), True)
    assert not (tmp_path / "x.wav").exists()
