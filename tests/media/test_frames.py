"""FrameSource: the exact picture at any index or time, by pixels."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.media.frames import FrameSource
from foleydesk.media.probe import probe
from tests.media.conftest import VFR_PTS
from tests.media.mediagen import ffmpeg, frame_image, make_video, read_code


def test_exact_frames_at_random_indices(h264_mp4: Path) -> None:
    indices = list(range(75))
    random.Random(7).shuffle(indices)
    with FrameSource(h264_mp4) as source:
        for i in indices[:25]:
            frame = source.frame_at_index(i)
            assert read_code(frame.rgb) == i, f"asked {i}"
            assert frame.index == i and frame.time == Fraction(i, 25)
            assert frame.duration == Fraction(1, 25)


def test_exact_frame_pixels_match_the_source_picture(h264_mp4: Path) -> None:
    with FrameSource(h264_mp4) as source:
        frame = source.frame_at_index(41)
    want = frame_image(41, 320, 240).astype(int)
    assert np.abs(frame.rgb.astype(int) - want).mean() < 4


def test_frame_at_time_is_the_frame_shown_then(h264_mp4: Path) -> None:
    with FrameSource(h264_mp4) as source:
        assert read_code(source.frame_at(Fraction(30, 25)).rgb) == 30  # on the grid
        assert read_code(source.frame_at(Fraction(30, 25) - Fraction(1, 1000)).rgb) == 29
        assert read_code(source.frame_at(Fraction(5)).rgb) == 74  # past the end: last frame
        assert read_code(source.frame_at(Fraction(0)).rgb) == 0


def test_keyframe_seek_lands_on_the_keyframe_before(h264_mp4: Path) -> None:
    with FrameSource(h264_mp4) as source:
        frame = source.frame_at(Fraction(40, 25), exact=False)
        code = read_code(frame.rgb)
        assert frame.keyframe and code <= 40 and code % 12 == 0
        exact = source.frame_at(Fraction(40, 25))  # continues forward from the keyframe
        assert read_code(exact.rgb) == 40


def test_stepping_backwards_frame_by_frame(h264_mp4: Path) -> None:
    with FrameSource(h264_mp4) as source:
        codes = [read_code(source.frame_at_index(i).rgb) for i in range(70, 40, -1)]
        forward = [read_code(source.frame_at_index(i).rgb) for i in range(41, 50)]
    assert codes == list(range(70, 40, -1))
    assert forward == list(range(41, 50))


def test_scaled_in_swscale(h264_mp4: Path) -> None:
    with FrameSource(h264_mp4) as source:
        frame = source.frame_at_index(13, size=(640, 480))
    assert frame.rgb.shape == (480, 640, 3)
    assert read_code(frame.rgb, scale=2.0) == 13


def test_iter_from_decodes_forward(h264_mp4: Path) -> None:
    with FrameSource(h264_mp4) as source:
        frames = source.iter_from(Fraction(50, 25))
        codes = [read_code(next(frames).rgb) for _ in range(10)]
    assert codes == list(range(50, 60))
    with FrameSource(h264_mp4) as source:
        source.frame_at_index(30)  # decodes up to 30 and keeps 19..30 for stepping back
        frames = source.iter_from(Fraction(24, 25))
        codes = [read_code(next(frames).rgb) for _ in range(12)]
    assert codes == list(range(24, 36))


def test_rotation_is_applied(rotated_mp4: Path) -> None:
    with FrameSource(rotated_mp4) as source:
        assert source.rotation == 90 and source.display_size() == (240, 320)
        frame = source.frame_at_index(3)
        small = source.frame_at_index(3, size=(120, 160))
    assert frame.rgb.shape == (320, 240, 3)
    want = np.rot90(frame_image(3, 320, 240)).astype(int)
    assert np.abs(frame.rgb.astype(int) - want).mean() < 4
    assert small.rgb.shape == (160, 120, 3)
    assert read_code(np.rot90(frame.rgb, -1)) == 3


def test_vfr_by_timestamps(vfr_mkv: Path) -> None:
    with FrameSource(vfr_mkv) as source:
        assert source.vfr
        assert read_code(source.frame_at(Fraction(1, 4)).rgb) == 4  # 240 ms .. 400 ms
        assert read_code(source.frame_at(Fraction(39, 100)).rgb) == 4
        frame = source.frame_at(Fraction(2, 5))
        assert read_code(frame.rgb) == 5 and frame.index == 5
        assert frame.duration == Fraction(40, 1000)
        for i in (9, 2, 11, 0):
            got = source.frame_at_index(i)
            assert read_code(got.rgb) == i and got.time == Fraction(VFR_PTS[i], 1000)


def test_mpegts_start_offset(ts_offset: Path) -> None:
    with FrameSource(ts_offset) as source:
        assert source.origin > 10
        assert read_code(source.frame_at(Fraction(0)).rgb) == 0
        assert read_code(source.frame_at_index(37).rgb) == 37
        assert source.frame_at_index(37).time == Fraction(37, 25)


def test_ntsc_rates(ntsc_mp4: tuple[Path, Fraction]) -> None:
    path, rate = ntsc_mp4
    with FrameSource(path) as source:
        assert source.rate == rate
        for i in (33, 1, 17, 39, 16):
            assert read_code(source.frame_at_index(i).rgb) == i
            assert read_code(source.frame_at(Fraction(i) / rate).rgb) == i


@pytest.mark.parametrize("fixture", ["prores_mov", "vp9_webm", "odd_size_mp4", "hevc10_mp4"])
def test_other_sources(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    with FrameSource(path) as source:
        last = 3 if fixture == "odd_size_mp4" else 20
        for i in (last, 1, 2):
            assert read_code(source.frame_at_index(i).rgb) == i
        if fixture == "odd_size_mp4":
            assert source.frame_at_index(0).rgb.shape == (767, 1366, 3)


@pytest.mark.parametrize("ext", ["mkv", "ts"])
def test_millisecond_timestamps_still_name_the_frame(media_dir: Path, ext: str) -> None:
    """Matroska rounds 59.94 timestamps to milliseconds (and a TS remux keeps them)."""
    rate = Fraction(60000, 1001)
    mkv = media_dir / "ms_5994.mkv"
    if not mkv.exists():
        make_video(mkv, rate=rate, frames=40, size=(224, 128), options={"bf": "2"})
    path = mkv
    if ext == "ts":
        path = media_dir / "ms_5994.ts"
        if not path.exists():
            ffmpeg("-i", str(mkv), "-c", "copy", str(path))
    assert probe(path).video.avg_rate == rate
    with FrameSource(path) as source:
        assert source.rate == rate
        for k in (0, 5, 17, 39, 22, 23):
            frame = source.frame_at(Fraction(k) / rate)
            assert read_code(frame.rgb) == k and frame.time == Fraction(k) / rate


def test_one_source_per_worker_thread(h264_mp4: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def worker(offset: int) -> list[int]:
        with FrameSource(h264_mp4) as source:
            return [read_code(source.frame_at_index(i).rgb) for i in range(offset, 75, 7)]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(worker, (0, 3)))
    assert results == [list(range(0, 75, 7)), list(range(3, 75, 7))]
