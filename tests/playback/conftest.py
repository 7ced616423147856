"""Playback test fixtures: a private PulseAudio null sink (started and torn down here, so CI
needs only the packages), small generated media, and projects with takes on lanes.

Without PulseAudio the engine tests run on the null output (a warning says so) and only the
parts that need a real device are skipped.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from foleydesk.core.model import Cue, LaneKind, Take, TakeStatus
from foleydesk.core.project import Project
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.takes import write_wav
from tests.playback.mediagen import make_video
from tests.playback.soundserver import (
    MonitorRecorder,
    SoundServer,
    missing_tools,
    start_sound_server,
)

VIDEO_RATE = Fraction(25)
VIDEO_FRAMES = 25 * 8  # 8 s


@dataclass
class AudioSetup:
    """How engines under test reach the sound: a device on the test server, or the null output."""

    server: SoundServer | None
    reason: str = ""

    @property
    def use_device(self) -> bool:
        return self.server is not None

    @property
    def device(self) -> str | None:
        return "pulse" if self.server is not None else None

    def recorder(self) -> MonitorRecorder:
        if self.server is None:
            pytest.skip(f"needs the PulseAudio null sink ({self.reason})")
        return MonitorRecorder(self.server)


def _refresh_portaudio() -> None:
    """PortAudio lists devices once, when it starts: if an earlier test (the self-test, the UI)
    already loaded sounddevice, restart PortAudio so it finds the test server's "pulse" device."""
    sd = sys.modules.get("sounddevice")
    if sd is not None:
        sd._terminate()
        sd._initialize()


@pytest.fixture(scope="session")
def audio_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AudioSetup]:
    missing = missing_tools()
    if missing:
        reason = f"{', '.join(missing)} not installed"
        warnings.warn(
            f"PulseAudio absent ({reason}): playback tests run on the null output", stacklevel=2
        )
        yield AudioSetup(None, reason)
        return
    try:
        server = start_sound_server(tmp_path_factory.mktemp("pulse"))
    except (RuntimeError, OSError) as exc:
        warnings.warn(
            f"PulseAudio did not start ({exc}): playback tests run on the null output", stacklevel=2
        )
        yield AudioSetup(None, str(exc))
        return
    saved = {key: os.environ.get(key) for key in ("PULSE_SERVER", "PULSE_SINK")}
    # sounddevice is imported lazily by the engine, after this: PortAudio sees the test server.
    os.environ["PULSE_SERVER"] = server.env["PULSE_SERVER"]
    os.environ["PULSE_SINK"] = server.env["PULSE_SINK"]
    _refresh_portaudio()
    try:
        yield AudioSetup(server)
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def source_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s, 25 fps, 160x96, frame i shows code i; silent AAC stereo."""
    folder = tmp_path_factory.mktemp("playback-media")
    silent = np.zeros((int(VIDEO_FRAMES / VIDEO_RATE * 48000), 2), np.float32)
    return make_video(folder / "source.mp4", VIDEO_FRAMES, VIDEO_RATE, audio=silent)


ProjectFactory = Callable[[], Project]


@pytest.fixture
def make_project(tmp_path: Path, source_video: Path) -> Iterator[ProjectFactory]:
    projects: list[Project] = []

    def factory() -> Project:
        info = probe(source_video)
        project = Project.create(
            tmp_path / f"p{len(projects)}.foleydesk", source_media_from_info(info)
        )
        projects.append(project)
        return project

    yield factory
    for project in projects:
        project.close()


def add_take(
    project: Project,
    in_frame: int,
    out_frame: int,
    samples: npt.NDArray[np.float32],
    lane_number: int = 1,
    choose: bool = True,
    name: str = "take",
) -> tuple[Cue, Take]:
    """A cue on lane N with a ready take holding `samples` (written as float WAV)."""
    lane = project.lane_by_number(lane_number, LaneKind.FOLEY)
    cue = project.add_cue(Cue(0, lane.id, in_frame, out_frame))
    path = project.takes_dir / f"{name}-{cue.id}-{len(project.takes)}.wav"
    write_wav(path, samples)
    take = project.add_take(
        Take(
            0,
            cue.id,
            "test",
            status=TakeStatus.READY,
            file=str(path.relative_to(project.media_dir)),
        )
    )
    if choose:
        project.update_cue(cue.id, chosen_take_id=take.id)
    return cue, take


def add_alternative(
    project: Project, cue: Cue, samples: npt.NDArray[np.float32], name: str = "alt"
) -> Take:
    path = project.takes_dir / f"{name}-{cue.id}-{len(project.takes)}.wav"
    write_wav(path, samples)
    return project.add_take(
        Take(
            0,
            cue.id,
            "test",
            status=TakeStatus.READY,
            file=str(path.relative_to(project.media_dir)),
        )
    )
