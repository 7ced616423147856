"""Odd pictures give sane segments and thumbnails: interlaced is deinterlaced (field order from
the stream), anamorphic comes out square-pixel at 16:9, HDR10 / 10-bit and ProRes 4444 with
alpha decode to ordinary pictures."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from foleydesk.media.segments import SegmentSpec, cut_segment, field_first
from foleydesk.media.thumbnails import thumbnail_strip
from tests.footage.conftest import FootageMaker
from tests.media.mediagen import ffmpeg


def _comb(luma: npt.NDArray[np.float64]) -> float:
    """How much each line differs from the mean of its neighbours: a woven frame with motion
    alternates between two moments line by line, so this is large; a progressive one is not."""
    rows = luma.astype(np.float64)
    return float(np.mean(np.abs(rows[1:-1] - (rows[:-2] + rows[2:]) / 2)))


def _frames(path: Path) -> list[npt.NDArray[np.float64]]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray").astype(np.float64) for f in container.decode(video=0)]


def test_interlaced_segment_has_no_combs(footage: FootageMaker, tmp_path: Path) -> None:
    source = footage("mpeg2 ts")
    with av.open(str(source)) as container:
        assert field_first(container.streams.video[0]) == "top"
    woven = _frames(source)[5:15]
    segment = cut_segment(
        source, Fraction(1, 5), Fraction(3, 5), SegmentSpec(audio=False), tmp_path / "seg.mp4"
    )
    frames = _frames(segment)
    assert len(frames) == 10
    assert frames[0].shape == woven[0].shape  # 128x96 stays (never upscaled)
    before = np.mean([_comb(f) for f in woven])
    after = np.mean([_comb(f) for f in frames])
    assert after < before / 3, (before, after)


def test_anamorphic_segment_is_square_pixel_16_9(footage: FootageMaker, tmp_path: Path) -> None:
    segment = cut_segment(
        footage("anamorphic"),
        Fraction(0),
        Fraction(2, 5),
        SegmentSpec(audio=False, short_side=360),
        tmp_path / "seg.mp4",
    )
    with av.open(str(segment)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        sar = stream.sample_aspect_ratio
    assert (width, height) == (640, 360)
    assert sar is None or sar == 1


def test_hdr_10_bit_and_alpha_give_ordinary_pictures(footage: FootageMaker, tmp_path: Path) -> None:
    for name in ("hdr10", "prores4444", "dnxhd"):
        source = footage(name)
        strip = thumbnail_strip(source, 3, height=48)
        assert strip is not None and strip.dtype == np.uint8
        # testsrc2 is a colourful moving pattern: neither black nor one flat colour.
        assert 20 < strip.mean() < 235 and strip.std() > 20, name
        segment = cut_segment(
            source, Fraction(0), Fraction(2, 5), SegmentSpec(audio=True), tmp_path / f"{name}.mp4"
        )
        with av.open(str(segment)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.pix_fmt == "yuv420p"  # what every provider decodes
            frame = next(container.decode(stream)).to_ndarray(format="rgb24")
        assert frame.std() > 20, name


def _pq_grey(path: Path, level: int) -> Path:
    """HEVC Main10 flagged HDR10 (PQ, BT.2020) showing one grey: `level`/255 of PQ signal."""
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=0x{level:02x}{level:02x}{level:02x}:s=64x48:r=25:d=0.2",
        "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
        "-x265-params", "log-level=none:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
        "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
        str(path),
    )  # fmt: skip
    return path


def test_pq_reference_white_is_shown_white(tmp_path: Path) -> None:
    # PQ 0.58 is 203 nits, HDR reference white (BT.2408): SDR white, not the grey 148 that
    # the raw numbers give. PQ 0.508 (100 nits) is a light grey; black stays black.
    expected = {148: (230, 255), 130: (170, 215), 0: (0, 8)}
    for level, (low, high) in expected.items():
        video = _pq_grey(tmp_path / f"pq{level}.mov", level)
        strip = thumbnail_strip(video, 1, height=48)
        assert strip is not None
        shown = float(strip[0, 20:28, 28:36].mean())
        assert low <= shown <= high, (level, shown)
        segment = cut_segment(
            video, Fraction(0), Fraction(1, 5), SegmentSpec(audio=False), tmp_path / f"s{level}.mp4"
        )
        frame = _frames(segment)[0]
        assert abs(float(frame[20:28, 28:36].mean()) - shown) < 12, level
