"""A 12.5 fps security-camera clip in the app: time shown as clock + frame (no 12-frame
seconds), the export dialog offering the sequence rate NLEs conform it to and remembering the
editor's choice, and a start timecode set from the File menu."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from foleydesk.ui.export_dialog import ExportDialog
from tests.footage.shapes import h264_at, mono_tracks_tmcd


@pytest.fixture(scope="session")
def camera_clip(ui_media: Path) -> Path:
    return h264_at("25/2")(ui_media / "cam12_5.mp4")


@pytest.fixture()
def camera(camera_clip: Path, tmp_path: Path) -> Path:
    target = tmp_path / "cam.mp4"
    target.write_bytes(camera_clip.read_bytes())
    return target


def test_odd_rate_in_the_app(
    window: Any, run: Any, qtbot: Any, camera: Path, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QDialog, QLabel

    assert run(window.open_async(camera))
    session = window.session
    session.seek(15)
    qtbot.waitUntil(lambda: window.viewer.timecode == "00:00:01.200 15f", timeout=3000)
    assert session.timecode(25) == "00:00:02.000 25f"
    session.conformed_timecode = True  # Settings: show the NLE's timecode at 25
    assert session.timecode(15) == "00:00:01:05"
    session.conformed_timecode = False

    window.show_export()
    dialog = window.findChild(ExportDialog)
    assert dialog.sequence_rate.currentData() == "25"
    assert dialog.sequence_rate.currentText() == "25 (default)"
    note = dialog.findChild(QLabel, "SequenceRateNote")
    assert note is not None and "12.5 fps" in note.text() and "25" in note.text()
    out = tmp_path / "delivery"
    dialog.dest.setText(str(out))
    dialog.sequence_rate.setCurrentIndex(dialog.sequence_rate.findData("30"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Done"), timeout=60000)
    assert "problems" not in dialog.status.text(), dialog.status.text()
    name = session.project.name
    xmeml = ET.parse(out / f"{name}.xml").getroot()
    assert xmeml.findtext(".//sequence/rate/timebase") == "30"
    assert session.project.source.sequence_rate == "30"  # remembered in the project
    dialog.reject()
    window.show_export()
    again = [d for d in window.findChildren(ExportDialog) if d is not dialog and d.isVisible()]
    assert again and again[-1].sequence_rate.currentData() == "30"
    again[-1].reject()

    # A start timecode from the File menu: labels count at the chosen sequence rate (30).
    window.menu_actions.start_tc.trigger()
    qtbot.waitUntil(
        lambda: window.start_tc_dialog is not None and window.start_tc_dialog.isVisible(),
        timeout=3000,
    )
    window.start_tc_dialog.setTextValue("01:00:00:00")
    window.start_tc_dialog.done(QDialog.DialogCode.Accepted)
    qtbot.waitUntil(lambda: session.project.source.start_timecode() == "01:00:00:00", timeout=3000)
    assert session.timecode(15) == "01:00:01.200 15f"
    assert session.project.source.timecode_at(15) == "01:00:01:06"  # at the chosen 30


def test_source_waveform_of_one_stream_or_the_sum(
    window: Any, run: Any, qtbot: Any, ui_media: Path, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMenu

    from foleydesk.ui.menus import _fill_waveform

    video = mono_tracks_tmcd(tmp_path / "recorder.mov")
    assert run(window.open_async(video))
    project = window.session.project
    menu = QMenu()
    _fill_waveform(menu, window)
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "Production sound summed" and menu.actions()[0].isChecked()
    assert texts[1:] == [f"Stream {n}: 1 ch (mono)" for n in range(1, 9)]
    menu.actions()[3].trigger()
    assert project.source.waveform_stream == 2
    _fill_waveform(menu, window)
    assert menu.actions()[3].isChecked() and not menu.actions()[0].isChecked()
