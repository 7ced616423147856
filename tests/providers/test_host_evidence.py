"""What the hosts' own SDKs, docs and other people's clients showed (PROVIDERS.md, "Checked
against independent code"), each against an emulator that answers that way; every test here
failed on the client as it was before issue 13."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.cli import main
from foleydesk.core.model import Cue, CueKind, JobState
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.takes import read_wav, write_wav
from foleydesk.providers.base import GenerationRequest, TaskState
from foleydesk.providers.http import make_client
from foleydesk.providers.registry import get_provider
from foleydesk.settings import load_settings
from tests.fakes.clips import make_clip
from tests.fakes.harness import fast_settings, faults, generate, run_engine, start_host
from tests.fakes.hosts import EachlabsHost, PiapiHost, QubicoHost, WavespeedHost
from tests.fakes.server import Fault
from tests.providers.test_hosts import assert_clicks_on_onsets

# -- 1. PiAPI: an upload refused by the plan is not a refused key --------------------------------


def test_piapi_free_plan_upload_says_the_plan_not_the_key(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "piapi")
    assert isinstance(server, PiapiHost)
    server.plan_level = "free"
    with server:
        (job_id,) = generate(project, "piapi")
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "plan" in job.error and "does not allow file uploads" in job.error
    assert "refused the API key" not in job.error
    assert "key itself was accepted" in job.error
    assert not server.tasks  # nothing was created


# -- 2. PiAPI: the 10 MB is on the base64 text; style references sent compactly -----------------


def test_piapi_caps_the_raw_file_so_its_base64_fits_10_mb() -> None:
    provider = get_provider("piapi", fast_settings())
    raw = provider.capabilities.max_upload_bytes
    assert (raw + 2) // 3 * 4 <= 10 * 1024 * 1024  # the segment cutter keeps under this


@pytest.fixture
def music(tmp_path: Path) -> Iterator[Project]:
    clip = make_clip(tmp_path / "long.mp4", frames=300, size=(96, 64), jumps=(), audio=True)
    with Project.create(tmp_path / "m.foleydesk", source_media_from_info(probe(clip))) as p:
        lane = p.default_lane(CueKind.MUSIC)
        p.add_cue(Cue(0, lane.id, 0, 275, kind=CueKind.MUSIC, prompt="", colour=""))  # 11 s
        yield p


def test_a_30_s_stereo_style_reference_fits_piapis_upload(
    music: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = tmp_path / "reference.wav"
    rng = np.random.default_rng(1)
    write_wav(reference, (rng.standard_normal((30 * 48_000, 2)) * 0.2).astype(np.float32))
    server = start_host(monkeypatch, "piapi")

    async def work(engine: JobEngine) -> None:
        engine.enqueue([1], "piapi", params={"style_audio": str(reference), "style_prompt": "x"})
        await engine.run_until_idle()

    with server:
        run_engine(music, fast_settings(), work)
    job = music.job(1)
    assert job.state is JobState.DONE, job.error
    assert server.invalid == []


# -- 3-5. Eachlabs: uploads kept long enough, failures in the host's words, Bearer ----------------


def test_eachlabs_upload_outlives_a_long_queue(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=0.1)
    assert isinstance(server, EachlabsHost)
    segment = make_clip(tmp_path / "seg.mp4", frames=50, size=(96, 64), jumps=(10,))

    async def run() -> TaskState:
        async with make_client(trust_env=False) as client:
            provider = get_provider("eachlabs", fast_settings(), client)
            url = await provider.upload(segment, "video/mp4")
            server.advance(3600)  # an hour in a busy queue before the prediction runs
            request = GenerationRequest(CueKind.FOLEY, "knock", Fraction(2), video_url=url)
            task_id = await provider.submit(request)
            for _ in range(100):
                status = await provider.poll(task_id)
                if status.state.terminal:
                    assert status.state is TaskState.COMPLETED, status.error
                    return status.state
                await asyncio.sleep(0.05)
            raise AssertionError("the prediction never finished")

    with server:
        assert asyncio.run(run()) is TaskState.COMPLETED


def test_eachlabs_failed_prediction_is_reported_in_its_own_words(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", plan=faults(create=Fault.TASK_FAILS))
    with server:
        (job_id,) = generate(project, "eachlabs")
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "CUDA out of memory" in job.error  # output.error_message, not "None"
    assert "refused" not in job.error and "None" not in job.error


def test_eachlabs_submit_refusal_is_a_refusal_in_its_words(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", plan=faults(create=Fault.BAD_SHAPE))
    with server:
        (job_id,) = generate(project, "eachlabs")
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "Eachlabs refused the request: invalid video format" in job.error


def test_eachlabs_gets_the_documented_bearer_header(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs")
    assert isinstance(server, EachlabsHost)
    with server:
        (job_id,) = generate(project, "eachlabs")
    assert project.job(job_id).state is JobState.DONE
    assert server.auth_styles["bearer"] >= 3  # presign, create, polls
    assert server.auth_styles["x-api-key"] == 0
    assert server.puts_with_key == 0


# -- 6. WaveSpeed: the ticket upload first, the binary upload as the fallback ---------------------


@pytest.mark.parametrize("tickets", [True, False])
def test_wavespeed_uploads_by_ticket_and_falls_back_to_binary(
    tickets: bool, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    assert isinstance(server, WavespeedHost)
    server.tickets = tickets
    with server:
        (job_id,) = generate(project, "wavespeed")
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert dict(server.uploads) == ({"ticket": 1} if tickets else {"binary": 1})
    assert server.invalid == []
    samples, _ = read_wav(project.take_path(project.takes[job.take_id or 0]))
    assert_clicks_on_onsets(samples)


# -- 7. Qubico: two documented APIs; `keys test qubico` finds and remembers the one that answers --


def test_keys_test_qubico_detects_and_remembers_the_task_style(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_host(monkeypatch, "qubico")
    assert isinstance(server, QubicoHost)
    server.style = "task"
    config = project.path.parent / "config"
    config.mkdir()
    (config / "settings.json").write_text(json.dumps({"version": 2, "poll_max_seconds": 0.2}))
    monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(config))
    with server:
        code = main(["keys", "test", "qubico"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "'task' API (remembered)" in out
        settings = load_settings()
        assert settings.provider("qubico").api_style == "task"
        assert settings.poll_max_seconds == 0.2  # the rest of the file kept
        settings.poll_initial_seconds = 0.05
        (job_id,) = generate(project, "qubico", settings)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.invalid == []


def test_qubico_404_names_the_api_style_tried_and_how_to_switch(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "qubico")
    assert isinstance(server, QubicoHost)
    server.style = "task"  # the host answers the other style; nothing remembered yet
    with server:
        (job_id,) = generate(project, "qubico")
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "'inference' API style" in job.error and "keys test qubico" in job.error
    assert not server.tasks


# -- 8. A redirect in answer to a submit created nothing ------------------------------------------


def test_a_submit_redirected_to_another_host_fails_clearly(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    assert isinstance(server, WavespeedHost)
    server.redirect_create = "https://elsewhere.example/api/v3/wavespeed-ai/mmaudio-v2"
    with server:
        (job_id,) = generate(project, "wavespeed")
    job = project.job(job_id)
    assert job.state is JobState.FAILED  # never "submission uncertain"
    assert "redirected" in job.error and "nothing was created" in job.error
    assert server.creates_seen == 1 and not server.tasks


def test_a_submit_redirected_on_the_same_host_is_followed_once(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    assert isinstance(server, WavespeedHost)
    server.redirect_create = server.base_url + "/api/v3/wavespeed-ai/mmaudio-v2"
    with server:
        (job_id,) = generate(project, "wavespeed")
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.creates_seen == 2 and len(server.tasks) == 1
