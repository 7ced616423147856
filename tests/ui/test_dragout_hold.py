"""A lane longer than the app renders while the mouse waits: the render runs off the loop and
the drag starts when it is ready while the button is still held, so one drag gives the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from foleydesk import loopguard
from foleydesk.media.bwf import read_bwf_samples
from foleydesk.ui import dragout
from tests.media.mediagen import make_video


@pytest.fixture()
def long_video(tmp_path: Path) -> Path:
    return make_video(tmp_path / "long.mp4", frames=250)  # 10 s: over the 8 s waited for


def test_one_drag_of_a_long_lane_gives_its_stem(
    window: Any, run: Any, qtbot: Any, long_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[str] = []
    # The OS drag itself (QDrag.exec) would wait for a drop that no one makes in a test.
    monkeypatch.setattr(dragout, "start_file_drag", lambda _w, path: dropped.append(path))
    assert run(window.open_async(long_video))
    timeline = window.timeline
    header = QPoint(20, timeline.lane_rect(0).center().y())
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=header)
    qtbot.mouseMove(timeline, header + QPoint(40, 0))
    assert QApplication.mouseButtons() & Qt.MouseButton.LeftButton
    assert QApplication.overrideCursor() is not None  # the wait cursor while it renders
    qtbot.waitUntil(lambda: bool(dropped), timeout=30000)
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=header + QPoint(40, 0))
    assert QApplication.overrideCursor() is None
    stem = Path(dropped[0])
    with loopguard.allowed():  # the test reads the file it was handed
        assert len(read_bwf_samples(stem)) == 250 * 1920
    assert "drag it out again" not in window.banner.text
