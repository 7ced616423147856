"""Session-wide test media (small, generated once per run)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.media.mediagen import clicks, ffmpeg, make_audio, make_video

CLICKS_48K = (4800, 48000 + 123)  # samples of the clicks in the H.264 fixture's audio


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def h264_mp4(media_dir: Path) -> Path:
    """320x240 25 fps, 75 frames, GOP 12 with B-frames, AAC stereo with clicks."""
    return make_video(
        media_dir / "h264.mp4",
        frames=75,
        options={"bf": "2"},
        audio_data=clicks(3 * 48000, 48000, CLICKS_48K),
    )


@pytest.fixture(scope="session")
def click_m4a(media_dir: Path) -> Path:
    """AAC in MP4 (44.1 kHz mono) with clicks at samples 0 and 22050: priming must be gone."""
    return make_audio(
        media_dir / "click.m4a",
        clicks(44100, 44100, (0, 22050), channels=1),
        codec="aac",
        rate=44100,
        layout="mono",
    )


@pytest.fixture(scope="session")
def surround_mp4(media_dir: Path) -> Path:
    """Video with 5.1 AAC: a 1 kHz tone in the centre channel, 300 Hz in the LFE, silence else."""
    n = 48000
    t = np.arange(n) / 48000
    data = np.zeros((6, n), np.float32)
    data[2] = 0.5 * np.sin(2 * np.pi * 1000 * t)  # FC
    data[3] = 0.5 * np.sin(2 * np.pi * 300 * t)  # LFE
    data[4] = 0.0
    return make_video(
        media_dir / "surround.mp4",
        frames=25,
        size=(160, 120),
        audio_layout="5.1",
        audio_data=data,
    )


@pytest.fixture(scope="session")
def ts_offset(media_dir: Path, h264_mp4: Path) -> Path:
    """MPEG-TS whose timestamps start 10 s in."""
    path = media_dir / "offset.ts"
    ffmpeg("-i", str(h264_mp4), "-c", "copy", "-output_ts_offset", "10", "-f", "mpegts", str(path))
    return path


def rate_of(value: str) -> Fraction:
    return Fraction(value)
