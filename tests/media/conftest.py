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


@pytest.fixture(scope="session")
def prores_mov(media_dir: Path) -> Path:
    """ProRes 10-bit at 23.976 with 24-bit PCM and a timecode track starting 01:00:00:00."""
    plain = make_video(
        media_dir / "prores_plain.mov",
        codec="prores_ks",
        rate=Fraction(24000, 1001),
        size=(224, 128),
        frames=24,
        pix_fmt="yuv422p10le",
        audio_codec="pcm_s24le",
        audio_data=clicks(48048, 48000, (2402,)),
    )
    path = media_dir / "prores.mov"
    ffmpeg("-i", str(plain), "-map", "0", "-c", "copy", "-timecode", "01:00:00:00", str(path))
    return path


VFR_PTS = (0, 40, 80, 200, 240, 400, 440, 480, 600, 640, 1000, 1040)  # ms


@pytest.fixture(scope="session")
def vfr_mkv(media_dir: Path) -> Path:
    return make_video(
        media_dir / "vfr.mkv",
        frames=len(VFR_PTS),
        size=(224, 128),
        pts=VFR_PTS,
        time_base=Fraction(1, 1000),
        audio_codec=None,
    )


@pytest.fixture(scope="session")
def vp9_webm(media_dir: Path) -> Path:
    return make_video(
        media_dir / "vp9.webm",
        codec="libvpx-vp9",
        size=(224, 128),
        frames=24,
        gop=10,
        options={"deadline": "realtime", "cpu-used": "8", "crf": "10", "b": "0"},
        audio_codec="libopus",
        audio_data=clicks(48000, 48000, (12000,)),
    )


@pytest.fixture(scope="session")
def rotated_mp4(media_dir: Path) -> Path:
    """A phone-style clip: 320x240 stored, display matrix turning it 90 degrees."""
    plain = make_video(media_dir / "unrotated.mp4", frames=10, audio_codec=None)
    path = media_dir / "rotated.mp4"
    ffmpeg("-i", str(plain), "-c", "copy", "-metadata:s:v", "rotate=90", str(path))
    return path


@pytest.fixture(scope="session")
def hevc10_mp4(media_dir: Path) -> Path:
    """10-bit HEVC (Main 10), as phones and mirrorless cameras write it."""
    return make_video(
        media_dir / "hevc10.mp4",
        codec="libx265",
        size=(224, 128),
        frames=24,
        pix_fmt="yuv420p10le",
        options={"x265-params": "log-level=error"},
        audio_codec=None,
    )


@pytest.fixture(scope="session")
def odd_size_mp4(media_dir: Path) -> Path:
    return make_video(
        media_dir / "odd.mp4", size=(1366, 767), frames=4, pix_fmt="yuv444p", audio_codec=None
    )


@pytest.fixture(scope="session", params=["59.94", "23.976"])
def ntsc_mp4(media_dir: Path, request: pytest.FixtureRequest) -> tuple[Path, Fraction]:
    rate = {"59.94": Fraction(60000, 1001), "23.976": Fraction(24000, 1001)}[request.param]
    path = make_video(
        media_dir / f"ntsc_{request.param}.mp4",
        rate=rate,
        size=(224, 128),
        frames=40,
        gop=15,
        options={"bf": "2"},
    )
    return path, rate
