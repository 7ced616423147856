"""Small real test videos made with PyAV: a square that jumps at known frames (motion onsets)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def make_clip(
    path: Path,
    frames: int = 50,
    fps: int = 25,
    size: tuple[int, int] = (160, 96),
    jumps: tuple[int, ...] = (10, 30),
    audio: bool = False,
) -> Path:
    """A dark H.264 MP4 with a bright square that moves only on the `jumps` frames.

    Motion energy is zero everywhere except those frames, so each is an onset at frame/fps.
    """
    width, height = size
    side = height // 3
    positions = [(4, 4), (width - side - 4, height - side - 4)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast", "g": "10"}
        a_stream = None
        if audio:
            a_stream = out.add_stream("aac", rate=48000, layout="mono")
        spot = 0
        for index in range(frames):
            if index in jumps:
                spot = 1 - spot
            picture = np.full((height, width, 3), 16, dtype=np.uint8)
            x, y = positions[spot]
            picture[y : y + side, x : x + side] = 235
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
        if a_stream is not None:
            total = frames * 48000 // fps
            t = np.arange(total) / 48000
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for start in range(0, total, 1024):
                chunk = tone[start : start + 1024][None, :]
                aframe = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                aframe.sample_rate = 48000
                aframe.pts = start
                aframe.time_base = Fraction(1, 48000)
                for packet in a_stream.encode(aframe):
                    out.mux(packet)
            for packet in a_stream.encode():
                out.mux(packet)
    return path
