"""Test media with known content: frames carry their index as a binary code, audio has clicks at
known samples. Written with PyAV; a few container tricks (timecode track, rotation, TS offset)
use the ffmpeg command line, which the tests (never the product) may call."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

BITS = 12
CELL = 16  # code cells are CELL x CELL pixels in the top-left corner, one row of BITS cells


def frame_image(index: int, width: int, height: int) -> npt.NDArray[np.uint8]:
    """RGB picture for frame `index`: a moving gradient plus the index as a 12-bit code."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = (x * 255 // max(width - 1, 1) + index * 7) % 256
    img[..., 1] = (y * 255 // max(height - 1, 1)) % 256
    img[..., 2] = (index * 37) % 256
    img[: CELL + 4, : BITS * CELL + 4] = 128
    for bit in range(BITS):
        on = (index >> bit) & 1
        img[2 : 2 + CELL, 2 + bit * CELL : 2 + (bit + 1) * CELL] = 255 if on else 0
    return img


def read_code(rgb: npt.NDArray[np.uint8], scale: float = 1.0) -> int:
    """The frame index written by frame_image, read from (possibly scaled) pixels."""
    value = 0
    for bit in range(BITS):
        cy = int((2 + CELL / 2) * scale)
        cx = int((2 + bit * CELL + CELL / 2) * scale)
        if rgb[cy, cx].mean() > 128:
            value |= 1 << bit
    return value


def clicks(n: int, rate: int, at: Sequence[int], channels: int = 2) -> npt.NDArray[np.float32]:
    """(channels, n) silence with a full-height click at each sample index in `at`."""
    data = np.zeros((channels, n), np.float32)
    for a in at:
        data[:, a] = 0.9
    return data


def make_video(
    path: Path,
    *,
    codec: str = "libx264",
    rate: Fraction = Fraction(25),
    size: tuple[int, int] = (320, 240),
    frames: int = 50,
    pix_fmt: str = "yuv420p",
    gop: int = 12,
    options: dict[str, str] | None = None,
    audio_codec: str | None = "aac",
    audio_rate: int = 48000,
    audio_layout: str = "stereo",
    audio_data: npt.NDArray[np.float32] | None = None,
    pts: Sequence[int] | None = None,
    time_base: Fraction | None = None,
) -> Path:
    """A video whose frame i shows frame_image(i); `pts` (in `time_base`) makes it VFR."""
    width, height = size
    out = av.open(str(path), "w")
    v = out.add_stream(codec, rate=rate)
    v.width, v.height, v.pix_fmt = width, height, pix_fmt
    v.options = {"g": str(gop), **(options or {})}
    if codec in ("libx264", "libx265"):
        v.options = {"preset": "ultrafast", "crf": "16", **v.options}
    if time_base is not None:
        v.time_base = time_base
    a: Any = None
    if audio_codec:
        a = out.add_stream(audio_codec, rate=audio_rate, layout=audio_layout)
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(frame_image(i, width, height), format="rgb24")
        frame = frame.reformat(format=pix_fmt)
        if pts is not None:
            frame.pts = pts[i]
            frame.time_base = time_base
        else:
            frame.pts = i
            frame.time_base = 1 / rate
        for packet in v.encode(frame):
            out.mux(packet)
    for packet in v.encode(None):
        out.mux(packet)
    if a is not None:
        nch = av.AudioLayout(audio_layout).nb_channels
        n = int(Fraction(frames) / rate * audio_rate)
        data = audio_data if audio_data is not None else np.zeros((nch, n), np.float32)
        encode_audio(out, a, data, audio_rate, audio_layout)
    out.close()
    return path


def encode_audio(
    out: Any, stream: Any, data: npt.NDArray[np.float32], rate: int, layout: str
) -> None:
    fmt = stream.codec_context.format.name if stream.codec_context.format else "fltp"
    resampler = av.AudioResampler(fmt, layout, rate)
    step = stream.codec_context.frame_size or 1024
    for pos in range(0, data.shape[1], step):
        chunk = np.ascontiguousarray(data[:, pos : pos + step])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = pos
        frame.time_base = Fraction(1, rate)
        for converted in resampler.resample(frame):
            for packet in stream.encode(converted):
                out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def make_audio(
    path: Path,
    data: npt.NDArray[np.float32],
    *,
    codec: str,
    rate: int,
    layout: str,
) -> Path:
    out = av.open(str(path), "w")
    stream = out.add_stream(codec, rate=rate, layout=layout)
    encode_audio(out, stream, data, rate, layout)
    out.close()
    return path


def ffmpeg(*args: str) -> None:
    exe = shutil.which("ffmpeg")
    assert exe, "the media tests build some inputs with the ffmpeg command line"
    subprocess.run([exe, "-v", "error", "-y", *args], check=True)
