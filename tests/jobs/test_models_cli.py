"""Models, not just hosts, as a user types them: `models --json`, `generate --model a --model
b@host`, and the errors for a model no host with a key serves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.project import Project
from foleydesk.media.takes import read_wav
from tests.jobs.test_cli import fast, run, shot  # noqa: F401 - fixtures

MODEL_KEYS = {
    "model",
    "host",
    "endpoint",
    "kinds",
    "max_seconds",
    "best_seconds",
    "channels",
    "sample_rate",
    "price",
    "key_set",
    "licence",
}


def test_models_json_lists_one_row_per_offering_with_the_contract_keys(
    fast: None,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOLEYDESK_WAVESPEED_API_KEY", "k-123456")
    monkeypatch.delenv("FOLEYDESK_PIAPI_API_KEY", raising=False)
    code, out, _ = run(capsys, "models", "--json")
    assert code == 0
    rows = json.loads(out)
    assert all(set(row) >= MODEL_KEYS for row in rows)
    pairs = {(r["model"], r["host"]) for r in rows}
    assert {("mmaudio", "wavespeed"), ("mmaudio", "piapi"), ("diffrhythm", "piapi")} <= pairs
    assert ("sketch", "offline") in pairs
    wavespeed = next(r for r in rows if r["model"] == "mmaudio" and r["host"] == "wavespeed")
    assert wavespeed["endpoint"] == "wavespeed-ai/mmaudio-v2" and wavespeed["key_set"] is True
    assert wavespeed["best_seconds"] == 8 and wavespeed["channels"] == 1
    assert "non-commercial" in wavespeed["licence"]
    piapi = next(r for r in rows if r["model"] == "mmaudio" and r["host"] == "piapi")
    assert piapi["key_set"] is False
    assert "key" not in out.lower().replace("key_set", "")  # never a key's value
    code, text, _ = run(capsys, "models")
    assert code == 0 and "wavespeed" in text and "diffrhythm" in text


def test_generate_with_two_models_makes_takes_from_both(
    shot: Path,  # noqa: F811
    fast: None,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.fakes.harness import start_host

    server = start_host(monkeypatch, "wavespeed")
    project = shot.with_suffix(".foleydesk")
    with server:
        run(capsys, "new", str(shot))
        run(capsys, "cue", "add", str(project), "--in", "5f", "--out", "55f", "--prompt", "knock")
        code, out, err = run(
            capsys,
            "generate",
            str(project),
            "--cue",
            "1",
            "--model",
            "sketch",
            "--model",
            "mmaudio@wavespeed",
            "--takes",
            "2",
            "--wait",
            "--json",
        )
    assert code == 0, err
    jobs = json.loads(out)
    assert sorted((j["model"], j["provider"]) for j in jobs) == [
        ("mmaudio", "wavespeed"),
        ("mmaudio", "wavespeed"),
        ("sketch", "offline"),
        ("sketch", "offline"),
    ]
    assert len(server.tasks) == 2
    with Project.open(project) as p:
        takes = sorted(p.takes.values(), key=lambda t: t.id)
        assert sorted((t.model_id, t.provider_id, t.host_model) for t in takes) == [
            ("mmaudio", "wavespeed", "wavespeed-ai/mmaudio-v2"),
            ("mmaudio", "wavespeed", "wavespeed-ai/mmaudio-v2"),
            ("sketch", "offline", "sketch"),
            ("sketch", "offline", "sketch"),
        ]
        for take in takes:
            samples, rate = read_wav(p.take_path(take))
            assert rate == 48_000 and samples.shape[0] == 96_000 and np.abs(samples).max() > 0


def test_a_model_without_a_keyed_host_is_one_line_naming_the_hosts(
    shot: Path,  # noqa: F811
    fast: None,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for host in ("PIAPI", "QUBICO", "EACHLABS", "WAVESPEED", "SELFHOSTED"):
        monkeypatch.delenv(f"FOLEYDESK_{host}_API_KEY", raising=False)
        monkeypatch.delenv(f"FOLEYDESK_{host}_BASE_URL", raising=False)
    project = shot.with_suffix(".foleydesk")
    run(capsys, "new", str(shot))
    run(capsys, "cue", "add", str(project), "--in", "0", "--out", "1", "--prompt", "x")
    code, _, err = run(capsys, "generate", str(project), "--all", "--model", "mmaudio")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "No host with a key serves 'mmaudio'" in err and "wavespeed" in err and "piapi" in err
    code, _, err = run(capsys, "generate", str(project), "--all", "--model", "mmaudio@offline")
    assert code == 2 and "offline does not serve the model 'mmaudio'" in err
    code, _, err = run(capsys, "generate", str(project), "--all", "--model", "nosuch")
    assert code == 2 and "There is no model 'nosuch'" in err
    with Project.open(project) as p:
        assert not p.jobs  # nothing was queued
