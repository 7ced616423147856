"""Projects on a stand-in source file: the core never opens the media, only fingerprints it."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from foleydesk.core.model import SourceMedia
from foleydesk.core.project import Project, fingerprint

MakeProject = Callable[..., Project]


def source_for(
    path: Path,
    rate: Fraction = Fraction(25),
    frames: int = 250,
    start_tc_frames: int = 0,
    drop_frame: bool = False,
) -> SourceMedia:
    return SourceMedia(
        path=str(path),
        relative_path=path.name,
        fingerprint=fingerprint(path),
        duration=Fraction(frames) / rate,
        frame_rate=rate,
        frame_count=frames,
        width=640,
        height=360,
        start_timecode_frames=start_tc_frames,
        drop_frame=drop_frame,
    )


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    def make(
        rate: Fraction = Fraction(25),
        frames: int = 250,
        start_tc_frames: int = 0,
        drop_frame: bool = False,
        name: str = "scene",
    ) -> Project:
        video = tmp_path / f"{name}.mp4"
        video.write_bytes(b"not really a video, but a stable fingerprint" * 100)
        source = source_for(video, rate, frames, start_tc_frames, drop_frame)
        return Project.create(tmp_path / f"{name}.foleydesk", source)

    return make
