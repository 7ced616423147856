"""What the emulators send back: real audio with a click on every motion onset of the video
they received, as WAV, MP3, or an MP4 of that picture with the audio muxed in (mono AAC 44.1 kHz,
as MMAudio's own compositing does)."""

from __future__ import annotations

import io
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from foleydesk.providers.motion import find_onsets, motion_energy

MODEL_RATE = 44_100


def onsets_of(video: bytes) -> list[Fraction]:
    with tempfile.NamedTemporaryFile(suffix=".mp4") as fh:
        fh.write(video)
        fh.flush()
        return [o.time for o in find_onsets(motion_energy(Path(fh.name)))]


def click_track(onsets: list[Fraction], duration: Fraction, rate: int = MODEL_RATE) -> np.ndarray:
    """Mono float32: a quiet bed and a sharp decaying click starting on each onset's sample."""
    n = round(duration * rate)
    out = (np.random.default_rng(1).standard_normal(n) * 0.002).astype(np.float32)
    decay = np.exp(-np.arange(rate // 50) / (rate / 2000)).astype(np.float32)
    for t in onsets:
        start = round(t * rate)
        if 0 <= start < n:
            end = min(n, start + decay.size)
            out[start:end] += 0.8 * decay[: end - start]
    return out


def _encode_audio(
    container: av.container.OutputContainer,
    codec: str,
    samples: npt.NDArray[np.float32],
    stream: av.audio.stream.AudioStream | None = None,
    rate: int = MODEL_RATE,
) -> None:
    """Mono (n,) or stereo (n, 2) samples through `codec`."""
    planar = samples[None, :] if samples.ndim == 1 else np.ascontiguousarray(samples.T)
    layout = "mono" if planar.shape[0] == 1 else "stereo"
    if stream is None:
        stream = container.add_stream(codec, rate=rate, layout=layout)
    fmt = "s16" if codec == "pcm_s16le" else stream.codec_context.format.name
    step = stream.codec_context.frame_size or 1024
    for pos in range(0, planar.shape[1], step):
        chunk = planar[:, pos : pos + step]
        if fmt.startswith("s16"):
            data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            data = (np.clip(chunk, -1, 1) * 2147483000).astype(np.int32)
        else:
            data = chunk.astype(np.float32)
        if not fmt.endswith("p"):  # packed: one row of interleaved samples
            data = np.ascontiguousarray(data.T).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
        frame.sample_rate = rate
        frame.pts = pos
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def audio_file(samples: npt.NDArray[np.float32], fmt: str, rate: int = MODEL_RATE) -> bytes:
    """WAV (PCM 16) or MP3 bytes of mono or stereo audio."""
    buffer = io.BytesIO()
    codec = {"wav": "pcm_s16le", "mp3": "libmp3lame"}[fmt]
    with av.open(buffer, "w", format=fmt) as out:
        _encode_audio(out, codec, samples, rate=rate)
    return buffer.getvalue()


def video_with_audio(
    video: bytes, samples: npt.NDArray[np.float32], rate: int = MODEL_RATE
) -> bytes:
    """The received MP4's picture (packets copied) with `samples` as AAC (mono or stereo)."""
    buffer = io.BytesIO()
    layout = "mono" if samples.ndim == 1 else "stereo"
    with av.open(io.BytesIO(video)) as src, av.open(buffer, "w", format="mp4") as out:
        vin = src.streams.video[0]
        vout = out.add_stream_from_template(vin)
        aout = out.add_stream("aac", rate=rate, layout=layout)
        for packet in src.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            out.mux(packet)
        _encode_audio(out, "aac", samples, aout, rate)
    return buffer.getvalue()


def audio_seconds(data: bytes) -> float:
    """Length of an audio file's first audio stream, by decoding it."""
    samples = 0
    rate = 1
    with av.open(io.BytesIO(data)) as src:
        stream = src.streams.audio[0]
        for frame in src.decode(stream):
            samples += frame.samples
            rate = frame.sample_rate
    return samples / rate


def duration_of(video: bytes) -> Fraction:
    with av.open(io.BytesIO(video)) as src:
        stream = src.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return Fraction(stream.duration) * Fraction(stream.time_base)
        return Fraction(src.duration or 0, 1_000_000)


def generate(
    video: bytes | None,
    fmt: str,
    duration: Fraction | None = None,
    channels: int = 1,
    rate: int = MODEL_RATE,
) -> bytes:
    """The host's answer for one task: clicks at the video's onsets in the host's format. A
    stereo answer has the clicks in both channels, the right one at half level (an image a
    test can tell from mono)."""
    length = duration or (duration_of(video) if video else Fraction(8))
    onsets = onsets_of(video) if video else []
    samples = click_track(onsets, length, rate)
    if channels == 2:
        samples = np.stack([samples, samples * np.float32(0.5)], axis=1)
    if fmt == "mp4":
        if video is None:
            raise ValueError("an MP4 answer needs the received video")
        return video_with_audio(video, samples, rate)
    return audio_file(samples, fmt, rate)
