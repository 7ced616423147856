"""API keys never leave the keyring/env: a planted key is nowhere in the project, its media
folder, the exports, the logs or the CLI's output; a real Secret Service stores and returns it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.clips import make_clip
from tests.fakes.hosts import PiapiHost
from tests.fakes.server import FaultPlan

PLANTED = "sk-PLANTED-7f3a9c2e41b8d6"


def cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from foleydesk.cli import main; sys.exit(main())",
            "-v",
            *argv,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_planted_key_appears_in_no_file_log_or_output(tmp_path: Path) -> None:
    shot = make_clip(tmp_path / "shot.mp4", frames=60, size=(160, 96), jumps=(15, 35), audio=True)
    project = shot.with_suffix(".foleydesk")
    good = PiapiHost(PLANTED, FaultPlan(), 0.2).start()
    bad = PiapiHost("another-key-000", FaultPlan(), 0.2).start()  # echoes what it got in a 401
    logs = tmp_path / "logs"
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text(json.dumps({"poll_initial_seconds": 0.05}))
    env = {
        **os.environ,
        "FOLEYDESK_LOG_DIR": str(logs),
        "FOLEYDESK_CONFIG_DIR": str(config),
        "FOLEYDESK_PIAPI_API_KEY": PLANTED,
        "FOLEYDESK_PIAPI_BASE_URL": good.base_url,
        "FOLEYDESK_PIAPI_UPLOAD_URL": good.base_url,
    }
    outputs: list[str] = []
    try:
        for argv in (
            ["new", str(shot)],
            ["cue", "add", str(project), "--in", "5f", "--out", "55f", "--prompt", "knock"],
            ["generate", str(project), "--all", "--provider", "piapi", "--wait", "--json"],
        ):
            result = cli(env, *argv)
            outputs += [result.stdout, result.stderr]
            assert result.returncode == 0, result.stderr
        refused_env = {**env, "FOLEYDESK_PIAPI_BASE_URL": bad.base_url}
        refused = cli(
            refused_env, "generate", str(project), "--all", "--provider", "piapi", "--wait"
        )
        outputs += [refused.stdout, refused.stderr]
        assert refused.returncode == 3 and "refused the API key" in refused.stdout
        exports = project.parent / "exports"
        exported = cli(
            env,
            "export",
            str(project),
            "--stems",
            str(exports / "stems"),
            "--xml",
            str(exports / "cut.xml"),
            "--otio",
            str(exports / "cut.otio"),
        )
        outputs += [exported.stdout, exported.stderr]
        assert exported.returncode == 0, exported.stderr
    finally:
        good.stop()
        bad.stop()
    # The key was really in play: both hosts received it.
    assert good.requests[0].headers["x-api-key"] == PLANTED
    assert any(r.headers.get("x-api-key") == PLANTED for r in bad.requests)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != config / "settings.json"]
    assert any(p.suffix == ".foleydesk" for p in files)
    assert any(p.parent == logs for p in files)
    assert len([p for p in files if p.is_relative_to(project.parent / "exports")]) >= 3
    needle = PLANTED.encode()
    leaked = [str(p) for p in files if needle in p.read_bytes()]
    assert leaked == []
    assert not any(PLANTED in text for text in outputs)
    assert "[redacted]" in refused.stdout  # the host echoed it; we blanked it
    log_text = "".join(p.read_text() for p in logs.iterdir())
    assert "refused the API key" in log_text and "[redacted]" in log_text


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon",
)
def test_a_real_secret_service_stores_reads_and_deletes_a_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLEYDESK_PIAPI", "DBUS_", "PYTHON_KEYRING"))
    }
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), XDG_DATA_HOME=str(home / "data"))
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys\n"
        "from foleydesk.cli import main\n"
        "from foleydesk.secrets import get_key, key_source\n"
        "if sys.argv[1] == 'get':\n"
        "    print('GOT', get_key('piapi'), key_source('piapi'))\n"
        "else:\n"
        "    sys.exit(main(['keys', sys.argv[1], 'piapi']))\n"
    )
    py = f"{sys.executable} {probe}"
    script = (
        "echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
        f"printf '{PLANTED}\\n' | {py} set && {py} get && {py} delete && {py} get"
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "key for piapi stored in the system keyring" in lines
    assert f"GOT {PLANTED} keyring" in lines
    assert "key for piapi deleted" in lines
    assert lines[-1] == "GOT None None"
