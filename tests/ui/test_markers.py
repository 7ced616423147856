"""Markers from the keyboard and the ruler: M adds, Shift+M / Ctrl+Shift+M go to the next /
previous, Alt+M deletes, the flag's menu renames and deletes; every step is one undo and is in
the project file at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialog

from foleydesk import loopguard
from foleydesk.core.project import Project
from foleydesk.ui.timeline import HEADER_W, OVERVIEW_H, RULER_H


def frames_of(project: Project) -> list[int]:
    return sorted(m.frame for m in project.markers.values())


def test_markers_by_keyboard_and_ruler_menu(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    assert run(window.open_async(fresh_video))
    session, timeline = window.session, window.timeline
    project = session.project
    timeline.setFocus()
    for frame in (10, 20):
        window.seek(frame)
        qtbot.keyClick(timeline, Qt.Key.Key_M)
    qtbot.keyClick(timeline, Qt.Key.Key_M)  # one marker per frame
    assert frames_of(project) == [10, 20]

    # Shift+M goes to the next marker, Ctrl+Shift+M to the previous one (Premiere).
    window.seek(0)
    qtbot.keyClick(timeline, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    assert session.position == 10
    qtbot.keyClick(timeline, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    assert session.position == 20
    qtbot.keyClick(
        timeline,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier,
    )
    assert session.position == 10

    # Alt+M between markers deletes the nearest one before the playhead; undo restores it.
    window.seek(17)
    qtbot.keyClick(timeline, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert frames_of(project) == [20]
    window.seek(5)  # nothing at or before frame 5: nothing is deleted
    qtbot.keyClick(timeline, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert frames_of(project) == [20]
    qtbot.keyClick(timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert frames_of(project) == [10, 20]

    # The flag of the marker at frame 20 on the ruler: its menu renames it.
    flag = QPointF(HEADER_W + timeline.scale.x_of(20), OVERVIEW_H + RULER_H - 5)
    marker = timeline.marker_at(flag)
    assert marker is not None and marker.frame == 20
    assert timeline.marker_at(QPointF(flag.x() + 40, flag.y())) is None
    menu = timeline.marker_menu(marker)
    actions = {a.text(): a for a in menu.actions() if a.text()}
    actions["Rename..."].trigger()
    qtbot.waitUntil(
        lambda: window.marker_dialog is not None and window.marker_dialog.isVisible(),
        timeout=3000,
    )
    dialog = window.marker_dialog
    dialog.setTextValue("  door slam ")
    dialog.done(QDialog.DialogCode.Accepted)
    qtbot.waitUntil(lambda: project.markers[marker.id].label == "door slam", timeout=3000)
    assert window.menu_actions.undo.text() == "&Undo Rename marker"

    # Delete from the menu; undo brings it back with its name, redo removes it again.
    menu.actions()[-1].trigger()
    assert frames_of(project) == [10]
    window.undo()
    assert project.markers[marker.id].label == "door slam"
    window.undo()
    assert project.markers[marker.id].label == ""
    window.redo()
    window.redo()
    assert marker.id not in project.markers

    # Every edit was written to the file as it happened (read here by the test, not the app).
    with loopguard.allowed():
        again = Project.open(project.path)
    try:
        assert frames_of(again) == [10]
    finally:
        again.close()
