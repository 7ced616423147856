"""Waveform overview: min/max per bucket at several zoom levels, from one streaming decode pass.

Buckets are fixed spans of project samples (48 kHz), so the overview lines up with the timeline
whatever the source's own rate; samples are never resampled, only binned, which keeps the pass as
fast as decoding. Memory is the level-0 arrays (about 11 MB for two hours) plus one batch.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np
import numpy.typing as npt
from av.stream import Discard

from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.loopguard import off_loop
from foleydesk.media.atomic import atomic_output
from foleydesk.media.audio import open_container, pick_audio_stream, timeline_origin

if TYPE_CHECKING:
    from foleydesk.core.project import Project

PEAKS_VERSION = 1
BASE_BUCKET = 256  # project samples per level-0 bucket (5.3 ms at 48 kHz)
LEVEL_FACTOR = 4  # each level merges this many buckets of the one below
LEVELS = 7  # 256 .. 1 048 576 samples per bucket
_BATCH_SAMPLES = 1 << 16

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Peaks:
    """mins[level][i] / maxs[level][i]: the range of every channel over bucket i of `level`."""

    sample_rate: int
    bucket_sizes: tuple[int, ...]  # project samples per bucket, per level
    mins: tuple[F32, ...]
    maxs: tuple[F32, ...]
    length_samples: int  # project samples covered (from file time 0)

    def level_for(self, samples_per_pixel: float) -> int:
        """The coarsest level whose buckets are no wider than a pixel."""
        best = 0
        for level, size in enumerate(self.bucket_sizes):
            if size <= samples_per_pixel:
                best = level
        return best

    def range(self, level: int, start_sample: int, end_sample: int) -> tuple[F32, F32]:
        """Bucket mins and maxs of `level` covering project samples [start, end)."""
        size = self.bucket_sizes[level]
        lo = max(0, start_sample // size)
        hi = max(lo, -(-end_sample // size))
        return self.mins[level][lo:hi], self.maxs[level][lo:hi]


class _Binner:
    """Folds a stream of per-sample (min, max) envelopes into level-0 buckets."""

    def __init__(self, rate: int, bucket: int, sample_rate: int) -> None:
        self.num = sample_rate  # bucket index = sample * num // den
        self.den = bucket * rate
        self.chunks_min: list[F32] = []
        self.chunks_max: list[F32] = []
        self.next_bucket = 0  # index of the first bucket not yet in the chunks
        self.carry: tuple[int, float, float] | None = None

    def add(self, first_sample: int, channels: list[Any], offset: float, scale: float) -> None:
        """Raw per-channel samples from `first_sample` on; value = (x - offset) * scale."""
        if first_sample < 0:
            channels = [c[-first_sample:] for c in channels]
            first_sample = 0
        n = channels[0].shape[0]
        if n == 0:
            return
        num, den = self.num, self.den
        b0 = first_sample * num // den
        b1 = (first_sample + n - 1) * num // den
        ids = np.arange(b0, b1 + 1, dtype=np.int64)
        # First sample of bucket b is ceil(b * den / num); bucket b0 starts at the batch start.
        starts = -((-ids[1:] * den) // num) - first_sample
        starts = np.concatenate((np.zeros(1, np.int64), starts))
        mins = np.minimum.reduceat(channels[0], starts)
        maxs = np.maximum.reduceat(channels[0], starts)
        for other in channels[1:]:
            np.minimum(mins, np.minimum.reduceat(other, starts), out=mins)
            np.maximum(maxs, np.maximum.reduceat(other, starts), out=maxs)
        mins = ((mins.astype(np.float32) - np.float32(offset)) * np.float32(scale)).astype(
            np.float32
        )
        maxs = ((maxs.astype(np.float32) - np.float32(offset)) * np.float32(scale)).astype(
            np.float32
        )
        if self.carry is not None:
            cid, cmin, cmax = self.carry
            if ids[0] == cid:
                mins[0] = min(mins[0], cmin)
                maxs[0] = max(maxs[0], cmax)
            else:
                self._emit(
                    np.array([cid]), np.array([cmin], np.float32), np.array([cmax], np.float32)
                )
        self.carry = (int(ids[-1]), float(mins[-1]), float(maxs[-1]))
        if len(ids) > 1:
            self._emit(ids[:-1], mins[:-1], maxs[:-1])

    def _emit(self, ids: npt.NDArray[np.int64], mins: F32, maxs: F32) -> None:
        first = int(ids[0])
        if first < self.next_bucket:  # overlapping timestamps: keep what is already out
            fresh = ids >= self.next_bucket
            ids, mins, maxs = ids[fresh], mins[fresh], maxs[fresh]
            if ids.size == 0:
                return
        last = int(ids[-1])
        span = last - self.next_bucket + 1
        out_min = np.zeros(span, np.float32)
        out_max = np.zeros(span, np.float32)
        out_min[ids - self.next_bucket] = mins
        out_max[ids - self.next_bucket] = maxs
        self.chunks_min.append(out_min)
        self.chunks_max.append(out_max)
        self.next_bucket = last + 1

    def finish(self) -> tuple[F32, F32]:
        if self.carry is not None:
            cid, cmin, cmax = self.carry
            self._emit(np.array([cid]), np.array([cmin], np.float32), np.array([cmax], np.float32))
            self.carry = None
        if not self.chunks_min:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        return np.concatenate(self.chunks_min), np.concatenate(self.chunks_max)


def compute_peaks(
    path: Path,
    stream_index: int | None = None,
    base_bucket: int = BASE_BUCKET,
    levels: int = LEVELS,
    sample_rate: int = PROJECT_SAMPLE_RATE,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Peaks | None:
    """Peaks of one audio stream (None when the file has no audio, or when cancelled)."""
    off_loop("building peaks")
    with open_container(path) as container:
        stream = pick_audio_stream(container, stream_index)
        if stream is None:
            return None
        for other in container.streams:
            if other.index != stream.index:
                other.discard = Discard.all
        origin = timeline_origin(container)
        rate = int(stream.rate or stream.codec_context.sample_rate)
        total = Fraction(container.duration or 0, av.time_base)
        binner = _Binner(rate, base_bucket, sample_rate)
        fmt: _Format | None = None
        pending: list[list[Any]] = []  # per plane: raw sample arrays of the current batch
        pending_n = 0
        batch_start = 0
        position: int | None = None  # source sample index of the next decoded sample
        last_report = 0.0
        try:
            for frame in container.decode(stream):
                n = frame.samples
                planes = frame.planes
                if fmt is None or len(planes) != fmt.planes:
                    if fmt is not None and pending_n:  # the format changed mid-way
                        binner.add(batch_start, *fmt.batch(pending))
                        batch_start = position or 0
                    fmt = _Format.of(frame)
                    pending, pending_n = [[] for _ in range(fmt.planes)], 0
                if position is None:
                    tb = frame.time_base or stream.time_base
                    t = Fraction(frame.pts) * Fraction(tb) if frame.pts is not None else origin
                    position = batch_start = round((t - origin) * rate)
                count = n if fmt.planar else n * fmt.channels
                for lane, plane in zip(pending, planes, strict=False):
                    # A view on the decoder's buffer (no copy); it keeps the frame alive.
                    lane.append(np.frombuffer(plane, fmt.dtype, count))
                pending_n += n
                position += n
                if pending_n >= _BATCH_SAMPLES:
                    binner.add(batch_start, *fmt.batch(pending))
                    pending, pending_n, batch_start = [[] for _ in pending], 0, position
                    if cancel is not None and cancel.is_set():
                        return None
                    if progress is not None and total > 0:
                        done = min(1.0, float(Fraction(position, rate) / total))
                        if done - last_report >= 0.01:
                            last_report = done
                            progress(done)
        except av.error.FFmpegError:
            pass  # a damaged tail: keep what decoded
        if pending_n and fmt is not None:
            binner.add(batch_start, *fmt.batch(pending))
        mins, maxs = binner.finish()
    length = round(Fraction(position or 0, rate) * sample_rate) if rate else 0
    all_min, all_max = [mins], [maxs]
    sizes = [base_bucket]
    for _ in range(1, levels):
        all_min.append(_fold(all_min[-1], np.minimum))
        all_max.append(_fold(all_max[-1], np.maximum))
        sizes.append(sizes[-1] * LEVEL_FACTOR)
    if progress is not None:
        progress(1.0)
    return Peaks(sample_rate, tuple(sizes), tuple(all_min), tuple(all_max), length)


_DTYPES = {
    "u8": np.uint8,
    "s16": np.int16,
    "s32": np.int32,
    "s64": np.int64,
    "flt": np.float32,
    "dbl": np.float64,
}


@dataclass(frozen=True)
class _Format:
    """How to read a decoded frame's planes as numbers."""

    dtype: Any
    channels: int
    planar: bool
    planes: int
    offset: float
    scale: float

    @classmethod
    def of(cls, frame: Any) -> _Format:
        name = frame.format.name
        base = name.rstrip("p")
        channels = len(frame.layout.channels)
        planar = name.endswith("p")
        offset, scale = _INT_SCALES.get(base, (0.0, 1.0))
        return cls(_DTYPES[base], channels, planar, len(frame.planes), offset, scale)

    def batch(self, pending: list[list[Any]]) -> tuple[list[Any], float, float]:
        """Per-channel 1-D arrays of a batch, with the offset and scale to [-1, 1]."""
        joined = [np.concatenate(lane) if len(lane) > 1 else lane[0] for lane in pending]
        if self.planar:
            return joined, self.offset, self.scale
        packed = joined[0].reshape(-1, self.channels)
        return [packed[:, c] for c in range(self.channels)], self.offset, self.scale


# Integer sample formats: (offset, scale) to [-1, 1].
_INT_SCALES = {
    "u8": (128.0, 1 / 128),
    "s16": (0.0, 1 / 32768),
    "s32": (0.0, 1 / 2147483648),
    "s64": (0.0, 1 / 2**63),
}


def _fold(values: F32, op: Any) -> F32:
    """Merges LEVEL_FACTOR neighbouring buckets (the last partial group too)."""
    n = values.shape[0]
    if n == 0:
        return values
    pad = (-n) % LEVEL_FACTOR
    if pad:
        values = np.concatenate([values, np.repeat(values[-1:], pad)])
    return np.asarray(op.reduce(values.reshape(-1, LEVEL_FACTOR), axis=1), np.float32)


# -- cache -----------------------------------------------------------------------------------------


def peaks_cache_path(project: Project, stream_index: int | None = None) -> Path:
    key = f"{project.source.fingerprint}|{stream_index}|{BASE_BUCKET}|{LEVELS}|v{PEAKS_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return project.cache_dir / f"peaks-{digest}.npz"


def save_peaks(peaks: Peaks, path: Path) -> None:
    """Writes atomically: a crash never leaves a half cache file under the real name."""
    arrays: dict[str, Any] = {
        "meta": np.array(
            [peaks.sample_rate, peaks.length_samples, *peaks.bucket_sizes], dtype=np.int64
        )
    }
    for level, (lo, hi) in enumerate(zip(peaks.mins, peaks.maxs, strict=True)):
        arrays[f"min{level}"] = lo
        arrays[f"max{level}"] = hi
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def load_peaks(path: Path) -> Peaks | None:
    """The cached peaks, or None when missing or unreadable (then they are computed again)."""
    try:
        with np.load(path) as data:
            meta = [int(v) for v in data["meta"]]
            levels = len(meta) - 2
            mins = tuple(np.asarray(data[f"min{i}"], np.float32) for i in range(levels))
            maxs = tuple(np.asarray(data[f"max{i}"], np.float32) for i in range(levels))
    except (OSError, KeyError, ValueError):
        return None
    return Peaks(meta[0], tuple(meta[2:]), mins, maxs, meta[1])


def load_or_compute_peaks(
    project: Project,
    stream_index: int | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Peaks | None:
    """The source's peaks from the project cache, computed (and cached) on first use."""
    off_loop("loading peaks")
    path = peaks_cache_path(project, stream_index)
    cached = load_peaks(path) if path.exists() else None
    if cached is not None:
        return cached
    peaks = compute_peaks(project.require_source(), stream_index, progress=progress, cancel=cancel)
    if peaks is not None:
        save_peaks(peaks, path)
    return peaks


def sum_peaks(parts: list[Peaks]) -> Peaks | None:
    """The envelope of several streams played together: bucket mins and maxs added (clipped to
    full scale). It bounds the true sum's envelope, which is what a waveform needs to show."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    mins: list[F32] = []
    maxs: list[F32] = []
    for level in range(len(first.bucket_sizes)):
        count = max(len(p.mins[level]) for p in parts)
        lo = np.zeros(count, np.float32)
        hi = np.zeros(count, np.float32)
        for part in parts:
            n = len(part.mins[level])
            lo[:n] += part.mins[level]
            hi[:n] += part.maxs[level]
        mins.append(np.clip(lo, -1.0, 1.0))
        maxs.append(np.clip(hi, -1.0, 1.0))
    return Peaks(
        first.sample_rate,
        first.bucket_sizes,
        tuple(mins),
        tuple(maxs),
        max(p.length_samples for p in parts),
    )


def source_waveform_peaks(
    project: Project,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Peaks | None:
    """The source waveform the editor chose: one audio stream, or the sum of the production
    streams (the default), each stream's peaks cached on its own."""
    source = project.source
    if not source.audio_streams:
        return load_or_compute_peaks(project, None, progress, cancel)
    chosen = source.waveform_stream
    positions = [chosen] if chosen is not None else source.production
    indexes = [
        int(source.audio_streams[i]["index"])
        for i in positions
        if 0 <= i < len(source.audio_streams)
    ]
    parts: list[Peaks] = []
    for n, index in enumerate(indexes):

        def step(fraction: float, _n: int = n) -> None:
            if progress is not None:
                progress((_n + fraction) / len(indexes))

        peaks = load_or_compute_peaks(project, index, step, cancel)
        if peaks is None:
            return None
        parts.append(peaks)
    return sum_peaks(parts)
