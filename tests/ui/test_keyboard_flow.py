"""An editor's keyboard flow end to end on a generated video, against the real engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from foleydesk import loopguard
from foleydesk.core.model import JobState, TakeStatus
from tests.media.mediagen import read_code


def key(
    qtbot: Any, widget: Any, k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(widget, k, mods)


def shown_frame(window: Any) -> int:
    """The frame index the viewer is showing, read from the picture's own pixels."""
    image = window.viewer.image
    assert image is not None
    import numpy as np

    rgb = image.convertToFormat(image.Format.Format_RGB888)
    ptr = rgb.constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    arr = arr[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
    return read_code(arr, scale=rgb.width() / 320)


def test_keyboard_flow(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    assert run(window.open_async(fresh_video))
    session = window.session
    assert session is not None and session.frame_count == 50
    project = session.project
    timeline = window.timeline
    timeline.setFocus()

    # Right x5: the playhead and the picture are on frame 5, exactly.
    for _ in range(5):
        key(qtbot, timeline, Qt.Key.Key_Right)
    assert session.position == 5
    qtbot.waitUntil(lambda: window.viewer.frame_index == 5, timeout=10000)
    assert shown_frame(window) == 5
    assert window.transport.timecode.text() == "00:00:00:05"

    # I, Shift+Right x3 (ten frames each), Left, O, Enter: a cue over frames 5..34 inclusive.
    key(qtbot, timeline, Qt.Key.Key_I)
    assert session.mark_in == 5
    for _ in range(3):
        key(qtbot, timeline, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, timeline, Qt.Key.Key_Left)
    assert session.position == 34
    key(qtbot, timeline, Qt.Key.Key_O)
    assert not project.cues  # O only marks (as in an NLE); Enter makes the cue
    assert window.marks.marks_text(session).endswith("Out 00:00:01:09  (30 frames)")
    key(qtbot, timeline, Qt.Key.Key_Return)
    assert len(project.cues) == 1
    cue = next(iter(project.cues.values()))
    assert (cue.in_frame, cue.out_frame) == (5, 35)
    assert session.selected_cue_id == cue.id
    assert window.cue_table.model().rowCount() == 1

    # Enter (no marks now) edits the prompt; leaving the field commits it as one undo step.
    key(qtbot, timeline, Qt.Key.Key_Return)
    assert window.inspector.prompt_edit.hasFocus()
    qtbot.keyClicks(window.inspector.prompt_edit, "glass shatters on tiles")
    timeline.setFocus()
    qtbot.waitUntil(lambda: project.cue(cue.id).prompt == "glass shatters on tiles", timeout=3000)
    assert "23 / " in window.inspector.prompt_count.text()

    # Down jumps to the next cue edge (the cue's out point), Up back to its in point.
    key(qtbot, timeline, Qt.Key.Key_Home)
    key(qtbot, timeline, Qt.Key.Key_Down)
    assert session.position == 5
    key(qtbot, timeline, Qt.Key.Key_Down)
    assert session.position == 35
    key(qtbot, timeline, Qt.Key.Key_Up)
    assert session.position == 5

    # M drops a marker at the playhead.
    key(qtbot, timeline, Qt.Key.Key_M)
    assert [m.frame for m in project.markers.values()] == [5]

    # Two takes, then G generates them with the offline provider; they appear in the takes list.
    inspector = window.inspector
    inspector.takes_spin.setValue(2)
    inspector.takes_spin.editingFinished.emit()
    assert project.cue(cue.id).params["takes"] == 2
    timeline.setFocus()
    assert inspector.generate_button.isEnabled(), inspector.generate_button.toolTip()
    key(qtbot, timeline, Qt.Key.Key_G)
    qtbot.waitUntil(
        lambda: len(project.jobs) == 2 and all(j.state.finished for j in project.jobs.values()),
        timeout=45000,
    )
    for job in project.jobs.values():
        assert job.state is JobState.DONE, job.error
    takes = project.takes_for(cue.id)
    assert [t.status for t in takes] == [TakeStatus.READY, TakeStatus.READY]
    assert all(project.take_path(t).is_file() for t in takes)
    assert takes[0].seed != takes[1].seed
    qtbot.waitUntil(lambda: window.takes_panel.table.rowCount() == 2, timeout=3000)
    jobs_table = window.jobs_panel.table
    qtbot.waitUntil(
        lambda: (
            jobs_table.rowCount() == 2
            and {jobs_table.item(r, 3).text() for r in range(2)} == {"done"}
        ),
        timeout=3000,
    )
    # The first take to land is heard at once; select the other one and press C to choose it.
    first = project.cue(cue.id).chosen_take_id
    assert first in {t.id for t in takes}
    other_row = 0 if takes[0].id != first else 1
    window.takes_panel.table.selectRow(other_row)
    assert session.selected_take_id == takes[other_row].id
    timeline.setFocus()
    key(qtbot, timeline, Qt.Key.Key_C)
    assert project.cue(cue.id).chosen_take_id == takes[other_row].id
    assert window.takes_panel.table.item(other_row, 0).text() == "\u2713"

    # Space plays (the null output runs the clock when there is no sound card); Space stops.
    if window.player is not None:
        qtbot.waitUntil(lambda: window.player.ready, timeout=10000)
        session.seek(0)
        key(qtbot, timeline, Qt.Key.Key_Space)
        assert window.player.playing
        qtbot.waitUntil(lambda: session.position >= 10, timeout=10000)
        key(qtbot, timeline, Qt.Key.Key_Space)
        assert not window.player.playing
        stopped_at = session.position
        qtbot.wait(200)
        assert session.position == stopped_at

    # Ctrl+E exports stems: the cue's clip is a BWF stamped at its in point (frame 5 at 25 fps).
    from foleydesk.ui.export_dialog import ExportDialog

    key(qtbot, timeline, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    out_dir = tmp_path / "delivery"
    dialog.dest.setText(str(out_dir))
    dialog.video.setChecked(False)
    dialog.timeline.setChecked(False)
    dialog.stems.setChecked(True)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Done"), timeout=30000)
    from foleydesk.media.bwf import read_bwf_time_reference

    stamps = sorted(read_bwf_time_reference(p) for p in (out_dir / "stems").rglob("*.wav"))
    assert 5 * 1920 in stamps
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)

    # Dragging the cue or its lane out hands over a BWF at the right timecode.
    from foleydesk.media.bwf import read_bwf_samples
    from foleydesk.ui.dragout import cue_file, lane_file

    clip = cue_file(window, cue.id)
    stem = lane_file(window, cue.lane_id)
    assert clip is not None and stem is not None
    with loopguard.allowed():  # the test reads the files it was handed
        assert read_bwf_time_reference(clip) == 5 * 1920
        assert len(read_bwf_samples(clip)) == 30 * 1920
        assert read_bwf_time_reference(stem) == 0
        assert len(read_bwf_samples(stem)) == 50 * 1920
    window.activateWindow()
    timeline.setFocus()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)

    # Undo brings each step back: choice, takes count, marker, prompt, cue; redo brings the cue.
    ctrl = Qt.KeyboardModifier.ControlModifier
    key(qtbot, timeline, Qt.Key.Key_Z, ctrl)
    assert project.cue(cue.id).chosen_take_id == first
    key(qtbot, timeline, Qt.Key.Key_Z, ctrl)
    assert "takes" not in project.cue(cue.id).params
    key(qtbot, timeline, Qt.Key.Key_Z, ctrl)
    assert not project.markers
    key(qtbot, timeline, Qt.Key.Key_Z, ctrl)
    assert project.cue(cue.id).prompt == ""
    key(qtbot, timeline, Qt.Key.Key_Z, ctrl)
    assert cue.id not in project.cues
    assert window.cue_table.model().rowCount() == 0
    key(qtbot, timeline, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert project.cue(cue.id).in_frame == 5
    assert window.cue_table.model().rowCount() == 1


def test_cue_drag_moves_and_trims_on_the_frame_grid(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from PySide6.QtCore import QPoint

    from foleydesk.ui.timeline import HEADER_W

    assert run(window.open_async(fresh_video))
    session = window.session
    timeline = window.timeline
    session.seek(10)
    timeline.setFocus()
    key(qtbot, timeline, Qt.Key.Key_I)
    session.seek(19)
    key(qtbot, timeline, Qt.Key.Key_O)
    key(qtbot, timeline, Qt.Key.Key_Return)  # Make cue
    cue = session.selected_cue
    assert (cue.in_frame, cue.out_frame) == (10, 20)
    timeline.snap = False
    rect = timeline.cue_rect(cue)
    px = timeline.scale.px_per_frame
    y = int(rect.center().y())
    # Drag the body 5 frames right.
    start = QPoint(int(rect.center().x()), y)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(timeline, QPoint(start.x() + round(5 * px), y))
    qtbot.mouseRelease(
        timeline, Qt.MouseButton.LeftButton, pos=QPoint(start.x() + round(5 * px), y)
    )
    cue = session.project.cue(cue.id)
    assert (cue.in_frame, cue.out_frame) == (15, 25)
    # Drag the out edge 3 frames left.
    rect = timeline.cue_rect(cue)
    edge = QPoint(int(rect.right()) - 1, y)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=edge)
    qtbot.mouseMove(timeline, QPoint(edge.x() - round(3 * px), y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(edge.x() - round(3 * px), y))
    cue = session.project.cue(cue.id)
    assert (cue.in_frame, cue.out_frame) == (15, 22)
    # Clicking the ruler moves the playhead to the frame under the pointer.
    x = HEADER_W + int(timeline.scale.x_of(30) + px / 2)
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 30))
    assert session.position == 30
    # One undo per gesture.
    session.undo_stack.undo()
    assert session.project.cue(cue.id).out_frame == 25
    session.undo_stack.undo()
    assert session.project.cue(cue.id).in_frame == 10

    # = zooms in around the playhead, \\ fits the whole source again.
    timeline.setFocus()
    before = timeline.scale.px_per_frame
    key(qtbot, timeline, Qt.Key.Key_Equal)
    assert timeline.scale.px_per_frame == pytest.approx(before * 1.5)
    key(qtbot, timeline, Qt.Key.Key_Backslash)
    assert timeline.scale.px_per_frame == pytest.approx(before)

    # Delete removes the selected cue; undo brings it back with the same id.
    session.select_cue(cue.id)
    key(qtbot, timeline, Qt.Key.Key_Delete)
    assert cue.id not in session.project.cues
    key(qtbot, timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.project.cue(cue.id).in_frame == 10
