"""The real window under Xvfb with the demo project loaded: a PNG an editor can look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write), "-screen", "0", "2560x1440x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def shoot(display: str, out: Path, width: int, height: int, tmp: Path) -> QImage:
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        FOLEYDESK_DATA_DIR=str(tmp / "data"),
        FOLEYDESK_CONFIG_DIR=str(tmp / "config"),
        FOLEYDESK_LOG_DIR=str(tmp / "logs"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.screenshot_app", str(out), str(width), str(height)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    image = QImage(str(out))
    assert not image.isNull()
    return image


@pytest.mark.parametrize("size", [(1280, 800), (2560, 1440)])
def test_screenshot_of_the_real_window(
    xvfb: str, tmp_path: Path, size: tuple[int, int], qapp: object
) -> None:
    width, height = size
    out = tmp_path / f"foleydesk-{width}x{height}.png"
    image = shoot(xvfb, out, width, height, tmp_path)
    assert (image.width(), image.height()) == (width, height)
    # Dark theme: the window's own background is a dark neutral grey, not the platform default.
    corner = image.pixelColor(width - 3, height // 2)
    assert corner.lightness() < 80
    # The picture is there: the demo's red ball or warm floor shows in the viewer's area.
    warm = 0
    for y in range(40, height // 2, 8):
        for x in range(0, width * 2 // 3, 8):
            c = image.pixelColor(x, y)
            if c.red() > c.blue() + 40:
                warm += 1
    assert warm > 50
    keep = os.environ.get("FOLEYDESK_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
