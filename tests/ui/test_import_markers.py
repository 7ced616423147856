"""File > Import markers: a Resolve marker EDL becomes cues in the open project, the banner says
what was added and what lies outside, one Ctrl+Z takes the import back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.interchange.test_markers_in import RESOLVE_EDL


def test_import_markers_from_the_file_menu(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    assert run(window.open_async(fresh_video))
    project = window.session.project
    edl = tmp_path / "Timeline 1.edl"
    edl.write_text(RESOLVE_EDL, "utf-8")
    action = window.menu_actions.import_markers
    assert action.isEnabled() and "Import markers" in action.text()
    window.import_markers(edl)
    labels = [c.label for c in project.sorted_cues()]
    assert labels[0] == "door knock" and "too late" not in labels
    banner = window.banner.text
    assert "1 cue added" in banner  # the source is shorter than 3 s: later markers are listed
    assert "Not placed: too late: after the end of the source, event 003" in banner
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.sorted_cues() == []  # one undo step for the whole import
    window.import_markers(tmp_path / "missing.edl")
    assert "There is no file" in window.banner.text


def test_point_marker_length_is_a_setting(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from foleydesk.ui.settings_dialog import SettingsDialog

    monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(tmp_path / "config"))
    dialog = SettingsDialog(window)
    dialog.show()
    qtbot.waitUntil(dialog.device_combo.isEnabled, timeout=10000)
    assert dialog.marker_length.value() == 2.0
    dialog.marker_length.setValue(0.5)
    dialog._save()
    assert run(window.open_async(fresh_video))
    edl = tmp_path / "m.edl"
    edl.write_text(RESOLVE_EDL, "utf-8")
    window.import_markers(edl)
    cue = window.session.project.sorted_cues()[0]
    rate = window.session.project.source.frame_rate
    assert cue.label == "door knock" and cue.frame_count == round(rate / 2)
