"""Motion energy and onsets of a short video, read with PyAV: what the offline sketch syncs to.

Energy is the mean absolute difference between consecutive small grey frames; an onset is a
frame where that energy jumps (a hit, a step, a cut), placed at the frame's own timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from foleydesk.errors import UserError

ANALYSIS_WIDTH = 96  # enough to see motion, cheap to diff
MIN_ONSET_GAP = Fraction(1, 10)  # seconds: faster than this reads as one event
ABS_FLOOR = 0.8  # grey levels (0-255): below this a "jump" is sensor noise or encoder flicker


@dataclass(frozen=True)
class Motion:
    """Per-frame motion energy with each frame's time from the first frame (seconds)."""

    times: list[Fraction]
    energy: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Onset:
    time: Fraction
    strength: float  # 0..1, relative to the strongest onset in the clip


def motion_energy(path: Path) -> Motion:
    """Decode every frame once (small, grey) and diff neighbours."""
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise UserError(f"The segment {path.name} cannot be read ({exc}).") from exc
    with container:
        if not container.streams.video:
            return Motion([], np.zeros(0))
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base or Fraction(1, 90000)
        times: list[Fraction] = []
        energy: list[float] = []
        previous: npt.NDArray[np.float32] | None = None
        first: Fraction | None = None
        width = ANALYSIS_WIDTH
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            height = max(2, round(width * frame.height / max(1, frame.width)) // 2 * 2)
            grey = frame.reformat(width=width, height=height, format="gray").to_ndarray()
            grey = grey[:, :width].astype(np.float32)
            t = Fraction(frame.pts) * Fraction(base)
            first = t if first is None else first
            times.append(t - first)
            energy.append(0.0 if previous is None else float(np.mean(np.abs(grey - previous))))
            previous = grey
    return Motion(times, np.asarray(energy, dtype=np.float64))


def find_onsets(motion: Motion) -> list[Onset]:
    """Frames where motion energy rises sharply above its own typical level."""
    e = motion.energy
    if e.size < 2:
        return []
    flux = np.maximum(0.0, np.diff(e, prepend=0.0))
    flux[0] = 0.0  # the first frame has no predecessor
    peak = float(flux.max())
    if peak < ABS_FLOOR:
        return []
    median = float(np.median(flux))
    mad = float(np.median(np.abs(flux - median)))
    threshold = max(ABS_FLOOR, median + 4.0 * mad, 0.2 * peak)
    onsets: list[Onset] = []
    for i in range(1, flux.size):
        value = flux[i]
        if value < threshold:
            continue
        if i + 1 < flux.size and flux[i + 1] > value:
            continue  # the rise continues: take the steeper frame
        t = motion.times[i]
        if onsets and t - onsets[-1].time < MIN_ONSET_GAP:
            if value > onsets[-1].strength * peak:
                onsets[-1] = Onset(t, value / peak)
            continue
        onsets.append(Onset(t, float(value / peak)))
    return onsets
