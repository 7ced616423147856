"""Waveform overviews of takes: min/max per bucket of take samples at a few sizes, computed once
per take file (cached beside the project's other caches, keyed by the file's sha256) so a cue
block draws its take at any zoom without reading audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from foleydesk.media.atomic import atomic_output
from foleydesk.media.takes import read_wav

F32 = npt.NDArray[np.float32]
BUCKETS = (32, 128, 512, 2048, 8192)  # take samples per bucket, finest first
TAKE_PEAKS_VERSION = 1


@dataclass(frozen=True)
class TakePeaks:
    """mins[level][i], maxs[level][i]: the range over all channels of bucket i."""

    length: int  # take samples
    mins: tuple[F32, ...]
    maxs: tuple[F32, ...]

    @classmethod
    def of(cls, samples: npt.ArrayLike) -> TakePeaks:
        data = np.asarray(samples, np.float32)
        if data.ndim == 2:
            lo, hi = data.min(axis=1), data.max(axis=1)
        else:
            lo, hi = data, data
        n = len(lo)
        mins: list[F32] = []
        maxs: list[F32] = []
        for size in BUCKETS:
            count = -(-n // size)
            pad = count * size - n
            a = np.pad(lo, (0, pad), constant_values=0.0).reshape(count, size)
            b = np.pad(hi, (0, pad), constant_values=0.0).reshape(count, size)
            mins.append(a.min(axis=1).astype(np.float32))
            maxs.append(b.max(axis=1).astype(np.float32))
        return cls(n, tuple(mins), tuple(maxs))

    def columns(self, first: float, samples_per_px: float, width: int) -> F32:
        """(width, 2) min/max per pixel column; column i covers take samples
        [first + i * spp, first + (i + 1) * spp). Columns outside the take are 0."""
        out = np.zeros((max(0, width), 2), np.float32)
        if width <= 0 or self.length == 0 or samples_per_px <= 0:
            return out
        level = 0
        for index, size in enumerate(BUCKETS):
            if size <= samples_per_px:
                level = index
        size = BUCKETS[level]
        mins, maxs = self.mins[level], self.maxs[level]
        edges = first + np.arange(width + 1, dtype=np.float64) * samples_per_px
        inside = (edges[1:] > 0) & (edges[:-1] < self.length)
        lo = np.clip(np.floor(edges[:-1] / size).astype(np.int64), 0, len(mins) - 1)
        hi = np.clip(np.ceil(edges[1:] / size).astype(np.int64), 1, len(mins))
        hi = np.maximum(hi, lo + 1)
        if not inside.any():
            return out
        # reduceat over increasing starts; a column narrower than a bucket repeats that bucket.
        starts = lo[inside]
        stops = hi[inside]
        first_bucket = int(starts[0])
        seg_min = mins[first_bucket : int(stops[-1])]
        seg_max = maxs[first_bucket : int(stops[-1])]
        local = np.minimum(starts - first_bucket, len(seg_min) - 1)
        col_min = np.minimum.reduceat(seg_min, local)
        col_max = np.maximum.reduceat(seg_max, local)
        single = stops - starts <= 1
        col_min[single] = mins[starts[single]]
        col_max[single] = maxs[starts[single]]
        out[inside, 0] = col_min
        out[inside, 1] = col_max
        return out


def take_peaks_path(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / "take-peaks" / f"v{TAKE_PEAKS_VERSION}-{sha256[:24]}.npz"


def load_take_peaks(take_file: Path, cache_dir: Path, sha256: str) -> TakePeaks:
    """The take's peaks from the cache, or computed from its WAV and cached (a worker thread)."""
    cached = take_peaks_path(cache_dir, sha256) if sha256 else None
    if cached is not None and cached.is_file():
        try:
            with np.load(cached) as data:
                levels = len(BUCKETS)
                return TakePeaks(
                    int(data["length"]),
                    tuple(data[f"min{i}"] for i in range(levels)),
                    tuple(data[f"max{i}"] for i in range(levels)),
                )
        except (OSError, KeyError, ValueError):
            pass  # a damaged cache is computed again
    samples, _rate = read_wav(take_file)
    peaks = TakePeaks.of(samples)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[np.generic]] = {"length": np.array(peaks.length)}
        for i in range(len(BUCKETS)):
            arrays[f"min{i}"], arrays[f"max{i}"] = peaks.mins[i], peaks.maxs[i]
        with atomic_output(cached) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
    return peaks
