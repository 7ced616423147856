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
