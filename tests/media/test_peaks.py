"""Peaks and thumbnails: buckets line up with project samples; caches are reused."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import numpy as np

from foleydesk.core.project import Project
from foleydesk.media.peaks import compute_peaks, load_or_compute_peaks, peaks_cache_path
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.thumbnails import load_or_compute_thumbnails, strip_times, thumbnail_strip
from tests.media.conftest import CLICKS_48K
from tests.media.mediagen import clicks, make_audio, read_code


def test_clicks_show_in_their_buckets(h264_mp4: Path) -> None:
    peaks = compute_peaks(h264_mp4)
    assert peaks is not None
    assert peaks.bucket_sizes[:3] == (256, 1024, 4096)
    assert abs(peaks.length_samples - 3 * 48000) < 2048
    top = peaks.maxs[0]
    loud = set(np.flatnonzero(top > 0.5).tolist())
    assert {c // 256 for c in CLICKS_48K} <= loud
    assert len(loud) <= 4  # AAC rings a little, but only around the clicks
    for level in range(1, len(peaks.bucket_sizes)):
        assert np.all(peaks.maxs[level] >= 0) and peaks.maxs[level].max() == top.max()
        size = peaks.bucket_sizes[level]
        _, maxs = peaks.range(level, CLICKS_48K[1] - 10, CLICKS_48K[1] + 10)
        assert maxs.max() > 0.5 and len(maxs) <= 2, size


def test_44k_source_is_binned_on_project_samples(tmp_path: Path) -> None:
    path = make_audio(
        tmp_path / "a.wav",
        clicks(44100 * 2, 44100, (44100,), channels=1) * -1,
        codec="pcm_s16le",
        rate=44100,
        layout="mono",
    )
    peaks = compute_peaks(path)
    assert peaks is not None
    bucket = 48000 // 256  # 1 s at 48 kHz
    assert peaks.mins[0][bucket] < -0.85 and peaks.mins[0][bucket - 1] == 0
    assert peaks.level_for(1500) == 1 and peaks.level_for(10) == 0


def test_peaks_cached_in_project_and_cancel(h264_mp4: Path, tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.foleydesk", source_media_from_info(probe(h264_mp4))) as p:
        seen: list[float] = []
        first = load_or_compute_peaks(p, progress=seen.append)
        assert first is not None and seen[-1] == 1.0
        path = peaks_cache_path(p)
        assert path.exists() and path.parent == p.cache_dir
        again = load_or_compute_peaks(p)
        assert again is not None and np.array_equal(again.maxs[0], first.maxs[0])
        cancel = threading.Event()
        cancel.set()
        assert compute_peaks(h264_mp4, cancel=cancel) is None


def test_no_audio_gives_none(vfr_mkv: Path) -> None:
    assert compute_peaks(vfr_mkv) is None


def test_thumbnail_strip(h264_mp4: Path, tmp_path: Path) -> None:
    strip = thumbnail_strip(h264_mp4, 5, height=120, duration=Fraction(3), exact=True)
    assert strip is not None and strip.shape == (5, 120, 160, 3)
    want = [int(t * 25) for t in strip_times(Fraction(3), 5)]
    assert [read_code(img, 0.5) for img in strip] == want
    with Project.create(tmp_path / "t.foleydesk", source_media_from_info(probe(h264_mp4))) as p:
        first = load_or_compute_thumbnails(p, 6, 54)
        assert first is not None and first.shape[:3] == (6, 54, 72)
        assert list(p.cache_dir.glob("thumbs-*.npy"))
        again = load_or_compute_thumbnails(p, 6, 54)
        assert again is not None and np.array_equal(first, again)
