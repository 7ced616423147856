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
