"""Bad paths: damaged files and failing providers give a clear message; the app keeps working."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from foleydesk.core.model import JobState


def test_damaged_file_shows_a_clear_message_and_the_app_keeps_working(
    window: Any, run: Any, qtbot: Any, tmp_path: Path, fresh_video: Path
) -> None:
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(os.urandom(64_000))
    assert not run(window.open_async(garbage))
    assert window.session is None
    assert "broken.mp4 is not a media file FoleyDesk can read" in window.banner.text

    truncated = tmp_path / "cut-off.mp4"
    truncated.write_bytes(fresh_video.read_bytes()[:3000])
    assert not run(window.open_async(truncated))
    assert "cut-off.mp4" in window.banner.text
    assert "Traceback" not in window.banner.text

    assert not run(window.open_async(tmp_path / "missing.mp4"))
    assert "does not exist" in window.banner.text

    # The same window then opens a good video and the keys work.
    assert run(window.open_async(fresh_video))
    assert window.banner.text == ""
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_End)
    assert window.session.position == 49
    assert window.transport.timecode.text() == "00:00:01:24"


def test_refused_edit_explains_itself(window: Any, run: Any, qtbot: Any, fresh_video: Path) -> None:
    assert run(window.open_async(fresh_video))
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_O)  # O with no in mark: only a mark
    assert window.banner.text == ""
    qtbot.keyClick(window.timeline, Qt.Key.Key_Return)  # Make cue needs an In
    assert "Mark an in point first" in window.banner.text
    assert not window.session.project.cues


def test_provider_error_shows_the_providers_message_on_the_job(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.hosts import QubicoHost
    from tests.fakes.server import Fault

    host = QubicoHost(key="test-key", latency=0.2)  # a failed task says "video decoding failed"
    host.plan.queue("create", Fault.TASK_FAILS)
    host.start()
    try:
        monkeypatch.setenv("FOLEYDESK_QUBICO_BASE_URL", host.base_url)
        monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", "test-key")
        assert run(window.open_async(fresh_video))
        session = window.session
        timeline = window.timeline
        timeline.setFocus()
        session.seek(5)
        qtbot.keyClick(timeline, Qt.Key.Key_I)
        session.seek(40)
        qtbot.keyClick(timeline, Qt.Key.Key_O)
        qtbot.keyClick(timeline, Qt.Key.Key_Return)
        inspector = window.inspector
        inspector.provider_combo.setCurrentIndex(inspector.provider_combo.findData("qubico"))
        assert session.selected_cue.provider_id == "qubico"
        inspector.prompt_edit.setPlainText("door creaks open")
        inspector.commit_text()
        assert "/ 500 characters (Qubico" in inspector.prompt_count.text()
        qtbot.keyClick(timeline, Qt.Key.Key_G)
        project = session.project
        qtbot.waitUntil(
            lambda: project.jobs and all(j.state.finished for j in project.jobs.values()),
            timeout=30000,
        )
        job = next(iter(project.jobs.values()))
        assert job.state is JobState.FAILED
        assert "video decoding failed" in job.error
        panel = window.jobs_panel
        qtbot.waitUntil(
            lambda: panel.table.rowCount() == 1 and panel.table.item(0, 3).text() == "failed",
            timeout=3000,
        )
        assert "video decoding failed" in panel.table.item(0, 6).text()
        panel.table.selectRow(0)
        assert panel.retry_button.isEnabled()
    finally:
        host.stop()


def test_rotated_phone_clip_is_shown_upright(
    window: Any, run: Any, qtbot: Any, tmp_path: Path
) -> None:
    from tests.media.mediagen import ffmpeg, make_video

    plain = make_video(tmp_path / "plain.mp4", frames=10, audio_codec=None)
    rotated = tmp_path / "phone.mp4"
    ffmpeg("-i", str(plain), "-c", "copy", "-metadata:s:v", "rotate=90", str(rotated))
    assert run(window.open_async(rotated))
    qtbot.waitUntil(lambda: window.viewer.image is not None, timeout=10000)
    qtbot.waitUntil(lambda: abs(window.viewer.display_aspect - 240 / 320) < 0.01, timeout=5000)
    qtbot.waitUntil(
        lambda: window.viewer.image.height() > window.viewer.image.width(), timeout=5000
    )
    rect = window.viewer.picture_rect()
    assert rect.height() > rect.width()


def test_moved_source_is_reported_and_the_project_still_opens(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    assert run(window.open_async(fresh_video))
    project_path = window.session.project.path
    run(window.close_session())
    fresh_video.rename(tmp_path / "elsewhere.mov")
    assert run(window.open_async(project_path))
    assert "scene.mp4 was not found" in window.banner.text
    assert "relink" in window.viewer.note.lower()
    assert not window.transport.play_button.isEnabled()
    assert "relink" in window.transport.play_button.toolTip().lower()
    # Editing still works without the picture.
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_I)
    window.session.seek(20)
    qtbot.keyClick(window.timeline, Qt.Key.Key_O)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Return)
    assert len(window.session.project.cues) == 1
