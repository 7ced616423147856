"""The job commands as a user types them: new -> cue add -> generate --wait, jobs, resume,
cancel, providers, keys."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from foleydesk.cli import main
from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.media.takes import read_wav
from tests.fakes.clips import make_clip
from tests.fakes.harness import fast_settings, run_engine, start_host


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "shot.mp4", frames=60, size=(160, 96), jumps=(15, 35), audio=True)


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A settings file with quick polling, as a user could write it."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text(
        json.dumps(
            {
                "version": 1,
                "poll_initial_seconds": 0.05,
                "poll_max_seconds": 0.2,
                "retry_base_seconds": 0.05,
            }
        )
    )
    monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(config))


def test_new_cue_generate_wait_offline(
    shot: Path, fast: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = shot.with_suffix(".foleydesk")
    assert run(capsys, "new", str(shot))[0] == 0
    code, out, _ = run(
        capsys, "cue", "add", str(project), "--in", "5f", "--out", "55f", "--prompt", "metal clang"
    )
    assert (code, out.strip()) == (0, "1")
    code, out, err = run(
        capsys,
        "generate",
        str(project),
        "--cue",
        "1",
        "--takes",
        "2",
        "--seed",
        "4",
        "--wait",
        "--json",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [r["state"] for r in rows] == ["done", "done"]
    assert [r["seed"] for r in rows] == [4, 5]
    assert "job 1: done" in err  # progress went to stderr
    for row in rows:
        assert hashlib.sha256(Path(row["file"]).read_bytes()).hexdigest() == row["sha256"]
        samples, rate = read_wav(Path(row["file"]))
        assert rate == 48000 and samples.shape[0] == 96000
    code, out, _ = run(capsys, "jobs", str(project))
    assert code == 0 and "offline" in out and "done" in out


def test_generate_without_wait_queues_and_resume_runs(
    shot: Path, fast: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = shot.with_suffix(".foleydesk")
    run(capsys, "new", str(shot))
    run(capsys, "cue", "add", str(project), "--in", "0.2", "--out", "2", "--prompt", "door slam")
    code, out, _ = run(capsys, "generate", str(project), "--all")
    assert (code, out.split()) == (0, ["1"])
    with Project.open(project) as p:
        assert p.job(1).state is JobState.QUEUED
    code, out, _ = run(capsys, "resume", str(project), "--wait")
    assert code == 0
    with Project.open(project) as p:
        assert p.job(1).state is JobState.DONE


def test_resume_reports_uncertain_jobs_and_drops_them_on_request(
    shot: Path, fast: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = shot.with_suffix(".foleydesk")
    run(capsys, "new", str(shot))
    run(capsys, "cue", "add", str(project), "--in", "0", "--out", "1", "--prompt", "steps")
    run(capsys, "generate", str(project), "--all")
    with Project.open(project) as p:
        p.update_job(1, state=JobState.SUBMITTING, provider_id="wavespeed")
    code, _, err = run(capsys, "resume", str(project))
    assert code == 3
    assert "lost the answer to their submit" in err and "--drop-uncertain" in err
    code, out, _ = run(capsys, "resume", str(project), "--drop-uncertain", "--json")
    assert code == 3  # a failed job is not a success
    (row,) = json.loads(out)
    assert row["state"] == "failed" and "lost" in row["error"]


def test_cancel_a_queued_job(shot: Path, fast: None, capsys: pytest.CaptureFixture[str]) -> None:
    project = shot.with_suffix(".foleydesk")
    run(capsys, "new", str(shot))
    run(capsys, "cue", "add", str(project), "--in", "0", "--out", "1", "--prompt", "steps")
    run(capsys, "generate", str(project), "--all")
    code, out, _ = run(capsys, "cancel", str(project), "1")
    assert (code, out.strip()) == (0, "job 1: cancelled")
    code, out, _ = run(capsys, "cancel", str(project), "7")
    assert code == 2


def test_generate_against_an_emulator_prints_task_ids_and_cost(
    shot: Path, fast: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "wavespeed")
    project = shot.with_suffix(".foleydesk")
    with server:
        run(capsys, "new", str(shot))
        run(
            capsys,
            "cue",
            "add",
            str(project),
            "--in",
            "5f",
            "--out",
            "55f",
            "--prompt",
            "glass",
            "--provider",
            "wavespeed",
        )
        code, out, err = run(capsys, "generate", str(project), "--cue", "1", "--wait")
    assert code == 0, err
    (task_id,) = server.tasks
    assert f"task {task_id}" in out and "$0.0020" in out and "wavespeed" in out


def test_bad_input_is_one_clear_line(
    shot: Path, fast: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = shot.with_suffix(".foleydesk")
    run(capsys, "new", str(shot))
    code, _, err = run(capsys, "generate", str(project), "--all")
    assert code == 2 and err.startswith("foleydesk: The project has no cues.")
    run(capsys, "cue", "add", str(project), "--in", "0", "--out", "1", "--prompt", "x")
    code, _, err = run(capsys, "generate", str(project), "--all", "--provider", "nope")
    assert code == 2 and "There is no provider 'nope'" in err
    code, _, err = run(capsys, "generate", str(project), "--all", "--takes", "0")
    assert code == 2 and "at least one take" in err


def test_providers_lists_every_host_with_limits_and_key_state(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", "qk-123456")
    code, out, _ = run(capsys, "providers", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert set(rows) == {
        "offline",
        "piapi",
        "qubico",
        "eachlabs",
        "wavespeed",
        "fal",
        "replicate",
        "elevenlabs",
        "selfhosted",
    }
    assert rows["qubico"]["key_set"] and not rows["piapi"]["key_set"]
    assert (rows["qubico"]["concurrency"], rows["qubico"]["per_minute"]) == (5, 20)
    assert rows["qubico"]["per_day"] == 500 and rows["qubico"]["max_duration"] == 60
    assert rows["offline"]["default"] and rows["offline"]["pricing"].startswith("free")
    assert "qk-123456" not in out
    code, out, _ = run(capsys, "providers")
    assert code == 0 and "$0.05/s" in out


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """Headless Linux with no Secret Service. The backend is set itself: PYTHON_KEYRING_BACKEND
    only counts before keyring first picks one, which an earlier test may already have done."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_keys_without_a_keyring_say_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115
    code, _, err = run(capsys, "keys", "set", "piapi")
    assert code == 2 and "The key is empty" in err
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("sk-abcdef123\n"))
    code, _, err = run(capsys, "keys", "set", "piapi")
    assert code == 2
    assert "keyring cannot store API keys" in err and "FOLEYDESK_PIAPI_API_KEY" in err
    assert "sk-abcdef123" not in err
    monkeypatch.setenv("FOLEYDESK_EACHLABS_API_KEY", "ek-999999")
    code, out, _ = run(capsys, "keys", "list", "--json")
    rows = {r["provider"]: r for r in json.loads(out)}
    assert rows["eachlabs"] == {"provider": "eachlabs", "key_set": True, "source": "environment"}
    assert rows["piapi"]["key_set"] is False


def test_the_cli_runs_as_a_program(tmp_path: Path) -> None:
    env = {**os.environ, "FOLEYDESK_CONFIG_DIR": str(tmp_path / "cfg")}
    result = subprocess.run(
        ["foleydesk", "providers"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "offline" in result.stdout


def test_cancel_a_running_job_from_another_terminal_reaches_the_host(
    shot: Path, fast: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, "eachlabs", latency=60)
    project = shot.with_suffix(".foleydesk")
    with server:
        run(capsys, "new", str(shot))
        run(capsys, "cue", "add", str(project), "--in", "0", "--out", "1", "--prompt", "x")
        run(capsys, "generate", str(project), "--all", "--provider", "eachlabs")
        # A worker elsewhere submitted it and was polling; here the user cancels it.
        with Project.open(project) as p:

            async def submit_only(engine: JobEngine) -> None:
                runner = asyncio.ensure_future(engine.run_until_idle())
                while p.job(1).task_id is None:
                    await asyncio.sleep(0.02)
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)

            run_engine(p, fast_settings(), submit_only)
        code, out, _ = run(capsys, "cancel", str(project), "1")
    assert (code, out.strip()) == (0, "job 1: cancelled")
    (task,) = server.tasks.values()
    assert task.cancelled
    cancels = [r for r in server.requests if r.path.endswith("/cancel")]
    assert len(cancels) == 1
