"""Small test media for playback: frames that carry their index, takes with known samples."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

SR = 48000
CODE_BITS = 10
CODE_CELL = 8


def coded_frame(index: int, width: int, height: int) -> npt.NDArray[np.uint8]:
    """A grey picture with the frame index as a row of black/white cells at the top left."""
    img = np.full((height, width, 3), 96, np.uint8)
    for bit in range(CODE_BITS):
        value = 255 if (index >> bit) & 1 else 0
        img[0:CODE_CELL, bit * CODE_CELL : (bit + 1) * CODE_CELL] = value
    return img


def frame_code(rgb: npt.NDArray[np.uint8]) -> int:
    """The index written by coded_frame (read at each cell's centre)."""
    half = CODE_CELL // 2
    return sum(
        1 << bit for bit in range(CODE_BITS) if rgb[half, bit * CODE_CELL + half].mean() > 128
    )


def make_video(
    path: Path,
    frames: int,
    rate: Fraction = Fraction(25),
    size: tuple[int, int] = (160, 96),
    audio: npt.NDArray[np.float32] | None = None,
) -> Path:
    """H.264 (+ AAC stereo when `audio` (n, 2) is given) whose frame i shows coded_frame(i)."""
    out = av.open(str(path), "w")
    video: Any = out.add_stream("libx264", rate=rate)
    video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
    video.options = {"preset": "ultrafast", "g": "12", "crf": "18"}
    sound: Any = out.add_stream("aac", rate=SR, layout="stereo") if audio is not None else None
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(coded_frame(i, *size), format="rgb24")
        frame.pts = i
        frame.time_base = 1 / rate
        for packet in video.encode(frame.reformat(format="yuv420p")):
            out.mux(packet)
    for packet in video.encode(None):
        out.mux(packet)
    if sound is not None and audio is not None:
        resampler = av.AudioResampler("fltp", "stereo", SR)
        planar = np.ascontiguousarray(audio.T)
        for pos in range(0, planar.shape[1], 1024):
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, pos : pos + 1024]), format="fltp", layout="stereo"
            )
            chunk.sample_rate = SR
            chunk.pts = pos
            chunk.time_base = Fraction(1, SR)
            for converted in resampler.resample(chunk):
                for packet in sound.encode(converted):
                    out.mux(packet)
        for packet in sound.encode(None):
            out.mux(packet)
    out.close()
    return path


def click_track(n: int, at: Sequence[int], level: float = 0.8) -> npt.NDArray[np.float32]:
    """(n, 2) silence with a one-sample click at each index in `at`."""
    data = np.zeros((n, 2), np.float32)
    for a in at:
        data[a] = level
    return data


def tone(n: int, freq: float, level: float = 0.4, phase: float = 0.0) -> npt.NDArray[np.float32]:
    t = np.arange(n) / SR
    wave = (level * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)
    return np.repeat(wave[:, None], 2, axis=1)


def signature(n: int, seed: int) -> npt.NDArray[np.float32]:
    """(n, 2) noise whose every sample is clearly non-zero (so any slip is visible)."""
    rng = np.random.default_rng(seed)
    mag = rng.uniform(0.05, 0.4, n).astype(np.float32)
    sign = np.where(rng.integers(0, 2, n) == 1, 1.0, -1.0).astype(np.float32)
    wave = mag * sign
    return np.stack([wave, -wave], axis=1)


def level_at(data: npt.NDArray[np.float32], freq: float) -> float:
    """Amplitude of a sine at `freq` in the left channel (single-bin DFT)."""
    x = data[:, 0].astype(np.float64)
    if len(x) == 0:
        return 0.0
    t = np.arange(len(x)) / SR
    re = float(np.dot(x, np.cos(2 * np.pi * freq * t)))
    im = float(np.dot(x, np.sin(2 * np.pi * freq * t)))
    return 2.0 * float(np.hypot(re, im)) / len(x)
