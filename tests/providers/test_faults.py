"""Each injected fault, and what the editor ends up with: a take when the trouble was passing,
a clear reason when it was not, and never a second submit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from foleydesk.providers.base import ProviderError
from foleydesk.providers.http import check_url
from tests.fakes.harness import fast_settings, faults, generate, generate_on
from tests.fakes.server import Fault

PASSING = [
    ("poll", Fault.RATE_LIMIT),
    ("poll", Fault.SERVER_ERROR),
    ("poll", Fault.DROP),
    ("poll", Fault.SLOW),
    ("poll", Fault.MALFORMED),
    ("create", Fault.RATE_LIMIT),
    ("create", Fault.UNAVAILABLE),
    ("create", Fault.SLOW),
    ("upload", Fault.RATE_LIMIT),
    ("upload", Fault.SERVER_ERROR),
    ("upload", Fault.DROP),
    ("download", Fault.SERVER_ERROR),
    ("download", Fault.DROP),
    ("download", Fault.SLOW),
    ("download", Fault.EXPIRED),
]


@pytest.mark.parametrize(
    ("host", "category", "fault"),
    [("piapi", c, f) for c, f in PASSING]
    + [("eachlabs", "upload", Fault.DROP), ("wavespeed", "download", Fault.EXPIRED)],
)
def test_passing_trouble_still_gives_the_take(
    host: str, category: str, fault: Fault, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(**{category: [fault] if fault is Fault.EXPIRED else [fault, fault]})
    server, (job_id,) = generate_on(monkeypatch, project, host, plan)
    job = project.job(job_id)
    assert job.state is JobState.DONE, job.error
    assert plan.injected[f"{category}:{fault.value}"] >= 1
    assert sum(server.creates.values()) == 1
    take = project.takes[job.take_id or 0]
    assert hashlib.sha256(project.take_path(take).read_bytes()).hexdigest() == take.sha256


def test_a_result_that_keeps_expiring_fails_clearly(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(download=[Fault.EXPIRED] * 5)
    server, (job_id,) = generate_on(monkeypatch, project, "qubico", plan)
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "expired" in job.error
    assert sum(server.creates.values()) == 1


def test_a_huge_result_is_refused_and_nothing_is_left_behind(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (job_id,) = generate_on(monkeypatch, project, "piapi", faults(download=Fault.HUGE))
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "larger than 500 MB" in job.error
    assert list(project.takes_dir.iterdir()) == []


def test_a_stream_past_the_cap_without_a_length_is_cut_off(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fast_settings(max_download_bytes=10_000)
    _, (job_id,) = generate_on(monkeypatch, project, "piapi", settings=settings)
    job = project.job(job_id)
    assert job.state is JobState.FAILED and "larger than" in job.error
    assert list(project.takes_dir.iterdir()) == []


def test_a_host_that_never_answers_sensibly_fails_the_job_with_its_task_id(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(poll=[Fault.MALFORMED] * 200)
    settings = fast_settings(poll_give_up_seconds=1.0, retry_attempts=2)
    _, (job_id,) = generate_on(monkeypatch, project, "piapi", plan, settings)
    job = project.job(job_id)
    assert job.state is JobState.FAILED
    assert "No readable answer" in job.error and (job.task_id or "-") in job.error


def test_plain_http_only_to_this_computer() -> None:
    assert check_url("https://api.piapi.ai/x")
    assert check_url("http://127.0.0.1:8000/x")
    assert check_url("http://[::1]:8000/x")
    assert check_url("http://gpu-box:5000/x", frozenset({"gpu-box"}))
    with pytest.raises(ProviderError, match="plain http"):
        check_url("http://api.piapi.ai/x")
    with pytest.raises(ProviderError, match="not a web address"):
        check_url("file:///etc/passwd")


def test_a_plain_http_base_url_is_a_problem_before_anything_is_sent(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_WAVESPEED_BASE_URL", "http://api.example.com")
    monkeypatch.setenv("FOLEYDESK_WAVESPEED_API_KEY", "some-key-1234")
    from foleydesk.errors import UserError

    with pytest.raises(UserError, match="plain http"):
        generate(project, "wavespeed")
    assert not project.jobs


def test_retry_after_is_honoured(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = faults(poll=Fault.RATE_LIMIT)
    server, (job_id,) = generate_on(monkeypatch, project, "piapi", plan, retry_after="1")
    assert project.job(job_id).state is JobState.DONE
    polls = [r.at for r in server.requests if r.method == "GET" and "/api/v1/task/" in r.path]
    assert polls[1] - polls[0] >= 1.0  # the 429 said one second; we waited it


def test_result_redirects_are_followed_only_within_the_https_rule(tmp_path: Path) -> None:
    import asyncio
    from urllib.parse import quote

    from foleydesk.jobs.download import download
    from foleydesk.providers.http import RetryPolicy, make_client
    from tests.fakes.hosts import PiapiHost

    server = PiapiHost().start()
    with server:
        good = server.add_file(b"ID3-some-bytes", "mp3", "audio/mpeg")

        async def fetch(target: str) -> Path:
            async with make_client(trust_env=False) as client:
                url = f"{server.base_url}/redirect?to={quote(target, safe='')}"
                return await download(client, url, tmp_path, ".mp3", 1000, RetryPolicy(2, 0.01))

        fetched = asyncio.run(fetch(good))
        assert fetched.read_bytes() == b"ID3-some-bytes"
        with pytest.raises(ProviderError, match="plain http"):
            asyncio.run(fetch("http://192.0.2.7/take.mp3"))
    assert list(tmp_path.iterdir()) == [fetched]  # the refused hop left nothing behind


def test_big_json_bodies_are_sent_without_reencoding_but_stay_valid_json() -> None:
    import base64
    import json

    from foleydesk.providers.http import _json_parts

    video = "data:video/mp4;base64," + base64.b64encode(bytes(range(256)) * 9000).decode()
    body = {"model": "m", "input": {"video": video, "prompt": 'say "hi"\n', "seeds": [1, 2]}}
    parts = _json_parts(body)
    assert video.encode() in parts  # spliced in as is, not escaped or copied into one string
    assert json.loads(b"".join(parts)) == body


@pytest.mark.parametrize("host", ["piapi", "qubico", "eachlabs", "wavespeed"])
def test_bad_shapes_a_refusal_inside_a_200_and_a_foreign_poll_answer(
    host: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = faults(create=Fault.BAD_SHAPE, poll=Fault.BAD_SHAPE)
    server, (first, second) = generate_on(monkeypatch, project, host, plan, takes=2)
    jobs = sorted([project.job(first), project.job(second)], key=lambda j: j.state.value)
    assert [j.state for j in jobs] == [JobState.DONE, JobState.FAILED]
    assert "invalid video format" in jobs[1].error and jobs[1].task_id is None
    assert sum(server.creates.values()) == 1  # the refused one was never made
