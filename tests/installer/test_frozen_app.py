"""Freeze the Linux one-dir app with PyInstaller and check it in a clean environment.

Slow (a PyInstaller build): marked `installer`, skip locally with -m 'not installer'.
The same build + self-test is installer/build_linux.sh, which CI runs as its own step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.installer,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build"),
    pytest.mark.skipif(shutil.which("pyinstaller") is None, reason="PyInstaller not installed"),
]


def _clean_env(home: Path) -> dict[str, str]:
    """No source tree, no site-packages, throwaway settings: only the bundle can answer."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "FOLEYDESK_CONFIG_DIR": str(home / "config"),
        "FOLEYDESK_LOG_DIR": str(home / "logs"),
        "FOLEYDESK_DATA_DIR": str(home / "data"),
    }


def _write_clip(path: Path) -> None:
    """One second of 25 fps 64x48 video with a stereo 48 kHz tone, written with PyAV."""
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=Fraction(25))
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        for index in range(25):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), index * 10, dtype=np.uint8), format="rgb24"
            )
            frame.pts = index
            container.mux(video.encode(frame))
        tone = np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000).astype(np.float32)
        for start in range(0, 48000, 1024):
            block = np.stack([tone[start : start + 1024]] * 2)
            samples = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block), format="fltp", layout="stereo"
            )
            samples.sample_rate, samples.pts = 48000, start
            container.mux(audio.encode(samples))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build once per module with installer/build_linux.sh; returns its output folder."""
    out = tmp_path_factory.mktemp("frozen") / "out"
    build = subprocess.run(
        ["bash", str(ROOT / "installer" / "build_linux.sh"), str(out)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return out


def test_frozen_linux_app_passes_its_self_test_and_runs_the_cli(
    frozen: Path, tmp_path: Path
) -> None:
    out = frozen
    report = (out / "self-test.txt").read_text(encoding="utf-8")
    assert "(frozen)" in report.splitlines()[0]
    assert report.splitlines()[-1] == "self-test passed (6 checks)"
    assert "libx264 + aac" in report

    app = out / "FoleyDesk"
    internal = app / "_internal"
    assert (internal / "licenses" / "THIRD-PARTY-NOTICES.txt").is_file()
    assert (internal / "licenses" / "GPL-2.0.txt").is_file()
    assert (internal / "resources" / "icons" / "foleydesk.svg").is_file()
    assert (internal / "resources" / "theme.qss").is_file()  # ui.theme reads it from _MEIPASS
    assert list(internal.glob("libportaudio.so*")), "PortAudio is not in the bundle"
    assert not (internal / "PySide6" / "QtQml.abi3.so").exists(), "unused Qt module bundled"
    assert list(out.glob("FoleyDesk-*-linux-*.tar.gz"))

    # The CLI path of the same executable decodes a real clip with the bundled FFmpeg.
    clip = tmp_path / "clip.mp4"
    _write_clip(clip)
    home = tmp_path / "home"
    home.mkdir()
    probe = subprocess.run(
        [str(app / "foleydesk"), "probe", str(clip)],
        env=_clean_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert "64" in probe.stdout and "48" in probe.stdout

    files = [f for f in app.rglob("*") if f.is_file() and not f.is_symlink()]
    size = sum(f.stat().st_size for f in files)
    print(f"\nfrozen Linux bundle: {size / 1e6:.1f} MB in {len(files)} files")
    print(report, end="")


@pytest.mark.skipif(
    shutil.which("gnome-keyring-daemon") is None or shutil.which("dbus-run-session") is None,
    reason="needs gnome-keyring and dbus (a real Secret Service)",
)
def test_frozen_app_stores_a_key_in_a_real_secret_service(frozen: Path, tmp_path: Path) -> None:
    app = frozen / "FoleyDesk" / "foleydesk"
    script = (
        "echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n"
        f"'{app}' --self-test || exit 10\n"
        f"printf 'not-a-real-key-1234' | '{app}' keys set piapi || exit 11\n"
        f"'{app}' keys list || exit 12\n"
        f"'{app}' keys delete piapi || exit 13\n"
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        env=_clean_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK   keyring: keyring" in result.stdout
    assert "backend SecretService.Keyring" in result.stdout
    assert any(line.split()[:2] == ["piapi", "keyring"] for line in result.stdout.splitlines()), (
        result.stdout
    )
    assert "not-a-real-key-1234" not in result.stdout + result.stderr
