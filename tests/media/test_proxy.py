"""Viewer proxies: frame i of the proxy is frame i of the source, by pixels, index and time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from foleydesk.core.project import Project
from foleydesk.media.frames import FrameSource
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.proxy import (
    PROXY_BUDGET_BYTES,
    PROXY_BYTES_PER_FRAME,
    ProxyCancelled,
    build_proxy,
    keyframe_gap,
    load_proxy,
    proxy_path,
    should_build_proxy,
)
from tests.media.conftest import VFR_PTS
from tests.media.mediagen import make_video, read_code

TOLERANCE = 4.0  # mean absolute difference per channel (0..255): JPEG at quantiser 5


@pytest.fixture(scope="session")
def ntsc_2997_mp4(media_dir: Path) -> Path:
    """29.97 fps H.264 with B-frames: timestamps that are not whole milliseconds."""
    return make_video(
        media_dir / "ntsc_2997.mp4",
        rate=Fraction(30000, 1001),
        size=(224, 128),
        frames=30,
        gop=15,
        options={"bf": "2"},
        audio_codec=None,
    )


# (fixture, max_width, proxy size as shown, scale of the frame code in the proxy)
CASES = [
    ("h264_mp4", 160, (160, 120), 0.5),
    ("ntsc_2997_mp4", 224, (224, 128), 1.0),
    ("rotated_mp4", 240, (240, 320), 1.0),
    ("vfr_mkv", 112, (112, 64), 0.5),
    ("ts_offset", 160, (160, 120), 0.5),  # timestamps start 10 s in: file time still 0
]


@pytest.mark.parametrize(("fixture", "max_width", "size", "scale"), CASES)
def test_proxy_frame_i_is_source_frame_i(
    fixture: str,
    max_width: int,
    size: tuple[int, int],
    scale: float,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    source: Path = request.getfixturevalue(fixture)
    proxy = build_proxy(source, tmp_path / "proxy.mov", max_width=max_width)
    count = len(VFR_PTS) if fixture == "vfr_mkv" else probe(source).video.frame_count
    with FrameSource(source) as plain, FrameSource(source, proxy=proxy) as fast:
        assert fast.proxy == proxy
        for i in reversed(range(count)):  # backwards: every request is a seek in the source
            got = fast.frame_at_index(i, size)
            want = plain.frame_at_index(i, size)
            assert got.rgb.shape == (size[1], size[0], 3)
            code = np.rot90(got.rgb, -1) if fixture == "rotated_mp4" else got.rgb
            assert read_code(code, scale) == i, f"proxy frame {i}"
            assert (got.index, got.time, got.duration) == (want.index, want.time, want.duration)
            diff = np.abs(got.rgb.astype(int) - want.rgb.astype(int)).mean()
            assert diff < TOLERANCE, f"frame {i} differs by {diff:.2f}"


def test_proxy_is_all_intra_with_the_source_times(vfr_mkv: Path, tmp_path: Path) -> None:
    proxy = build_proxy(vfr_mkv, tmp_path / "vfr.mov", max_width=112)
    with av.open(str(proxy)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        assert all(p.is_keyframe for p in packets)
        base = stream.time_base
        assert base is not None
        stamps = [Fraction(p.pts or 0) * base for p in packets]
    assert stamps == [Fraction(ms, 1000) for ms in VFR_PTS]


def test_times_between_frames_and_iteration(vfr_mkv: Path, h264_mp4: Path, tmp_path: Path) -> None:
    vfr_proxy = build_proxy(vfr_mkv, tmp_path / "vfr.mov", max_width=112)
    with FrameSource(vfr_mkv, proxy=vfr_proxy) as source:
        assert source.proxy == vfr_proxy
        frame = source.frame_at(Fraction(39, 100), (112, 64))  # 240 ms .. 400 ms: frame 4
        assert read_code(frame.rgb, 0.5) == 4 and frame.index == 4
        assert frame.time == Fraction(240, 1000) and frame.duration == Fraction(160, 1000)
        assert read_code(source.frame_at(Fraction(9), (112, 64)).rgb, 0.5) == 11  # past the end
    proxy = build_proxy(h264_mp4, tmp_path / "h264.mov", max_width=160)
    with FrameSource(h264_mp4, proxy=proxy) as source:
        frames = source.iter_from(Fraction(50, 25), (160, 120))
        got = [next(frames) for _ in range(10)]
        assert [read_code(f.rgb, 0.5) for f in got] == list(range(50, 60))
        assert [f.index for f in got] == list(range(50, 60))
        assert (
            read_code(source.frame_at(Fraction(30, 25) - Fraction(1, 1000), (160, 120)).rgb, 0.5)
            == 29
        )
        quick = source.frame_at(Fraction(40, 25), (160, 120), exact=False)
        assert read_code(quick.rgb, 0.5) == 40  # every proxy frame is a keyframe


def test_larger_than_the_proxy_comes_from_the_source(h264_mp4: Path, tmp_path: Path) -> None:
    proxy = build_proxy(h264_mp4, tmp_path / "small.mov", max_width=160)
    with FrameSource(h264_mp4) as plain, FrameSource(h264_mp4, proxy=proxy) as fast:
        for i in (41, 3):
            got = fast.frame_at_index(i, (320, 240))
            assert np.array_equal(got.rgb, plain.frame_at_index(i, (320, 240)).rgb)
            assert np.array_equal(fast.frame_at_index(i).rgb, plain.frame_at_index(i).rgb)


def test_cancel_leaves_no_file(h264_mp4: Path, tmp_path: Path) -> None:
    cancel = threading.Event()
    seen: list[float] = []

    def progress(done: float) -> None:
        seen.append(done)
        cancel.set()

    out = tmp_path / "cancelled.mov"
    with pytest.raises(ProxyCancelled):
        build_proxy(h264_mp4, out, max_width=160, progress=progress, cancel=cancel)
    assert seen and not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_one(h264_mp4: Path, tmp_path: Path) -> None:
    seen: list[float] = []
    build_proxy(h264_mp4, tmp_path / "p.mov", max_width=160, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


def test_a_proxy_of_another_source_is_never_used(
    h264_mp4: Path, ntsc_2997_mp4: Path, tmp_path: Path
) -> None:
    other = build_proxy(ntsc_2997_mp4, tmp_path / "other.mov", max_width=224)
    with FrameSource(h264_mp4, proxy=other) as source:
        assert source.proxy is None
        assert read_code(source.frame_at_index(60, (160, 120)).rgb, 0.5) == 60
    with Project.create(tmp_path / "p.foleydesk", source_media_from_info(probe(h264_mp4))) as p:
        assert load_proxy(p) is None
        target = proxy_path(p)
        assert target.parent == p.cache_dir
        shutil.copy(other, target)  # a stale proxy under this project's name
        assert load_proxy(p) is None
        build_proxy(h264_mp4, target)
        assert load_proxy(p) == target
        assert proxy_path(p, 480) != target


@pytest.fixture(scope="session")
def long_gop_mp4(media_dir: Path) -> Path:
    """320x240, 4 s with one keyframe: exact seeks decode up to 100 frames."""
    return make_video(media_dir / "long_gop.mp4", frames=100, gop=250, audio_codec=None)


def test_auto_builds_for_long_gop_only(h264_mp4: Path, long_gop_mp4: Path) -> None:
    """GOP 12 at 25 fps (0.48 s between keyframes, 320 px) is quick to seek: no proxy."""
    assert keyframe_gap(h264_mp4) == Fraction(12, 25)
    assert keyframe_gap(long_gop_mp4) == Fraction(3)  # no keyframe in the 3 s scanned
    assert not should_build_proxy(h264_mp4, "auto")
    assert should_build_proxy(long_gop_mp4, "auto")
    assert should_build_proxy(h264_mp4, "always")
    assert not should_build_proxy(long_gop_mp4, "off")


def test_auto_weighs_width_and_the_size_budget(h264_mp4: Path, long_gop_mp4: Path) -> None:
    info = probe(h264_mp4)
    wide = replace(info, video=replace(info.video, width=1920, display_width=1920))
    assert should_build_proxy(wide, "auto")
    frames = PROXY_BUDGET_BYTES // PROXY_BYTES_PER_FRAME + 1  # over 2 GB: ~41 min at 30 fps
    long = probe(long_gop_mp4)
    assert should_build_proxy(
        replace(long, video=replace(long.video, frame_count=frames - 1)), "auto"
    )
    assert not should_build_proxy(
        replace(long, video=replace(long.video, frame_count=frames)), "auto"
    )
    assert should_build_proxy(
        replace(long, video=replace(long.video, frame_count=frames)), "always"
    )


def test_a_killed_build_leaves_nothing_behind_for_long(h264_mp4: Path, tmp_path: Path) -> None:
    out = tmp_path / "cache" / "p.mov"
    out.parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out.parent / f".proxy.{dead.pid}.abc123.mov"  # a build whose process was killed
    stale.write_bytes(b"half a proxy")
    mine = out.parent / f".proxy.{os.getpid()}.live.mov"  # a build of a live process
    mine.write_bytes(b"in progress")
    build_proxy(h264_mp4, out, max_width=160)
    assert out.is_file()
    assert not stale.exists()
    assert mine.exists()
