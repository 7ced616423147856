"""Decode any range of a file's audio to float32 at the project rate, placed by timestamps.

Time 0 is the start of the first video frame (or of the audio, for an audio-only file), so sample
0 of a decode lines up with frame 0 of the picture even when the file has a start offset. Decoding
goes through the container so MP4 edit lists (AAC priming) are applied, and blocks are placed by
their presentation timestamps so gaps stay silent instead of pulling later sound early.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.loopguard import off_loop
from foleydesk.media.probe import MediaError

Samples = npt.NDArray[np.float32]

# Decoders need some audio before the target to settle (AAC 2048 samples, Opus 80 ms pre-roll).
_PREROLL = Fraction(1, 4)
# A timestamp this far from where the previous block ended is a gap (or overlap), not jitter.
_GAP_TOLERANCE = Fraction(1, 500)
# When a seek lands after the target (sparse index), the second try starts this far back.
_RESEEK_BACK = Fraction(10)
# Reads that jump forward more than this re-seek instead of decoding through.
_RESEEK_AHEAD = Fraction(3)

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def layout_for(channels: int) -> str:
    """FFmpeg's default layout name for a channel count."""
    try:
        return _LAYOUTS[channels]
    except KeyError:
        raise MediaError(
            f"{channels} audio channels are not supported.", "Use 1 to 8 channels."
        ) from None


def open_container(path: Path) -> Any:
    """av.open with the errors a user can meet turned into MediaError."""
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path} does not exist.", "Check the path.")
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).", "Copy the file again from its source.")
    try:
        return av.open(str(path))
    except av.error.InvalidDataError as exc:
        raise MediaError(
            f"{path.name} is not a media file FoleyDesk can read.",
            "Use an audio or video file such as WAV, MP3, FLAC, MP4, MOV, MKV or WebM.",
        ) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(
            f"{path.name} cannot be opened ({exc}).", "Check that the file is complete."
        ) from exc


def _stream_start(stream: Any) -> Fraction | None:
    if stream.start_time is None or stream.time_base is None:
        return None
    return Fraction(stream.start_time) * Fraction(stream.time_base)


def timeline_origin(container: Any) -> Fraction:
    """File time 0: the first video frame's time, else the audio's start (never below 0)."""
    if container.streams.video:
        start = _stream_start(container.streams.video[0])
        if start is not None:
            return start
    for stream in container.streams.audio:
        start = _stream_start(stream)
        if start is not None:
            return max(Fraction(0), start)
    return Fraction(0)


def pick_audio_stream(container: Any, stream_index: int | None) -> Any | None:
    """The audio stream with container index `stream_index`, or the first one (None if none)."""
    if stream_index is None:
        return container.streams.audio[0] if container.streams.audio else None
    for stream in container.streams.audio:
        if stream.index == stream_index:
            return stream
    raise MediaError(
        f"Stream {stream_index} is not an audio stream of this file.",
        "Run 'foleydesk probe VIDEO' to list its audio streams.",
    )


class _BlockDecoder:
    """Decodes one audio stream from a time on, yielding (first sample index, (ch, n) block) on
    the output grid where index 0 is `origin`."""

    def __init__(
        self,
        container: Any,
        stream: Any,
        origin: Fraction,
        sample_rate: int,
        channels: int | None,
    ) -> None:
        self.container = container
        self.stream = stream
        self.origin = origin
        self.sample_rate = sample_rate
        src_channels = stream.codec_context.layout.nb_channels or stream.codec_context.channels
        self.out_channels = channels or min(max(src_channels, 1), 8)
        # Mono is copied to every output channel at full level (swresample would lower it 3 dB).
        self.duplicate_mono = src_channels == 1 and self.out_channels > 1
        self.resample_layout = "mono" if self.duplicate_mono else layout_for(self.out_channels)
        self._used = False
        ctx = stream.codec_context
        rate = ctx.sample_rate or stream.rate
        self._frame_step = Fraction(ctx.frame_size, rate) if ctx.frame_size and rate else None
        self._stream_t0 = _stream_start(stream)

    def blocks_from(self, start_index: int) -> Iterator[tuple[int, Samples]]:
        """Blocks covering output samples from `start_index` on (earlier samples may lead)."""
        target = self.origin + Fraction(start_index, self.sample_rate)
        for margin in (_PREROLL, _RESEEK_BACK):
            seek_to = target - margin
            seeked = self._seek(seek_to)
            decoded = self._decode()
            first = next(decoded, None)
            if first is None:
                return
            if seeked and first[0] > start_index and margin is _PREROLL:
                continue  # the demuxer landed after the target: once more, from further back
            yield first
            yield from decoded
            return

    def _seek(self, seek_to: Fraction) -> bool:
        """Positions the demuxer at or before `seek_to`; False when that is the file's start."""
        tb = Fraction(self.stream.time_base)
        seeked = seek_to > (_stream_start(self.stream) or 0)
        if seeked:
            try:
                self.container.seek(
                    math.floor(seek_to / tb), stream=self.stream, backward=True, any_frame=False
                )
            except av.error.FFmpegError:
                self.container.seek(0)
                seeked = False
        elif self._used:
            self.container.seek(0)
        self._used = True
        return seeked

    def _decode(self) -> Iterator[tuple[int, Samples]]:
        sr = self.sample_rate
        resampler: Any = None
        setup: tuple[Any, ...] = ()
        anchor_index = 0  # output index of the resampler's first output sample
        produced = 0  # output samples produced since the anchor
        expected: Fraction | None = None  # time where the next input frame should start
        try:
            for frame in self.container.decode(self.stream):
                if frame.samples == 0:
                    continue
                t = self._frame_time(frame, expected)
                frame_setup = (frame.format.name, frame.layout.name, frame.sample_rate)
                jump = expected is not None and abs(t - expected) > _GAP_TOLERANCE
                if resampler is None or jump or frame_setup != setup:
                    if resampler is not None:
                        for block in self._run(resampler, None):
                            yield anchor_index + produced, block
                            produced += block.shape[1]
                    resampler = av.AudioResampler("fltp", self.resample_layout, sr)
                    setup = frame_setup
                    anchor_index = round((t - self.origin) * sr)
                    produced = 0
                frame.pts = None  # placement is ours; keeps the resampler from re-timing
                for block in self._run(resampler, frame):
                    yield anchor_index + produced, block
                    produced += block.shape[1]
                expected = t + Fraction(frame.samples, frame.sample_rate)
        except av.error.FFmpegError:
            pass  # a damaged tail: keep what decoded (the end stays silent)
        if resampler is not None:
            for block in self._run(resampler, None):
                yield anchor_index + produced, block
                produced += block.shape[1]

    def _frame_time(self, frame: Any, expected: Fraction | None) -> Fraction:
        if frame.pts is None:
            return expected if expected is not None else self.origin
        tb = Fraction(frame.time_base or self.stream.time_base)
        t = Fraction(frame.pts) * tb
        step = self._frame_step
        if step is not None and self._stream_t0 is not None and tb > 1 / frame.sample_rate:
            # Coarse timestamps (Matroska's milliseconds): a codec frame starts a whole number
            # of frames after the first, so every seek point places the sound the same way.
            return self._stream_t0 + round((t - self._stream_t0) / step) * step
        return t

    def _run(self, resampler: Any, frame: Any) -> Iterator[Samples]:
        for out in resampler.resample(frame):
            data = out.to_ndarray().astype(np.float32, copy=False)
            if self.duplicate_mono:
                data = np.repeat(data[:1], self.out_channels, axis=0)
            if data.shape[1]:
                yield data


def decode_audio(
    path: Path,
    start: Fraction = Fraction(0),
    end: Fraction | None = None,
    sample_rate: int = PROJECT_SAMPLE_RATE,
    channels: int | None = 2,
    stream_index: int | None = None,
) -> Samples:
    """float32 (n, channels) where sample 0 is file time `start` (0 = first video frame).

    `channels=None` keeps the source's channel count; 2 downmixes (5.1 with the standard matrix)
    and mono is copied to both sides. Without an audio stream the range is silence.
    """
    off_loop("decoding audio")
    start = Fraction(start)
    with open_container(path) as container:
        stream = pick_audio_stream(container, stream_index)
        out_channels = channels or 1
        if stream is None:
            n = _range_samples(start, end, sample_rate) if end is not None else 0
            return np.zeros((n, out_channels), np.float32)
        decoder = _BlockDecoder(
            container, stream, timeline_origin(container), sample_rate, channels
        )
        first = round(start * sample_rate)
        if end is not None:
            n = _range_samples(start, end, sample_rate)
            out = np.zeros((decoder.out_channels, n), np.float32)
            for index, block in decoder.blocks_from(first):
                lo = index - first
                if lo >= n:
                    break
                _paste(out, lo, block)
            return np.ascontiguousarray(out.T)
        pieces: list[tuple[int, Samples]] = []
        for index, block in decoder.blocks_from(first):
            if index + block.shape[1] > first:
                pieces.append((index - first, block))
        total = max((lo + b.shape[1] for lo, b in pieces), default=0)
        out = np.zeros((decoder.out_channels, total), np.float32)
        for lo, block in pieces:
            _paste(out, lo, block)
        return np.ascontiguousarray(out.T)


def _range_samples(start: Fraction, end: Fraction, sample_rate: int) -> int:
    return max(0, round(Fraction(end) * sample_rate) - round(start * sample_rate))


def _paste(out: Samples, lo: int, block: Samples) -> None:
    """Copies `block` (ch, n) into `out` (ch, N) at column `lo`, clipped to both ends."""
    n = out.shape[1]
    hi = lo + block.shape[1]
    if hi <= 0 or lo >= n:
        return
    src_lo = max(0, -lo)
    src_hi = block.shape[1] - max(0, hi - n)
    out[:, max(lo, 0) : min(hi, n)] = block[:, src_lo:src_hi]


class AudioReader:
    """Streaming reads on the project's sample grid (sample 0 = file time 0) for playback and
    peaks: sequential reads continue the decode; a jump re-seeks. Zeros where there is no audio.
    One reader per thread."""

    def __init__(
        self,
        path: Path,
        sample_rate: int = PROJECT_SAMPLE_RATE,
        channels: int = 2,
        stream_index: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.channels = channels
        self._container = open_container(self.path)
        stream = pick_audio_stream(self._container, stream_index)
        self.has_audio = stream is not None
        self._decoder = (
            _BlockDecoder(
                self._container, stream, timeline_origin(self._container), sample_rate, channels
            )
            if stream is not None
            else None
        )
        self._blocks: Iterator[tuple[int, Samples]] | None = None
        self._buf = np.zeros((channels, 0), np.float32)
        self._buf_start = 0
        self._exhausted = False

    @property
    def _buf_end(self) -> int:
        return self._buf_start + self._buf.shape[1]

    def read(self, start_sample: int, count: int) -> Samples:
        """float32 (count, channels) starting at project sample `start_sample`."""
        out = np.zeros((self.channels, max(count, 0)), np.float32)
        if count <= 0 or self._decoder is None:
            return np.ascontiguousarray(out.T)
        end = start_sample + count
        ahead = round(_RESEEK_AHEAD * self.sample_rate)
        if (
            self._blocks is None
            or start_sample < self._buf_start
            or start_sample > (self._buf_end + ahead)
        ):
            self._restart(start_sample)
        while self._buf_end < end and not self._exhausted:
            self._pull()
        _paste(out, self._buf_start - start_sample, self._buf)
        # Keep only what a following sequential read can still need.
        drop = min(max(0, start_sample - self._buf_start), self._buf.shape[1])
        if drop:
            self._buf = self._buf[:, drop:]
            self._buf_start += drop
        return np.ascontiguousarray(out.T)

    def _restart(self, start_sample: int) -> None:
        assert self._decoder is not None
        self._blocks = self._decoder.blocks_from(max(0, start_sample))
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._buf_start = start_sample
        self._exhausted = False

    def _pull(self) -> None:
        assert self._blocks is not None
        try:
            index, block = next(self._blocks)
        except StopIteration:
            self._exhausted = True
            return
        end = self._buf_end
        if index + block.shape[1] <= end:
            return  # entirely before what we hold (pre-roll or an overlap)
        if index < end:
            block = block[:, end - index :]
            index = end
        if index > end:  # a gap in the audio: silence
            gap = np.zeros((self.channels, index - end), np.float32)
            self._buf = np.concatenate([self._buf, gap, block], axis=1)
        else:
            self._buf = np.concatenate([self._buf, block], axis=1)

    def close(self) -> None:
        self._blocks = None
        self._container.close()

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
