"""What is wrong with a take, in words an editor reads: silent, clipped, or much shorter than its
cue. A take with a problem is shown flagged and is never chosen automatically."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SILENT_DBFS = -60.0  # RMS over the whole take below this is silence
SHORT_FRACTION = 0.5  # a host's file under this share of the cue's length: "much shorter"
_OVERSAMPLE = 4
_TAPS = 12  # half-length of the windowed-sinc interpolator (per side)

PROBLEM_TEXT = {
    "silent": "silent (below -60 dBFS)",
    "clipped": "clipped (true peak above 0 dBTP)",
    "short": "much shorter than its cue",
}


def _db(value: float) -> float:
    return 20.0 * float(np.log10(value)) if value > 0 else float("-inf")


def _as_2d(samples: npt.ArrayLike) -> npt.NDArray[np.float32]:
    data = np.asarray(samples, np.float32)
    return data[:, None] if data.ndim == 1 else data


def true_peak(samples: npt.ArrayLike) -> float:
    """Peak of the signal between samples too (4x oversampled, as BS.1770 asks), linear."""
    data = _as_2d(samples)
    if data.size == 0:
        return 0.0
    peak = float(np.max(np.abs(data)))
    if peak < 0.5:  # more than 6 dB under full scale cannot overshoot 0 dBTP in practice
        return peak
    n = np.arange(-_TAPS, _TAPS)
    best = peak
    for phase in range(1, _OVERSAMPLE):
        x = n + phase / _OVERSAMPLE
        kernel = (np.sinc(x) * np.hanning(2 * _TAPS + 2)[1:-1]).astype(np.float32)
        for channel in data.T:
            interpolated = np.convolve(channel, kernel[::-1], mode="same")
            best = max(best, float(np.max(np.abs(interpolated))))
    return best


def cut_short(returned: int, length: int) -> bool:
    """Whether the host's file (`returned` samples) is much shorter than the range it was asked
    for. Judged on the file's length, not on where the sound ends: a door slam followed by
    nothing is a good take, a 2 s file for a 10 s cue is not."""
    return returned < SHORT_FRACTION * length


def take_problems(samples: npt.ArrayLike, short: bool = False) -> list[str]:
    """The problem words of a take's samples (float, full scale 1.0), in a fixed order; `short`
    says the host's file was much shorter than the cue (see cut_short) before it was padded."""
    data = _as_2d(samples)
    problems: list[str] = []
    if data.shape[0] == 0:
        return ["silent"]
    rms = float(np.sqrt(np.mean(np.square(data, dtype=np.float64))))
    if _db(rms) < SILENT_DBFS:
        return ["silent"]
    if _db(true_peak(data)) > 0.0:
        problems.append("clipped")
    if short:
        problems.append("short")
    return problems


def problems_text(words: list[str]) -> str:
    """'silent (below -60 dBFS)', joined for a tooltip or a list row."""
    return "; ".join(PROBLEM_TEXT.get(word, word) for word in words)
