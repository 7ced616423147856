"""Test media for rendering and export: small videos with known frames, timecode and audio
clicks, and projects whose takes carry clicks at known samples."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.core.project import Project
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.takes import write_wav

SR = 48_000
CLICK = np.array([0.9, -0.6, 0.4, -0.2], dtype=np.float32)


def make_source(
    path: Path,
    rate: Fraction,
    frames: int,
    timecode: str | None = None,
    audio: bool = True,
    audio_clicks: tuple[int, ...] = (),
    size: tuple[int, int] = (64, 48),
    gop: int = 12,
) -> Path:
    """H.264 video (B-frames, a GOP of `gop`) with a grey level per frame and, optionally,
    stereo audio (AAC in MP4, PCM in MOV) that is silent except clicks at the given samples."""
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=rate)
    video.width, video.height = size
    video.pix_fmt = "yuv420p"
    video.options = {"g": str(gop), "bf": "2", "preset": "ultrafast"}
    if timecode:
        video.metadata["timecode"] = timecode
    astream = None
    if audio:
        codec = "aac" if path.suffix == ".mp4" else "pcm_s16le"
        astream = container.add_stream(codec, rate=SR, layout="stereo")
    for i in range(frames):
        image = np.full((size[1], size[0], 3), (i * 5) % 256, np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = i
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    if astream is not None:
        total = round(Fraction(frames) / rate * SR)
        pcm = np.zeros((2, total), np.float32)
        for at in audio_clicks:
            pcm[:, at : at + len(CLICK)] = CLICK[: max(0, total - at)]
        pos = 0
        while pos < total:
            count = min(1024, total - pos)
            block = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[:, pos : pos + count]), format="fltp", layout="stereo"
            )
            block.sample_rate = SR
            block.pts = pos
            for packet in astream.encode(block):
                container.mux(packet)
            pos += count
        for packet in astream.encode():
            container.mux(packet)
    container.close()
    return path


def make_project(folder: Path, source: Path, name: str = "Reel 1", lanes: int = 2) -> Project:
    info = probe(source)
    return Project.create(folder / f"{name}.foleydesk", source_media_from_info(info), lanes)


def click_samples(length: int, at: int, channels: int = 2) -> npt.NDArray[np.float32]:
    out = np.zeros((length, channels), np.float32)
    piece = CLICK[: max(0, length - at)]
    out[at : at + len(piece)] = piece[:, None]
    return out


def add_cue_with_take(
    project: Project,
    lane_number: int,
    in_frame: int,
    out_frame: int,
    click_at: int,
    *,
    label: str = "",
    offset: int = 0,
    gain_db: float = 0.0,
    extra_samples: int = 0,
    samples: npt.NDArray[np.float32] | None = None,
) -> tuple[Cue, Take]:
    """A cue on lane N with a chosen take of the cue's exact length (plus `extra_samples`)
    holding one click at take sample `click_at`."""
    lane = project.lane_by_number(lane_number)
    cue = project.add_cue(Cue(0, lane.id, in_frame, out_frame, label=label, prompt="steps"))
    rate = project.source.frame_rate
    length = round(cue.duration(rate) * SR) + extra_samples
    audio = samples if samples is not None else click_samples(length, click_at)
    name = f"takes/cue{cue.id}_{len(project.takes) + 1}.wav"
    write_wav(project.media_dir / name, audio, SR)
    take = project.add_take(
        Take(
            0,
            cue.id,
            "offline",
            status=TakeStatus.READY,
            file=name,
            offset_samples=offset,
            gain_db=gain_db,
        )
    )
    cue = project.update_cue(cue.id, chosen_take_id=take.id)
    return cue, take


def peak_index(samples: npt.NDArray[np.float32]) -> int:
    mono = np.abs(samples if samples.ndim == 1 else samples[:, 0])
    return int(np.argmax(mono))
