"""fal.ai, Replicate and ElevenLabs against their emulators: each offering end to end (a take with
the clicks where the picture moves, or the text sound at the cue's in point), each host's
failures in its own words, and uploads that never carry the key where they must not."""

from __future__ import annotations

import asyncio
import hashlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foleydesk.core.model import Cue, CueKind, Job, JobState, TakeStatus
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine
from foleydesk.jobs.requests import build_request, generation_request
from foleydesk.media.takes import read_wav
from foleydesk.providers.base import GenerationRequest, ProviderError, TaskState
from foleydesk.providers.hosts.elevenlabs import ElevenlabsProvider
from foleydesk.providers.http import HostHttp, RetryPolicy, make_client
from foleydesk.providers.registry import get_provider
from tests.fakes.clips import make_clip
from tests.fakes.elevenlabs import ElevenlabsHost
from tests.fakes.fal import FalHost
from tests.fakes.harness import (
    ONSET_SECONDS,
    fast_settings,
    faults,
    generate,
    generate_on,
    make_project,
    run_engine,
    start_host,
)
from tests.fakes.replicate import ReplicateHost
from tests.fakes.server import Fault, FaultPlan

SR = 48_000
TEXT_CLICK = round(0.25 * SR)  # where the emulators' text-only sound has its click


def assert_clicks_on_onsets(samples: np.ndarray) -> None:
    """The loudest sample near each onset is within 2 ms of it."""
    mono = np.abs(samples).max(axis=1)
    for seconds in ONSET_SECONDS:
        onset = round(seconds * SR)
        window = mono[onset - 2400 : onset + 2400]
        assert abs(int(np.argmax(window)) - 2400) <= 96, f"click near {seconds}s"
        assert window.max() > 0.3
    assert mono[: round(ONSET_SECONDS[0] * SR) - 480].max() < 0.05


def assert_text_sound_at_in_point(samples: np.ndarray) -> None:
    """The text sound's click lands 0.25 s after the cue's in point, within 2 ms."""
    mono = np.abs(samples).max(axis=1)
    assert abs(int(np.argmax(mono[:SR])) - TEXT_CLICK) <= 96
    assert mono[: TEXT_CLICK - 480].max() < 0.05


def take_samples(project: Project, take_id: int) -> np.ndarray:
    take = project.takes[take_id]
    path = project.take_path(take)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == take.sha256
    samples, rate = read_wav(path)
    assert rate == SR
    return samples


def add_long_cue(project: Project, frames: int = 85, **params: Any) -> int:
    """A second cue, `frames` long from frame 5 (3.4 s by default)."""
    lane = project.default_lane(CueKind.FOLEY)
    cue = project.add_cue(
        Cue(0, lane.id, 5, 5 + frames, prompt="wooden knock", params=params, colour="")
    )
    return cue.id


def run_model(
    monkeypatch: pytest.MonkeyPatch,
    project: Project,
    model: str,
    cue_id: int = 1,
    params: dict[str, Any] | None = None,
    seed: int | None = 3,
    plan: FaultPlan | None = None,
) -> tuple[FalHost, int]:
    """One take of `model` on fal for the cue, through the engine."""
    server = start_host(monkeypatch, "fal", plan=plan)
    assert isinstance(server, FalHost)

    async def work(engine: JobEngine) -> int:
        (job,) = engine.enqueue([cue_id], "fal", 1, seed, params, model_id=model)
        await engine.run_until_idle()
        return job.id

    try:
        return server, run_engine(project, fast_settings(), work)
    finally:
        server.stop()


# -- every offering end to end ---------------------------------------------------------------


@pytest.mark.parametrize("host", ["fal", "replicate"])
def test_video_hosts_give_a_take_synced_to_the_picture(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, (job_id,) = generate_on(monkeypatch, project, host)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.invalid == []
    assert sum(server.creates.values()) == 1
    take = project.takes[job.take_id or 0]
    assert take.status is TakeStatus.READY and take.provider_id == host
    samples = take_samples(project, take.id)
    assert samples.shape[0] == 50 * SR // 25
    assert_clicks_on_onsets(samples)


@pytest.mark.parametrize("model", ["mmaudio", "hunyuan-foley", "thinksound"])
def test_fal_video_models_give_synced_takes(
    model: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, job_id = run_model(monkeypatch, project, model)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.invalid == []
    (body,) = server.bodies
    prompt_field = "text_prompt" if model == "hunyuan-foley" else "prompt"
    assert body[prompt_field] == "wooden knock"
    assert_clicks_on_onsets(take_samples(project, job.take_id or 0))


def test_kling_gets_separate_effect_and_music_prompts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_project(tmp_path / "long", frames=100) as project:
        cue_id = add_long_cue(project, music_prompt="tense low strings")  # 3.4 s: Kling's 3-20
        server, job_id = run_model(monkeypatch, project, "kling-v2a", cue_id=cue_id)
        job = project.job(job_id)
        assert job.state is JobState.DONE, job.error
        (body,) = server.bodies
        assert body["sound_effect_prompt"] == "wooden knock"
        assert body["background_music_prompt"] == "tense low strings"
        assert "seed" not in body  # Kling takes no seed
        samples = take_samples(project, job.take_id or 0)
        assert samples.shape[0] == 85 * SR // 25
        assert_clicks_on_onsets(samples)


def test_kling_refuses_a_cue_shorter_than_three_seconds_before_sending(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError, match=r"needs at least 3 s"):
        run_model(monkeypatch, project, "kling-v2a")


def test_mirelo_gives_several_takes_from_one_request(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, job_id = run_model(
        monkeypatch, project, "mirelo-sfx-1.5", params={"variations": 3}, seed=7
    )
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert sum(server.creates.values()) == 1  # one request at fal ...
    takes = sorted((t for t in project.takes.values() if t.job_id == job_id), key=lambda t: t.id)
    assert [t.params["variation"] for t in takes] == [1, 2, 3]  # ... three takes
    beds = []
    for take in takes:
        samples = take_samples(project, take.id)
        assert_clicks_on_onsets(samples)
        beds.append(samples[:4800, 0])
    assert not np.allclose(beds[0], beds[1])  # three different variations, not one thrice
    assert {t.params["task_id"] for t in takes} == {job.task_id}
    assert server.bodies[0]["num_samples"] == 3


def test_elevenlabs_through_fal_lands_at_the_in_point(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, job_id = run_model(monkeypatch, project, "elevenlabs-sfx", seed=None)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert not server.uploads  # text only: no segment was cut or uploaded
    assert server.bodies[0]["duration_seconds"] == 2.0
    samples = take_samples(project, job.take_id or 0)
    assert samples.shape[0] == 2 * SR
    assert_text_sound_at_in_point(samples)


def test_elevenlabs_direct_lands_at_the_in_point(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, (job_id,) = generate_on(monkeypatch, project, "elevenlabs")
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert isinstance(server, ElevenlabsHost)
    assert server.bodies[0] == {
        "text": "wooden knock",
        "duration_seconds": 2.0,
        "prompt_influence": 0.3,
    }
    samples = take_samples(project, job.take_id or 0)
    assert samples.shape[0] == 2 * SR  # the cue's length exactly
    assert_text_sound_at_in_point(samples)


# -- seeds -------------------------------------------------------------------------------------


def test_a_seed_past_mmaudio_v2s_range_is_folded_in_and_recorded(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, job_id = run_model(monkeypatch, project, "mmaudio", seed=70_000)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.bodies[0]["seed"] == 70_000 - 65_536
    take = project.takes[job.take_id or 0]
    assert take.params["seed"] == 70_000 and take.params["seed_sent"] == 4464


def test_replicate_is_sent_our_seed_never_its_random_minus_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, (job_id,) = generate_on(monkeypatch, project, "replicate")
    assert isinstance(server, ReplicateHost)
    assert server.bodies[0]["input"]["seed"] == 3
    assert project.takes[project.job(job_id).take_id or 0].params["seed_sent"] == 3


# -- each host's errors, in its own words -------------------------------------------------------


def test_a_completed_fal_request_whose_model_failed_is_a_failed_job_in_fals_words(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, job_id = run_model(
        monkeypatch, project, "mmaudio", plan=faults(create=Fault.TASK_FAILS)
    )
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "Runner crashed: CUDA out of memory" in job.error
    assert "runner_server_error" in job.error
    assert not project.takes
    statuses = [r for r in server.requests if r.path.endswith("/status")]
    assert statuses, "the request was polled to COMPLETED before its result was read"


def test_a_fal_model_that_refuses_what_it_saw_says_which_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kling checks the video's length itself, after queueing: COMPLETED, then a 422."""
    monkeypatch.setattr(FalHost, "kling_seconds", (5, 20))  # a host whose limit moved
    with make_project(tmp_path / "long", frames=100) as project:
        cue_id = add_long_cue(project)
        server, job_id = run_model(monkeypatch, project, "kling-v2a", cue_id=cue_id)
        job = project.job(job_id)
        assert job.state is JobState.FAILED
        assert "Video duration must be between 5.0 and 20.0 seconds, got 3.40s" in job.error
        assert sum(server.creates.values()) == 1


def test_fal_answers_422_for_a_seed_out_of_its_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """What folding the seed protects from: the emulator says no as fal's schema does."""
    with start_host(monkeypatch, "fal") as server:

        async def send() -> None:
            async with make_client(trust_env=False) as client:
                http = HostHttp(
                    client,
                    "fal.ai",
                    server.base_url,
                    {"Authorization": "Key test-key-0123"},
                    RetryPolicy(1),
                )
                video = server.add_file(b"x", "mp4", "video/mp4")
                await http.submit_json(
                    "/fal-ai/mmaudio-v2", {"video_url": video, "prompt": "x", "seed": 70_000}
                )

        with pytest.raises(ProviderError) as caught:
            asyncio.run(send())
    assert "422" in str(caught.value) and "less than or equal to 65535" in str(caught.value)
    assert not server.tasks


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("fal", "No user found for Key ID and Secret"),
        ("replicate", "You did not pass a valid authentication token"),
        ("elevenlabs", "Invalid API key"),
    ],
)
def test_a_refused_key_says_so_in_the_hosts_words_without_showing_it(
    host: str, words: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, host, key="right-key-1234")
    monkeypatch.setenv(f"FOLEYDESK_{host.upper()}_API_KEY", "wrong-key-5678")
    with server:
        (job_id,) = generate(project, host)
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "refused the API key (401" in job.error and words in job.error
    assert f"keys set {host}" in job.error and "wrong-key-5678" not in job.error
    assert not server.tasks


def test_a_failed_replicate_prediction_shows_its_error_and_log(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (job_id,) = generate_on(monkeypatch, project, "replicate", faults(create=Fault.TASK_FAILS))
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "RuntimeError: Could not decode the video stream" in job.error
    assert "load_video(video, duration)" in job.error  # the traceback's tail, from `logs`


def test_a_replicate_version_that_does_not_exist_is_a_clear_refusal(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fast_settings()
    settings.provider("replicate").model_version = "0" * 64  # overridden in Settings
    server, (job_id,) = generate_on(monkeypatch, project, "replicate", settings=settings)
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "422" in job.error and "The specified version does not exist" in job.error
    assert not server.tasks


def test_a_malformed_replicate_version_is_a_problem_before_sending(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fast_settings()
    settings.provider("replicate").model_version = "latest"
    with (
        start_host(monkeypatch, "replicate") as server,
        pytest.raises(UserError, match="64-character hash"),
    ):
        generate(project, "replicate", settings)
    assert not server.requests


def test_elevenlabs_answering_422_is_shown_in_its_words(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host whose limit moved (older accounts: 22 s): our 30 s request is refused."""
    monkeypatch.setattr("tests.fakes.elevenlabs.MAX_SECONDS", 1)
    _, (job_id,) = generate_on(monkeypatch, project, "elevenlabs")
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "422" in job.error and "Duration must be between 0.5 and 1 seconds" in job.error


@pytest.mark.parametrize("host", ["fal", "replicate", "elevenlabs"])
def test_429_with_retry_after_is_waited_out_and_nothing_is_made_twice(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(create=[Fault.RATE_LIMIT, Fault.RATE_LIMIT])
    server, (job_id,) = generate_on(monkeypatch, project, host, plan, retry_after="1")
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert plan.injected["create:rate_limit"] == 2
    assert sum(server.creates.values()) == 1
    creates = [
        r.at
        for r in server.requests
        if r.method == "POST"
        and "/upload" not in r.path
        and "/files" not in r.path
        and "storage" not in r.path
    ]
    assert creates[1] - creates[0] >= 1.0  # the 429 said one second; we waited it


@pytest.mark.parametrize("host", ["fal", "replicate", "elevenlabs"])
def test_a_lost_submit_answer_is_uncertain_and_never_resent(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ElevenlabsHost, "tier", "pro")  # its first format is taken
    server, (job_id,) = generate_on(monkeypatch, project, host, faults(create=Fault.DROP))
    job = project.job(job_id)
    assert job.state is JobState.UNCERTAIN
    assert job.task_id is None and job.submit_attempts == 1
    assert sum(server.creates.values()) == 1  # the host made it; we did not send it again


@pytest.mark.parametrize(
    ("category", "fault"),
    [
        ("poll", Fault.SERVER_ERROR),
        ("poll", Fault.DROP),
        ("upload", Fault.SERVER_ERROR),
        ("download", Fault.EXPIRED),
    ],
)
@pytest.mark.parametrize("host", ["fal", "replicate"])
def test_passing_trouble_still_gives_the_take(
    host: str, category: str, fault: Fault, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(**{category: [fault]})
    server, (job_id,) = generate_on(monkeypatch, project, host, plan)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert plan.injected[f"{category}:{fault.value}"] == 1
    assert sum(server.creates.values()) == 1


# -- uploads, formats, queue words --------------------------------------------------------------


def test_the_key_never_reaches_fals_storage_put(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, (job_id,) = generate_on(monkeypatch, project, "fal")
    assert isinstance(server, FalHost)
    assert project.job(job_id).state is JobState.DONE
    puts = [r for r in server.requests if r.method == "PUT"]
    assert len(puts) == 1 and server.puts_with_key == 0
    assert "authorization" not in puts[0].headers
    assert puts[0].headers["content-type"] == "video/mp4"
    initiate = next(r for r in server.requests if r.path == "/storage/upload/initiate")
    assert initiate.headers["authorization"] == "Key test-key-0123"


def test_replicate_uploads_the_segment_as_a_multipart_file(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = generate_on(monkeypatch, project, "replicate")
    assert isinstance(server, ReplicateHost)
    (file_id,) = server.uploaded
    assert server.bodies[0]["input"]["video"].endswith(f"/v1/files/{file_id}")


@pytest.mark.parametrize(
    ("tier", "asked", "suffix_rate"),
    [
        ("free", ["pcm_48000", "mp3_44100_192", "mp3_44100_128"], "mp3"),
        ("creator", ["pcm_48000", "mp3_44100_192"], "mp3"),
        ("pro", ["pcm_48000"], "pcm"),
    ],
)
def test_elevenlabs_asks_for_the_best_format_the_plan_allows(
    tier: str,
    asked: list[str],
    suffix_rate: str,
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ElevenlabsHost, "tier", tier)
    server, (job_id,) = generate_on(monkeypatch, project, "elevenlabs")
    assert isinstance(server, ElevenlabsHost)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert server.formats_asked == asked
    assert sum(server.creates.values()) == 1  # refused formats made nothing
    assert_text_sound_at_in_point(take_samples(project, job.take_id or 0))


def test_a_cue_longer_than_one_elevenlabs_sound_gets_its_first_part_and_says_so(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fast_settings()
    settings.provider("elevenlabs").max_seconds = 1.5  # as if the maximum were 1.5 s
    monkeypatch.setenv("FOLEYDESK_ELEVENLABS_API_KEY", "some-key-1234")
    provider = get_provider("elevenlabs", settings)
    assert isinstance(provider, ElevenlabsProvider)
    job = Job(0, 1, "elevenlabs", request=build_request(project.cue(1), 3, {}))
    request = generation_request(job, project.source.frame_rate)
    assert provider.validate(request) == []  # not a problem: it is said, not refused
    notice = provider.notice(request)
    assert "first 1.5 s are generated" in notice and "0.5 s stay silent" in notice
    assert "loop the take or make a second take" in notice
    server, (job_id,) = generate_on(monkeypatch, project, "elevenlabs", settings=settings)
    assert isinstance(server, ElevenlabsHost)
    assert server.bodies[0]["duration_seconds"] == 1.5
    samples = take_samples(project, project.job(job_id).take_id or 0)
    assert samples.shape[0] == 2 * SR  # the cue's length: the rest is silence, not cut
    assert_text_sound_at_in_point(samples)
    assert np.abs(samples[round(1.5 * SR) + 10 :]).max() == 0


def test_fal_shows_the_queue_position_while_queued_and_cancels_by_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", frames=50)
    with start_host(monkeypatch, "fal", latency=3.0) as server:
        base = server.base_url
        video = server.add_file(clip.read_bytes(), "mp4", "video/mp4")

        async def main() -> tuple[str, str, str]:
            async with make_client(trust_env=False) as client:
                provider = get_provider("fal", fast_settings(), client)
                request = GenerationRequest(
                    CueKind.FOLEY, "knock", Fraction(2), video_url=video, seed=1
                )
                task_id = await provider.submit(request)
                queued = await provider.poll(task_id)
                await provider.cancel(task_id)
                await asyncio.sleep(3.1)
                after = await provider.poll(task_id)
                return queued.text, task_id, after.state.value

        text, task_id, after = asyncio.run(main())
    assert text.startswith("in fal's queue (position ")
    assert task_id == f"{base}/fal-ai/mmaudio-v2/requests/{next(iter(server.tasks))}"
    assert server.cancels == 1
    assert after == TaskState.CANCELLED.value


# -- keys test: one cheap authenticated call that creates nothing --------------------------------


def connect(provider_id: str) -> str:
    async def main() -> str:
        async with make_client(trust_env=False) as client:
            provider = get_provider(provider_id, fast_settings(), client)
            return await provider.test_connection(client)

    return asyncio.run(main())


@pytest.mark.parametrize(
    ("host", "detail"),
    [("fal", ""), ("replicate", " (account editor)"), ("elevenlabs", " (plan: pro)")],
)
def test_keys_test_accepts_a_good_key_and_creates_nothing(
    host: str, detail: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_host(monkeypatch, host) as server:
        text = connect(host)
        assert text == f"answers at {server.base_url} and accepts the key{detail}."
        assert [r.method for r in server.requests] == ["GET"]
        assert not server.tasks and not server.creates


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("fal", "No user found for Key ID and Secret"),
        ("replicate", "You did not pass a valid authentication token"),
        ("elevenlabs", "Invalid API key"),
    ],
)
def test_keys_test_refuses_a_wrong_key_in_the_hosts_words(
    host: str, words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from foleydesk.cli import main

    with start_host(monkeypatch, host, key="right-key-1234") as server:
        monkeypatch.setenv(f"FOLEYDESK_{host.upper()}_API_KEY", "wrong-key-5678")
        assert main(["keys", "test", host]) == 2
        assert not server.tasks
    err = capsys.readouterr().err
    assert f"refused the API key (401: {words}" in err and f"keys set {host}" in err
    assert "wrong-key-5678" not in err


def test_models_json_lists_the_new_offerings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from foleydesk.cli import main

    monkeypatch.setenv("FOLEYDESK_FAL_API_KEY", "fal-key-1234")
    assert main(["models", "--json"]) == 0
    rows = {(r["model"], r["host"]): r for r in json.loads(capsys.readouterr().out)}
    expected = {
        ("mmaudio", "fal"): "fal-ai/mmaudio-v2",
        ("hunyuan-foley", "fal"): "fal-ai/hunyuan-video-foley",
        ("thinksound", "fal"): "fal-ai/thinksound",
        ("kling-v2a", "fal"): "fal-ai/kling-video/video-to-audio",
        ("mirelo-sfx-1.5", "fal"): "mirelo-ai/sfx-v1.5/video-to-audio",
        ("elevenlabs-sfx", "fal"): "fal-ai/elevenlabs/sound-effects/v2",
        ("mmaudio", "replicate"): "zsxkib/mmaudio",
        ("elevenlabs-sfx", "elevenlabs"): "v1/sound-generation",
    }
    for key, endpoint in expected.items():
        assert rows[key]["endpoint"] == endpoint
    assert rows[("kling-v2a", "fal")]["price"] == "$0.035 per video"
    assert rows[("kling-v2a", "fal")]["max_seconds"] == 20
    assert rows[("mirelo-sfx-1.5", "fal")]["max_seconds"] == 10
    assert rows[("elevenlabs-sfx", "fal")]["max_seconds"] == 22
    assert rows[("elevenlabs-sfx", "elevenlabs")]["max_seconds"] == 30
    assert rows[("elevenlabs-sfx", "elevenlabs")]["kinds"] == ["sfx-from-text"]
    assert rows[("mmaudio", "fal")]["key_set"] and not rows[("mmaudio", "replicate")]["key_set"]


def test_the_command_line_takes_the_model_inputs(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--variations, --music-prompt and --prompt-influence reach the model; out-of-range ones
    are one line on stderr and exit 2, with nothing queued."""
    from foleydesk.cli import main

    path = str(project.path)
    project.close()
    with start_host(monkeypatch, "fal", latency=0.2) as server:
        monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(project.path.parent / "config"))
        assert (
            main(
                [
                    "generate",
                    path,
                    "--cue",
                    "1",
                    "--model",
                    "mirelo-sfx-1.5@fal",
                    "--variations",
                    "2",
                    "--wait",
                ]
            )
            == 0
        )
        out = capsys.readouterr().out.splitlines()
        assert len(out) == 2 and all(" mirelo-sfx-1.5@fal " in line for line in out)
        assert server.bodies[-1]["num_samples"] == 2
        assert (
            main(
                [
                    "generate",
                    path,
                    "--cue",
                    "1",
                    "--model",
                    "elevenlabs-sfx@fal",
                    "--prompt-influence",
                    "1.5",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert "Prompt influence is between 0 and 1 (got 1.5)." in err
        assert (
            main(
                [
                    "generate",
                    path,
                    "--cue",
                    "1",
                    "--model",
                    "mirelo-sfx-1.5@fal",
                    "--variations",
                    "9",
                ]
            )
            == 2
        )
        assert "makes 1 to 4 variations per request, not 9." in capsys.readouterr().err
        assert sum(server.creates.values()) == 1


def test_a_fal_result_is_read_as_fal_means_it() -> None:
    """COMPLETED, then the result GET: a failure carries an error type (or is a 4xx the model
    answered); a bare 5xx is the server in trouble and is asked again, never a failed job."""
    import httpx

    from foleydesk.providers.base import TransientError
    from foleydesk.providers.fal_queue import output_for, read_result

    def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers or {})

    with pytest.raises(TransientError):
        read_result(answer(500, {"detail": "internal server error"}), output_for)
    failed = read_result(
        answer(500, {"detail": "Runner crashed", "error_type": "runner_server_error"}), output_for
    )
    assert failed.state is TaskState.FAILED and "Runner crashed" in failed.error
    refused = read_result(
        answer(422, {"detail": [{"loc": ["body", "video_url"], "msg": "too short"}]}), output_for
    )
    assert refused.state is TaskState.FAILED and "too short" in refused.error
    cancelled = read_result(
        answer(499, {"detail": "cancelled"}, {"X-Fal-Error-Type": "client_cancelled"}), output_for
    )
    assert cancelled.state is TaskState.CANCELLED
    done = read_result(
        answer(200, {"audio": [{"url": "https://x/a.wav"}, {"url": "https://x/b.wav"}]}),
        output_for,
    )
    assert [o.suffix for o in done.outputs] == [".wav", ".wav"]
    with pytest.raises(TransientError):  # a garbled answer: asked again
        read_result(answer(200, {"unexpected": True}), output_for)
