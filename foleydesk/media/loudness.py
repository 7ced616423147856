"""Loudness as ITU-R BS.1770-4 / EBU Tech 3341-3342 define it, measured by FFmpeg's `ebur128`
filter through a PyAV filter graph (no meter of our own to get wrong).

With `metadata=1` the filter tags every 100 ms of output with its running values: momentary (M),
short-term (S), integrated (I), loudness range (LRA) and the true peak of that block (linear).
The maxima of M, S and the true peak over all blocks, with I and LRA of the last block, are the
file's figures.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import av
import av.filter
import numpy as np
import numpy.typing as npt

from foleydesk.media.probe import MediaError

Progress = Callable[[float], None]

SILENCE_LUFS = -70.0  # the absolute gate: at or below it, nothing was loud enough to measure


@dataclass(frozen=True)
class LiveReading:
    """What a meter shows while playing: the latest momentary and short-term loudness, the
    integrated loudness and the highest true peak since play started (None: below the gate)."""

    momentary: float | None
    short_term: float | None
    integrated: float | None
    true_peak: float | None


@dataclass(frozen=True)
class Loudness:
    """One file's figures; None where the signal never rose above the gate (silence)."""

    integrated: float | None  # LUFS
    range: float  # LU
    true_peak: float | None  # dBTP
    max_momentary: float | None  # LUFS
    max_short_term: float | None  # LUFS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Loudness:
        return cls(
            data.get("integrated"),
            float(data.get("range") or 0.0),
            data.get("true_peak"),
            data.get("max_momentary"),
            data.get("max_short_term"),
        )


def _lufs(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) and value > SILENCE_LUFS else None


def _dbtp(linear: float) -> float | None:
    return round(20.0 * math.log10(linear), 2) if linear > 0 else None


class LoudnessMeter:
    """Feed float blocks (n, channels) or decoded frames; `result()` after the last one."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        layout = {1: "mono", 2: "stereo"}.get(channels)
        if layout is None:
            raise MediaError(f"Cannot measure {channels}-channel audio.", "Use mono or stereo.")
        self.sample_rate = sample_rate
        self.channels = channels
        self._layout = layout
        self._graph: av.filter.Graph | None = None
        self._samples = 0
        self._integrated = -math.inf
        self._range = 0.0
        self._peak = 0.0
        self._momentary = -math.inf
        self._short = -math.inf
        self._last_momentary = -math.inf
        self._last_short = -math.inf

    def _build(self, template: av.AudioFrame | None) -> av.filter.Graph:
        graph = av.filter.Graph()
        if template is not None:
            src = graph.add_abuffer(
                format=template.format.name,
                sample_rate=template.sample_rate,
                layout=template.layout.name,
            )
        else:
            src = graph.add_abuffer(format="flt", sample_rate=self.sample_rate, layout=self._layout)
        meter = graph.add("ebur128", "metadata=1:peak=true")
        sink = graph.add("abuffersink")
        src.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        return graph

    def _drain(self) -> None:
        assert self._graph is not None
        while True:
            try:
                frame = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            meta = frame.metadata
            self._integrated = float(meta.get("lavfi.r128.I", self._integrated))
            self._range = float(meta.get("lavfi.r128.LRA", self._range))
            self._last_momentary = float(meta.get("lavfi.r128.M", "-inf"))
            self._last_short = float(meta.get("lavfi.r128.S", "-inf"))
            self._momentary = max(self._momentary, self._last_momentary)
            self._short = max(self._short, self._last_short)
            self._peak = max(self._peak, float(meta.get("lavfi.r128.true_peak", "0")))

    def push_frame(self, frame: av.AudioFrame) -> None:
        if self._graph is None:
            self._graph = self._build(frame)
        frame.pts = None
        self._graph.push(frame)
        self._samples += frame.samples
        self._drain()

    def push(self, block: npt.NDArray[np.floating]) -> None:
        data = np.asarray(block, dtype=np.float32)
        if data.ndim == 1:
            data = data[:, None]
        if data.shape[0] == 0:
            return
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data.reshape(1, -1)), format="flt", layout=self._layout
        )
        frame.sample_rate = self.sample_rate
        if self._graph is None:
            self._graph = self._build(None)
        self._graph.push(frame)
        self._samples += data.shape[0]
        self._drain()

    def reading(self) -> LiveReading:
        """The figures so far, without ending the measurement (for a meter while playing)."""
        return LiveReading(
            momentary=_lufs(self._last_momentary),
            short_term=_lufs(self._last_short),
            integrated=_lufs(self._integrated),
            true_peak=_dbtp(self._peak),
        )

    def result(self) -> Loudness:
        if self._graph is not None:
            self._graph.push(None)
            self._drain()
            self._graph = None
        return Loudness(
            integrated=_lufs(self._integrated),
            range=round(self._range, 2) if math.isfinite(self._range) else 0.0,
            true_peak=_dbtp(self._peak),
            max_momentary=_lufs(self._momentary),
            max_short_term=_lufs(self._short),
        )


def measure_blocks(
    blocks: Iterable[npt.NDArray[np.floating]], sample_rate: int, channels: int
) -> Loudness:
    meter = LoudnessMeter(sample_rate, channels)
    for block in blocks:
        meter.push(block)
    return meter.result()


def measure_file(
    path: Path,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Loudness:
    """Measure an audio file (any format PyAV decodes; the first audio stream)."""
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(
            f"{path.name} cannot be opened as audio ({exc}).", "Check the file."
        ) from exc
    with container:
        if not container.streams.audio:
            raise MediaError(f"{path.name} has no audio to measure.", "Choose an audio file.")
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels
        if channels > 2:
            raise MediaError(
                f"{path.name} has {channels} channels; the meter reads mono or stereo.",
                "Measure a mono or stereo file.",
            )
        meter = LoudnessMeter(stream.codec_context.sample_rate, channels)
        base = stream.time_base
        duration = float(stream.duration * base) if stream.duration and base else 0.0
        done = 0
        try:
            for frame in container.decode(stream):
                if cancel is not None and cancel.is_set():
                    raise MediaError("The measurement was cancelled.")
                meter.push_frame(frame)
                done += frame.samples
                if progress is not None and duration > 0:
                    progress(min(1.0, done / (duration * meter.sample_rate)))
        except av.FFmpegError as exc:
            raise MediaError(
                f"{path.name} could not be decoded ({exc}).", "Check the file."
            ) from exc
        return meter.result()
