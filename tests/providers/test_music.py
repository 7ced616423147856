"""Music cues on PiAPI's DiffRhythm: lyrics and style sent as documented, the source's own sound
under the cue as the style reference, problems said before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from foleydesk.core.model import Cue, CueKind, JobState
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.takes import read_wav
from tests.fakes.clips import make_clip
from tests.fakes.harness import fast_settings, run_engine, start_host
from tests.fakes.hosts import PiapiHost

LYRICS = "[00:00.00] la la\n[00:04.50] the night is long"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    clip = make_clip(tmp_path / "long.mp4", frames=300, size=(96, 64), jumps=(), audio=True)
    with Project.create(tmp_path / "m.foleydesk", source_media_from_info(probe(clip))) as p:
        lane = p.default_lane(CueKind.MUSIC)
        p.add_cue(Cue(0, lane.id, 0, 275, kind=CueKind.MUSIC, prompt="", colour=""))  # 11 s
        p.add_cue(Cue(0, lane.id, 0, 100, kind=CueKind.MUSIC, prompt="", colour=""))  # 4 s
        yield p


def test_a_song_with_lyrics_and_the_source_as_style(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "piapi")
    assert isinstance(server, PiapiHost)
    base = server.base_url

    async def work(engine: JobEngine) -> None:
        params = {"lyrics": LYRICS, "style_prompt": "slow jazz", "style_audio": "source"}
        engine.enqueue([1], "piapi", params=params)
        await engine.run_until_idle()

    with server:
        run_engine(project, fast_settings(), work)
    job = project.job(1)
    assert job.state is JobState.DONE, job.error
    assert job.cost_estimate == 0.02
    (body,) = server.bodies
    assert body["model"] == "Qubico/diffrhythm" and body["task_type"] == "txt2audio-base"
    assert body["input"]["lyrics"] == LYRICS and body["input"]["style_prompt"] == "slow jazz"
    assert body["input"]["style_audio"].startswith(base)
    assert server.invalid == []
    samples, _ = read_wav(project.take_path(project.takes[job.take_id or 0]))
    assert samples.shape[0] == 11 * 48000


def test_a_short_cue_cannot_be_its_own_style_reference(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_PIAPI_API_KEY", "k-1234")

    async def work(engine: JobEngine) -> None:
        engine.enqueue([2], "piapi", params={"style_audio": "source"})

    with pytest.raises(UserError, match="needs at least 10 s"):
        run_engine(project, fast_settings(), work)
    assert not project.jobs


def test_a_music_cue_needs_something_to_go_on(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_PIAPI_API_KEY", "k-1234")

    async def work(engine: JobEngine) -> None:
        engine.enqueue([2], "piapi")

    with pytest.raises(UserError, match="lyrics, a style prompt or a style reference"):
        run_engine(project, fast_settings(), work)


def test_foley_only_hosts_refuse_music(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLEYDESK_WAVESPEED_API_KEY", "k-1234")

    async def work(engine: JobEngine) -> None:
        engine.enqueue([1], "wavespeed", params={"style_prompt": "pop"})

    with pytest.raises(UserError, match="makes foley only, not music"):
        run_engine(project, fast_settings(), work)
