"""Segments: the first frame is the source frame at `in`, by pixels; constant rate; limits."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from foleydesk.cli import main
from foleydesk.core.model import Cue
from foleydesk.core.project import Project
from foleydesk.media.audio import decode_audio
from foleydesk.media.frames import FrameSource
from foleydesk.media.probe import MediaError, probe, source_media_from_info
from foleydesk.media.segments import (
    SegmentSpec,
    cached_segment,
    cut_segment,
    plan_chunks,
    segment_cache_path,
    stitch_chunks,
)
from tests.media.conftest import CLICKS_48K
from tests.media.mediagen import make_video, read_code


def frames_of(path: Path) -> list[tuple[Fraction, np.ndarray]]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return [(Fraction(f.pts) * s.time_base, f.to_ndarray(format="rgb24")) for f in c.decode(s)]


@pytest.fixture(scope="session")
def big_h264(media_dir: Path) -> Path:
    """640x480 at 30 fps so the segment really scales (to 480 short side: 640x480 stays)."""
    return make_video(media_dir / "big.mp4", size=(800, 600), rate=Fraction(30), frames=60, gop=30)


def test_first_frame_is_the_source_frame_at_in(big_h264: Path, tmp_path: Path) -> None:
    start, end = Fraction(17, 30), Fraction(47, 30)  # frames 17..47, 1 s
    out = cut_segment(big_h264, start, end, SegmentSpec(), tmp_path / "seg.mp4")
    info = probe(out)
    assert (info.video.width, info.video.height) == (640, 480)
    assert info.video.avg_rate == 25 and not info.video.vfr
    frames = frames_of(out)
    assert len(frames) == 25
    assert abs(info.duration - (end - start)) <= Fraction(1, 25)
    with FrameSource(big_h264) as source:
        want = source.frame_at(start, size=(640, 480)).rgb
    first = frames[0][1]
    assert read_code(first, 640 / 800) == 17
    assert np.abs(first.astype(int) - want.astype(int)).mean() < 6
    # Frame k shows the source frame at start + k/25 (30 fps source: k*30/25 frames in).
    for k in (1, 7, 24):
        assert read_code(frames[k][1], 640 / 800) == 17 + (k * 30) // 25
    assert frames[0][0] == 0 and frames[-1][0] == Fraction(24, 25)


def test_segment_audio_is_the_range(h264_mp4: Path, tmp_path: Path) -> None:
    start = Fraction(4, 25)  # 7680
    out = cut_segment(h264_mp4, start, Fraction(44, 25), SegmentSpec(), tmp_path / "a.mp4")
    audio = decode_audio(out)
    peak = int(np.argmax(np.abs(audio[:, 0])))
    assert abs(peak - (CLICKS_48K[1] - 7680)) <= 2
    assert abs(audio.shape[0] - 76800) <= 1024
    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # faststart


@pytest.mark.parametrize("fixture", ["rotated_mp4", "vfr_mkv", "ts_offset"])
def test_segment_sources(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    path: Path = request.getfixturevalue(fixture)
    start = Fraction(4, 25)  # frame 4 at 25 fps; the VFR file shows frame 2 (80..200 ms) then
    out = cut_segment(path, start, start + Fraction(8, 25), SegmentSpec(), tmp_path / "s.mp4")
    frames = frames_of(out)
    assert len(frames) == 8
    first = frames[0][1]
    if fixture == "rotated_mp4":
        assert first.shape == (320, 240, 3)
        first = np.rot90(first, -1)
    assert read_code(first) == (2 if fixture == "vfr_mkv" else 4)


def test_size_limit_retries_lower(big_h264: Path, tmp_path: Path) -> None:
    free = cut_segment(big_h264, Fraction(0), Fraction(2), SegmentSpec(crf=10), tmp_path / "f.mp4")
    limit = free.stat().st_size // 3
    spec = SegmentSpec(crf=10, max_bytes=limit)
    out = cut_segment(big_h264, Fraction(0), Fraction(2), spec, tmp_path / "l.mp4")
    assert out.stat().st_size <= limit
    with pytest.raises(MediaError, match="fit"):
        cut_segment(big_h264, 0, 2, SegmentSpec(max_bytes=2000), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()
    with pytest.raises(MediaError, match="at most"):
        cut_segment(big_h264, 0, 2, SegmentSpec(max_duration=Fraction(1)), tmp_path / "y.mp4")


def test_short_cue_under_a_large_size_limit(h264_mp4: Path, tmp_path: Path) -> None:
    # 5 frames under 100 MB: the bitrate budget must stay within what libx264 accepts.
    out = cut_segment(
        h264_mp4,
        Fraction(0),
        Fraction(1, 5),
        SegmentSpec(max_bytes=100_000_000),
        tmp_path / "short.mp4",
    )
    assert 0 < out.stat().st_size < 1_000_000


def test_plan_and_stitch_chunks() -> None:
    plan = plan_chunks(Fraction(3), Fraction(25), Fraction(8), Fraction(1), rate=Fraction(25))
    assert plan[0][0] == 3 and plan[-1][1] == 25
    assert all(e - s <= 8 for s, e in plan)
    assert all(a[1] - b[0] >= Fraction(9, 10) for a, b in itertools.pairwise(plan))
    assert all((s * 25).denominator == 1 for s, _ in plan)
    sr = 1000
    # Each chunk's take is a constant 1.0 tone-bed: equal-power crossfade keeps power at 1.
    takes = [np.ones((round((e - s) * sr), 1), np.float32) for s, e in plan]
    whole = stitch_chunks(takes, plan, Fraction(3), Fraction(25), sr)
    assert whole.shape == (22000, 1)
    assert np.all(whole > 0.99) and np.all(whole < 1.42)
    # A click in chunk 2's own time lands at chunk 2's start + its offset.
    takes = [np.zeros_like(t) for t in takes]
    takes[1][2500, 0] = 1.0
    whole = stitch_chunks(takes, plan, Fraction(3), Fraction(25), sr)
    assert int(np.argmax(whole[:, 0])) == round((plan[1][0] - 3) * sr) + 2500
    assert plan_chunks(Fraction(0), Fraction(5), Fraction(8)) == [(Fraction(0), Fraction(5))]


def test_cache_path_and_cli(h264_mp4: Path, tmp_path: Path) -> None:
    with Project.create(
        tmp_path / "p.foleydesk", source_media_from_info(probe(h264_mp4))
    ) as project:
        lane = project.sorted_lanes()[0]
        cue = project.add_cue(Cue(0, lane.id, 10, 30))
        spec = SegmentSpec()
        path = segment_cache_path(project, cue, spec)
        assert path == segment_cache_path(project, (Fraction(10, 25), Fraction(30, 25)), spec)
        assert path != segment_cache_path(project, cue, SegmentSpec(fps=Fraction(8)))
        assert cached_segment(project, cue, spec) == path and path.exists()
        mtime = path.stat().st_mtime_ns
        assert cached_segment(project, cue, spec) == path
        assert path.stat().st_mtime_ns == mtime
        cue_id = cue.id
    out = tmp_path / "cue.mp4"
    assert (
        main(["segment", str(tmp_path / "p.foleydesk"), "--cue", str(cue_id), "-o", str(out)]) == 0
    )
    frames = frames_of(out)
    assert len(frames) == 20 and read_code(frames[0][1]) == 10


@pytest.mark.parametrize("fixture", ["prores_mov", "vp9_webm", "hevc10_mp4", "odd_size_mp4"])
def test_segment_frames_follow_the_source_grid(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    check_segment_grid(request.getfixturevalue(fixture), 3, tmp_path)


def test_segment_from_ntsc_rates(ntsc_mp4: tuple[Path, Fraction], tmp_path: Path) -> None:
    check_segment_grid(ntsc_mp4[0], 5, tmp_path)


def check_segment_grid(path: Path, first: int, tmp_path: Path) -> None:
    """Every segment frame shows the source frame on screen at its moment, by pixels."""
    info = probe(path)
    rate = info.video.avg_rate
    first = min(first, info.video.frame_count - 2)
    start = Fraction(first) / rate
    end = Fraction(info.video.frame_count) / rate
    out = cut_segment(path, start, end, SegmentSpec(), tmp_path / "s.mp4")
    seg = probe(out).video
    assert seg.width % 2 == 0 and seg.height % 2 == 0
    assert min(seg.width, seg.height) == min(480, info.video.width, info.video.height) // 2 * 2
    frames = frames_of(out)
    assert len(frames) == round((end - start) * 25)
    scale = seg.width / info.video.width
    for k, (t, rgb) in enumerate(frames):
        want = int((start + t) * rate)  # the source frame on screen at that moment
        assert read_code(rgb, scale) == want, f"segment frame {k}"
