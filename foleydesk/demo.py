"""The first-run demo: a short clip the app renders itself and a project with two example cues.

No key and no network: a new user sees mark -> prompt -> generate -> audition -> export on the
offline provider in the first minute. Qt-free, so the CLI and tests can build it too.
"""

from __future__ import annotations

import logging
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from foleydesk.core.model import Cue, CueKind, LaneKind, Marker
from foleydesk.core.project import Project
from foleydesk.media.atomic import atomic_output
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.paths import data_dir

log = logging.getLogger(__name__)

DEMO_FPS = 25
DEMO_SECONDS = 8
DEMO_SIZE = (640, 360)
DEMO_AUDIO_RATE = 48_000
DEMO_NAME = "FoleyDesk Demo"
DEMO_PROVIDER = "offline"

# The ball lands on these frames (the floor contacts an editor wants to hear).
BOUNCE_FRAMES = (20, 52, 78, 98, 112)
# The door slides across between these frames.
SLIDE_FRAMES = (130, 175)


def demo_dir() -> Path:
    return data_dir() / "demo"


def demo_clip_path() -> Path:
    return demo_dir() / "foleydesk-demo.mp4"


def demo_project_path() -> Path:
    return demo_dir() / f"{DEMO_NAME}.foleydesk"


def _ball_height(frame: int) -> float:
    """0 = on the floor, 1 = the top of the first arc; parabolic arcs between the contacts."""
    if frame < BOUNCE_FRAMES[0]:
        # Falling from the top into the first contact.
        t = frame / BOUNCE_FRAMES[0]
        return 1.0 - t * t
    for index in range(len(BOUNCE_FRAMES) - 1):
        a, b = BOUNCE_FRAMES[index], BOUNCE_FRAMES[index + 1]
        if a <= frame < b:
            peak = 0.75**index * 0.9
            u = (frame - a) / (b - a)
            return peak * 4.0 * u * (1.0 - u)
    return 0.0


def _render_frame(frame: int, width: int, height: int) -> np.ndarray:
    """One RGB frame: a warm room, a floor, a bouncing ball and a door that slides shut."""
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    img = np.empty((height, width, 3), dtype=np.float32)
    img[..., 0] = 52 + 30 * y
    img[..., 1] = 48 + 22 * y
    img[..., 2] = 60 + 10 * y
    floor_y = int(height * 0.78)
    img[floor_y:, :, :] = (96, 70, 48)
    # Floor boards.
    for x in range(0, width, 64):
        img[floor_y:, x : x + 2, :] = (70, 50, 34)
    # The door: slides from the right edge to cover the doorway between SLIDE_FRAMES.
    start, end = SLIDE_FRAMES
    progress = min(1.0, max(0.0, (frame - start) / (end - start)))
    progress = 0.5 - 0.5 * math.cos(math.pi * progress)
    door_w = width // 5
    door_left = int(width - door_w * 0.15 - progress * door_w * 1.6)
    img[int(height * 0.22) : floor_y, width - door_w * 2 : width - door_w // 4, :] = (28, 26, 34)
    img[int(height * 0.2) : floor_y, door_left : door_left + door_w, :] = (150, 104, 62)
    knob_x = door_left + 12
    img[int(height * 0.5) : int(height * 0.5) + 8, knob_x : knob_x + 8, :] = (220, 190, 90)
    # The ball, squashed on contact.
    radius = height // 14
    h = _ball_height(frame)
    cx = int(width * 0.12 + (width * 0.5) * min(1.0, frame / BOUNCE_FRAMES[-1]))
    cy = int(floor_y - radius - h * (floor_y - radius * 2 - 20))
    squash = 1.35 if frame in BOUNCE_FRAMES else 1.0
    yy, xx = np.ogrid[:height, :width]
    rx, ry = radius * squash, radius / squash
    cy_draw = floor_y - ry if frame in BOUNCE_FRAMES else cy
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy_draw) / ry) ** 2 <= 1.0
    img[inside] = (214, 72, 60)
    # Shadow under the ball grows as it nears the floor.
    shadow = ((xx - cx) / (radius * (1.6 - h * 0.6))) ** 2 + ((yy - floor_y - 4) / 4.0) ** 2 <= 1
    img[shadow] *= 0.6
    return np.clip(img, 0, 255).astype(np.uint8)


def _production_audio(seconds: int) -> np.ndarray:
    """Faint guide audio as a set would record it: room tone, soft thumps, the door rolling.

    Quiet on purpose: the foley is what the editor adds; this shows up as the source waveform.
    """
    n = seconds * DEMO_AUDIO_RATE
    rng = np.random.default_rng(7)
    t = np.arange(n) / DEMO_AUDIO_RATE
    audio = rng.normal(0.0, 0.004, n) + 0.003 * np.sin(2 * np.pi * 50 * t)
    for index, frame in enumerate(BOUNCE_FRAMES):
        start = frame * DEMO_AUDIO_RATE // DEMO_FPS
        length = DEMO_AUDIO_RATE // 8
        env = np.exp(-np.arange(length) / (DEMO_AUDIO_RATE * 0.025))
        thump = 0.35 * 0.8**index * env * np.sin(2 * np.pi * 90 * np.arange(length) / 48000)
        end = min(n, start + length)
        audio[start:end] += thump[: max(0, end - start)]
    a, b = (min(n, f * DEMO_AUDIO_RATE // DEMO_FPS) for f in SLIDE_FRAMES)
    audio[a:b] += rng.normal(0.0, 0.03, b - a) * np.hanning(b - a)
    end = min(n, b + 4800)
    thud = 0.15 * np.exp(-np.arange(4800) / 900.0) * rng.normal(0.0, 1.0, 4800)
    audio[b:end] += thud[: end - b]
    stereo = np.stack([audio, audio]).astype(np.float32)
    return np.clip(stereo, -1.0, 1.0)


def _encode_audio(container: Any, stream: Any, samples: np.ndarray) -> None:
    resampler = av.AudioResampler("fltp", "stereo", DEMO_AUDIO_RATE)
    step = 1024
    for pos in range(0, samples.shape[1], step):
        chunk = np.ascontiguousarray(samples[:, pos : pos + step])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate = DEMO_AUDIO_RATE
        frame.pts = pos
        frame.time_base = Fraction(1, DEMO_AUDIO_RATE)
        for converted in resampler.resample(frame):
            container.mux(stream.encode(converted))
    container.mux(stream.encode(None))


def render_demo_clip(path: Path, seconds: int = DEMO_SECONDS) -> Path:
    """Encode the demo clip (H.264 + AAC guide audio) with PyAV, under a temporary name first."""
    width, height = DEMO_SIZE
    with atomic_output(path, suffix=".mp4") as partial, av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=DEMO_FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23", "g": "25"}
        audio = container.add_stream("aac", rate=DEMO_AUDIO_RATE, layout="stereo")
        for index in range(seconds * DEMO_FPS):
            frame = av.VideoFrame.from_ndarray(_render_frame(index, width, height), "rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, DEMO_FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        _encode_audio(container, audio, _production_audio(seconds))
    return path


def _add_demo_cues(project: Project) -> None:
    foley = [lane for lane in project.sorted_lanes() if lane.kind is LaneKind.FOLEY]
    with project.transaction():
        project.add_cue(
            Cue(
                0,
                foley[0].id,
                BOUNCE_FRAMES[0] - 6,
                BOUNCE_FRAMES[-1] + 10,
                label="Ball bounces",
                colour="#e0a43a",
                prompt="rubber ball bouncing on a wooden floor, close, dry room",
                negative_prompt="music, voices",
                kind=CueKind.FOLEY,
                provider_id=DEMO_PROVIDER,
                params={"takes": 1},
            )
        )
        project.add_cue(
            Cue(
                0,
                foley[1 if len(foley) > 1 else 0].id,
                SLIDE_FRAMES[0] - 5,
                SLIDE_FRAMES[1] + 10,
                label="Door slides shut",
                colour="#4f9dde",
                prompt="heavy wooden sliding door rolling shut, ends with a thud",
                negative_prompt="music",
                kind=CueKind.FOLEY,
                provider_id=DEMO_PROVIDER,
                params={"takes": 1},
            )
        )
        project.add_marker(Marker(0, BOUNCE_FRAMES[0], "first bounce"))


def ensure_demo_project(folder: Path | None = None) -> Path:
    """Path of the demo project, rendering the clip and building the project when missing."""
    folder = folder or demo_dir()
    clip = folder / demo_clip_path().name
    project_path = folder / demo_project_path().name
    if project_path.exists() and clip.exists():
        return project_path
    if not clip.exists():
        log.info("rendering the demo clip to %s", clip)
        render_demo_clip(clip)
    if project_path.exists():  # the clip was re-rendered: its fingerprint changed
        project_path.unlink()
    source = source_media_from_info(probe(clip))
    project = Project.create(project_path, source)
    try:
        _add_demo_cues(project)
    finally:
        project.close()
    return project_path
