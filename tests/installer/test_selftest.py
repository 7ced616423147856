"""`foleydesk --self-test` from source: one line per native part, exit 0 only when all are there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("Qt", "FFmpeg", "PortAudio", "keyring", "OTIO", "main window")


def _run_self_test(
    tmp_path: Path, **extra_env: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    report = tmp_path / "report.txt"
    env = {
        **os.environ,
        "FOLEYDESK_CONFIG_DIR": str(tmp_path / "config"),
        "FOLEYDESK_LOG_DIR": str(tmp_path / "logs"),
        "FOLEYDESK_DATA_DIR": str(tmp_path / "data"),
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test", "--report", str(report)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, report


def test_every_part_reports_ok_and_the_report_file_matches(tmp_path: Path) -> None:
    result, report = _run_self_test(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for part in PARTS:
        assert any(line.startswith(f"OK   {part}:") for line in lines), (part, result.stdout)
    ffmpeg = next(line for line in lines if line.startswith("OK   FFmpeg:"))
    assert "libx264 + aac" in ffmpeg
    otio = next(line for line in lines if line.startswith("OK   OTIO:"))
    for adapter in ("fcp_xml", "cmx_3600", "AAF"):
        assert adapter in otio
    assert lines[-1] == "self-test passed (6 checks)"
    assert report.read_text(encoding="utf-8") == result.stdout
    assert "self-test" in (tmp_path / "logs" / "foleydesk.log").read_text(encoding="utf-8")


def test_missing_otio_adapters_fail_the_self_test_by_name(tmp_path: Path) -> None:
    # With entry-point plugins disabled OTIO only knows its built-in adapters: exactly what a
    # frozen build that lost the adapter metadata would look like.
    result, _ = _run_self_test(tmp_path, OTIO_DISABLE_ENTRYPOINTS_PLUGINS="1")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "FAIL OTIO: missing adapters: fcp_xml, cmx_3600, AAF" in lines
    assert lines[-1] == "self-test FAILED: OTIO"
    assert "Traceback" not in result.stdout + result.stderr


def test_a_part_that_raises_fails_under_its_own_name(tmp_path: Path) -> None:
    # An unreadable OTIO plugin manifest makes OTIO raise while listing adapters: the line and
    # the summary name the part exactly as its OK line does.
    manifest = tmp_path / "broken_manifest.json"
    manifest.write_text("{not json", encoding="utf-8")
    result, _ = _run_self_test(tmp_path, OTIO_PLUGIN_MANIFEST_PATH=str(manifest))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("FAIL OTIO: ValueError") for line in lines), result.stdout
    assert lines[-1] == "self-test FAILED: OTIO"
    assert "Traceback" not in result.stdout + result.stderr
