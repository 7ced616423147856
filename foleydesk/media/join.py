"""Joining a newly generated part onto an existing take ("Generate the new part"): the part was
generated over the not-generated range plus a little of what the take already covers, and the
two meet in a raised-cosine crossfade over that overlap, so the seam does not click and a hit
both hold is not boosted."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from foleydesk.core.placement import SampleOfFrame

Samples = npt.NDArray[np.float32]


def _stereo(samples: Samples, channels: int) -> Samples:
    data = np.asarray(samples, np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.shape[1] == channels:
        return data
    if data.shape[1] == 1:
        return np.repeat(data, channels, axis=1)
    return data[:, :channels]


def join_part(
    base: Samples,
    base_range: tuple[int, int],
    part: Samples,
    part_range: tuple[int, int],
    sample_of_frame: SampleOfFrame,
) -> tuple[Samples, tuple[int, int]]:
    """(samples, frames [in, out)) of base and part joined on the source's clock. Each array's
    sample 0 sits at its range's first frame; where they overlap, base fades out and part in
    (or the reverse, when the part comes first)."""
    channels = max(base.shape[1] if base.ndim == 2 else 1, part.shape[1] if part.ndim == 2 else 1)
    base, part = _stereo(base, channels), _stereo(part, channels)
    lo = min(base_range[0], part_range[0])
    hi = max(base_range[1], part_range[1])
    origin = sample_of_frame(lo)
    out = np.zeros((sample_of_frame(hi) - origin, channels), np.float32)
    b0 = sample_of_frame(base_range[0]) - origin
    p0 = sample_of_frame(part_range[0]) - origin
    b1 = min(len(out), b0 + len(base))
    p1 = min(len(out), p0 + len(part))
    out[b0:b1] = base[: b1 - b0]
    # Overlap: where both have audio.
    o0, o1 = max(b0, p0), min(b1, p1)
    if o1 > o0:
        n = o1 - o0
        # Raised cosine: the two gains sum to 1, so the same hit in both (two generations of
        # one picture put their hits on the same frames) is never boosted past full scale.
        theta = (np.arange(n, dtype=np.float64) + 0.5) / n * np.pi
        rise = (0.5 - 0.5 * np.cos(theta)).astype(np.float32)[:, None]
        fall = (1.0 - rise).astype(np.float32)
        part_first = p0 < b0
        fade_part, fade_base = (fall, rise) if part_first else (rise, fall)
        out[o0:o1] = base[o0 - b0 : o1 - b0] * fade_base + part[o0 - p0 : o1 - p0] * fade_part
    for start, end in ((p0, min(p1, b0)), (max(p0, b1), p1)):  # what the base lacks
        if end > start:
            out[start:end] = part[start - p0 : end - p0]
    return out, (lo, hi)
