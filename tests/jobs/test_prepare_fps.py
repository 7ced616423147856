"""A job's upload segment is conformed to the frame rate its model samples, not always 25 fps:
ffprobe reads the rate, and the first frame is the picture at the cue's in point."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest

from foleydesk.core.model import Cue, Job
from foleydesk.core.project import Project
from foleydesk.jobs.prepare import cut_job_segment
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.providers.base import Capabilities
from tests.media.mediagen import make_video, read_code

SOURCE_FPS = Fraction(25)
CUE_IN, CUE_OUT = 37, 62  # source frames: one second


@pytest.fixture(scope="module")
def coded_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """25 fps, each frame showing its own index as a code (tests.media.mediagen)."""
    return make_video(tmp_path_factory.mktemp("fps") / "coded.mp4", frames=100)


def _ffprobe_rate(path: Path) -> Fraction:
    entries = "stream=avg_frame_rate,r_frame_rate"
    query = ["-select_streams", "v:0", "-show_entries", entries, "-of", "json"]
    out = subprocess.run(
        ["ffprobe", "-v", "error", *query, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stream = json.loads(out)["streams"][0]
    assert stream["avg_frame_rate"] == stream["r_frame_rate"]  # constant rate
    return Fraction(stream["avg_frame_rate"])


def _codes(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        scale = stream.codec_context.width / 320
        return [read_code(f.to_ndarray(format="rgb24"), scale) for f in container.decode(stream)]


def test_segment_is_cut_at_the_models_sampled_rate(tmp_path: Path, coded_source: Path) -> None:
    project = Project.create(tmp_path / "p.foleydesk", source_media_from_info(probe(coded_source)))
    cue = project.add_cue(Cue(0, project.sorted_lanes()[0].id, CUE_IN, CUE_OUT, prompt="steps"))
    job = project.add_job(
        Job(0, cue.id, "offline", request={"in_frame": CUE_IN, "out_frame": CUE_OUT})
    )
    for fps in (Fraction(8), Fraction(30000, 1001)):
        caps = Capabilities(segment_fps=fps)
        segment = cut_job_segment(project, job, caps, None)
        assert _ffprobe_rate(segment) == fps
        codes = _codes(segment)
        assert len(codes) == round(fps)  # one second of picture
        assert codes[0] == CUE_IN  # the first frame is the cue's in point
        # Frame k shows the source frame on screen at in + k / fps.
        for k in (1, len(codes) // 2, len(codes) - 1):
            assert codes[k] == CUE_IN + (k * SOURCE_FPS) // fps
