"""Every hosted provider against its emulator: the happy path (a take with the clicks on the
onset samples), the host's own failure words, a lost submit answer, a refused key."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from foleydesk.core.model import JobState, TakeStatus
from foleydesk.core.project import Project
from foleydesk.logs import REDACTED
from foleydesk.media.takes import read_wav
from tests.fakes.harness import ONSET_SECONDS, faults, generate, generate_on, start_host
from tests.fakes.server import Fault

HOSTED = ("piapi", "qubico", "eachlabs", "wavespeed", "selfhosted")
# The hosts of issue 14: fal and Replicate answer with the picture's sound; ElevenLabs makes
# sound from text (its take is checked at the cue's in point in test_fal_replicate_elevenlabs).
VIDEO_HOSTS = (*HOSTED, "fal", "replicate")
SR = 48_000


def assert_clicks_on_onsets(samples: np.ndarray) -> None:
    """The loudest sample near each onset is within 2 ms of it (through MP3/AAC and resampling)."""
    mono = np.abs(samples).max(axis=1)
    for seconds in ONSET_SECONDS:
        onset = round(seconds * SR)
        window = mono[onset - 2400 : onset + 2400]
        assert abs(int(np.argmax(window)) - 2400) <= 96, f"click near {seconds}s"
        assert window.max() > 0.3
    assert mono[: round(ONSET_SECONDS[0] * SR) - 480].max() < 0.05


@pytest.mark.parametrize("host", VIDEO_HOSTS)
def test_happy_path_gives_a_take_synced_to_the_picture(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, (job_id,) = generate_on(monkeypatch, project, host)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.invalid == []
    assert sum(server.creates.values()) == 1
    take = project.takes[job.take_id or 0]
    assert take.status is TakeStatus.READY and take.provider_id == host
    path = project.take_path(take)
    assert path.parent == project.takes_dir and path.suffix == ".wav"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == take.sha256
    samples, rate = read_wav(path)
    assert rate == SR
    assert samples.shape[0] == 50 * SR // 25  # exactly the cue's 50 frames
    assert_clicks_on_onsets(samples)
    assert not list(project.takes_dir.glob(".download-*"))
    if host != "selfhosted":  # the Cog server has no task id of its own
        # (fal's task id is the result URL that names its request id)
        assert (job.task_id or "").rsplit("/", 1)[-1] in server.tasks


@pytest.mark.parametrize("host", (*VIDEO_HOSTS, "elevenlabs"))
def test_a_failed_task_fails_the_job_in_the_hosts_words(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (job_id,) = generate_on(monkeypatch, project, host, faults(create=Fault.TASK_FAILS))
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    words = {
        "piapi": "failed to generate audio",
        "qubico": "video decoding failed",
        "eachlabs": "out of memory",
        "wavespeed": "inference failed",
        "selfhosted": "CUDA out of memory",
        "fal": "Runner crashed: CUDA out of memory",
        "replicate": "Could not decode the video stream",
        "elevenlabs": "Sound generation failed",
    }[host]
    assert words in job.error
    assert not project.takes


@pytest.mark.parametrize(
    ("host", "fault"),
    [(h, Fault.DROP) for h in ("piapi", "qubico", "eachlabs", "wavespeed")]
    + [(h, Fault.DROP) for h in ("fal", "replicate", "elevenlabs")]
    + [("piapi", Fault.MALFORMED)],  # a garbled answer names no task either
)
def test_a_lost_or_garbled_submit_answer_is_never_resent(
    host: str, fault: Fault, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, (job_id,) = generate_on(monkeypatch, project, host, faults(create=fault))
    job = project.job(job_id)
    assert job.state is JobState.UNCERTAIN
    assert job.task_id is None and job.submit_attempts == 1
    assert sum(server.creates.values()) == 1  # the host made it; we did not send it again


def test_selfhosted_resends_a_lost_request_to_the_users_own_server(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(create=Fault.DROP)
    server, (job_id,) = generate_on(monkeypatch, project, "selfhosted", plan)
    assert project.job(job_id).state is JobState.DONE
    assert sum(server.creates.values()) == 2  # free and local: resending is the right call


@pytest.mark.parametrize("host", ["piapi", "qubico", "eachlabs", "wavespeed"])
def test_a_refused_key_says_so_without_showing_it(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, host, key="right-key-1234")
    monkeypatch.setenv(f"FOLEYDESK_{host.upper()}_API_KEY", "wrong-key-5678")
    with server:
        (job_id,) = generate(project, host)
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "refused the API key" in job.error and f"keys set {host}" in job.error
    assert "wrong-key-5678" not in job.error and REDACTED in job.error


def test_only_wavespeed_and_fal_offer_mask_away_clip() -> None:
    from foleydesk.providers.registry import all_providers
    from foleydesk.settings import Settings

    offering = sorted(p.id for p in all_providers(Settings()) if p.capabilities.mask_away_clip)
    assert offering == ["fal", "wavespeed"]  # the inspector enables the switch from this
