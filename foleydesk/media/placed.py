"""A take's samples as they sound where core.placement puts them: the heard part only, with the
take's gain and fades applied. Renders (stems, mix, cue clips) and the playback mixer both call
this, so what plays is what is exported, to the sample."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from foleydesk.core.placement import TakePlacement

Samples = npt.NDArray[np.float32]


def heard_audio(samples: Samples, placement: TakePlacement) -> tuple[int, Samples]:
    """(grid sample of the first heard sample, the heard samples shaped) for a take's samples,
    shape (n, channels); an empty array when nothing of the take is heard."""
    lo, hi = placement.heard
    start = placement.start
    lo = max(lo, start)
    hi = min(hi, start + samples.shape[0])
    if hi <= lo:
        return lo, np.zeros((0, samples.shape[1]), np.float32)
    piece = samples[lo - start : hi - start] * np.float32(placement.gain)
    flo, fhi = placement.faded
    flo, fhi = max(flo, lo), min(fhi, hi)
    n = fhi - flo
    if n > 0:
        base = flo - lo
        # Linear fades sampled at mid-sample points (core.placement.envelope_at says the same).
        fade_in = min(max(placement.fade_in, 0), n)
        if fade_in:
            ramp = (np.arange(fade_in, dtype=np.float32) + 0.5) / np.float32(placement.fade_in)
            piece[base : base + fade_in] *= ramp[:, None]
        fade_out = min(max(placement.fade_out, 0), n)
        if fade_out:
            ramp = (np.arange(fade_out, 0, -1, dtype=np.float32) - 0.5) / np.float32(
                placement.fade_out
            )
            piece[base + n - fade_out : base + n] *= ramp[:, None]
    return lo, np.ascontiguousarray(piece, dtype=np.float32)
