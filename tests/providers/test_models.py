"""Every offering on WaveSpeed end to end through its emulator (fields as the model's page
names them, the take's clicks within 2 ms of the picture's, mono and stereo kept), chunks cut
at the model's sweet spot, and a mono take's pan."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.model import Cue, JobState, Take
from foleydesk.core.placement import file_time, place_take
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine
from foleydesk.media.render import Placement, file_grid, load_take_audio
from foleydesk.media.takes import read_wav
from foleydesk.playback.mixer import TakeCache
from foleydesk.providers.catalog import MODELS
from foleydesk.providers.registry import offerings
from tests.fakes.harness import CUE_IN, fast_settings, make_project, run_engine, start_host
from tests.fakes.hosts import WAVESPEED_MODELS, WavespeedHost
from tests.providers.test_hosts import assert_clicks_on_onsets

SR = 48_000
WAVESPEED = [o.model for o in offerings("wavespeed")]


@pytest.fixture
def long_cue(tmp_path: Path) -> Iterator[Project]:
    """A 4 s cue (Kling takes 3-20 s) whose picture jumps at 0.4 s and 1.2 s."""
    with make_project(tmp_path / "p", frames=120) as project:
        project.update_cue(1, out_frame=CUE_IN + 100)
        yield project


def generate_model(project: Project, model: str, **params: object) -> int:
    async def work(engine: JobEngine) -> int:
        (job,) = engine.enqueue([1], "wavespeed", seed=7, params=params, model_id=model)
        await engine.run_until_idle()
        return job.id

    return run_engine(project, fast_settings(), work)


@pytest.mark.parametrize("model", WAVESPEED)
def test_every_wavespeed_model_makes_a_synced_take(
    model: str, long_cue: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    assert isinstance(server, WavespeedHost)
    with server:
        job_id = generate_model(long_cue, model)
    job = long_cue.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.invalid == []
    (body,) = server.bodies
    endpoint = body.pop("endpoint")
    assert set(body) <= WAVESPEED_MODELS[endpoint].fields  # only the page's field names
    take = long_cue.takes[job.take_id or 0]
    assert (take.model_id, take.provider_id, take.host_model) == (model, "wavespeed", endpoint)
    samples, rate = read_wav(long_cue.take_path(take))
    assert rate == SR and samples.shape[0] == 4 * SR
    assert_clicks_on_onsets(samples)
    made = [t for t in long_cue.takes.values() if t.job_id == job_id]
    variations = 2 if MODELS[model].max_variations > 1 else 1  # Mirelo: num_samples, default 2
    assert len(made) == variations  # a take per variation the host returned
    channels = MODELS[model].channels
    assert samples.shape[1] == channels  # a stereo model's take stays stereo, mono stays mono
    if channels == 2:  # the host's image survives: the right channel at half the left
        left, right = np.abs(samples[:, 0]).max(), np.abs(samples[:, 1]).max()
        assert 0.4 < right / left < 0.6


def _played(project: Project, cue: Cue, take: Take) -> np.ndarray:
    """The take as the playback mixer has it (placed by core.placement, pan applied)."""
    placement = place_take(cue, take, file_time(project.source.frame_rate))
    clip = TakeCache().heard(project.take_path(take), placement, take.pan_gains())
    assert clip is not None
    return clip.samples


def test_stereo_take_reaches_the_mix_as_stereo_and_a_mono_take_pans(
    long_cue: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    with server:
        stereo_job = generate_model(long_cue, "hunyuan-foley")
        mono_job = generate_model(long_cue, "mmaudio")
    cue = long_cue.cue(1)
    lane = long_cue.lanes[cue.lane_id]
    stereo = long_cue.takes[long_cue.job(stereo_job).take_id or 0]
    mono = long_cue.takes[long_cue.job(mono_job).take_id or 0]
    grid = file_grid(long_cue)
    _, mixed = load_take_audio(long_cue, Placement(cue, stereo, lane, grid, 1.0))
    assert 0.4 < np.abs(mixed[:, 1]).max() / np.abs(mixed[:, 0]).max() < 0.6
    long_cue.update_take(mono.id, pan=-1.0)
    mono = long_cue.takes[mono.id]
    _, mixed = load_take_audio(long_cue, Placement(cue, mono, lane, grid, 1.0))
    assert np.abs(mixed[:, 0]).max() > 0.3 and np.abs(mixed[:, 1]).max() == 0.0
    heard = _played(long_cue, cue, mono)  # playback: the same pan
    assert np.abs(heard[:, 1]).max() == 0.0
    long_cue.update_take(stereo.id, pan=-1.0)  # pan leaves a stereo take's image alone
    stereo = long_cue.takes[stereo.id]
    heard = _played(long_cue, cue, stereo)
    assert np.abs(heard[:, 1]).max() > 0.3


def test_chunks_are_cut_at_the_models_sweet_spot_and_never_past_its_maximum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    with make_project(tmp_path / "long", frames=620) as project:
        project.update_cue(1, out_frame=CUE_IN + 600)  # 24 s: over HunyuanVideo-Foley's 15 s
        with server:
            with pytest.raises(UserError, match="at most 15 s"):
                generate_model(project, "hunyuan-foley")
            job_id = generate_model(project, "hunyuan-foley", chunking=True)
        job = project.job(job_id)
        assert job.state is JobState.DONE, job.error
        spans = [Fraction(c["end"]) - Fraction(c["start"]) for c in job.request["chunks"]]
        assert len(spans) == 3 and max(spans) <= 10  # the sweet spot (8-10 s), not 15
        assert server.invalid == []
        samples, _ = read_wav(project.take_path(project.takes[job.take_id or 0]))
        assert samples.shape == (24 * SR, 2)
        assert_clicks_on_onsets(samples)
