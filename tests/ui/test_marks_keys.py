"""Marks, cues and transport as in Premiere, Resolve and Pro Tools, driven by real key events.

Before issue 11, I and O inside the selected cue moved its edges (an editor marking a range over
a cue trimmed it without meaning to), J only stepped back a second, and there was no X, no
Shift+I/O, no [ ], no ; / ', no next-marker key and no Shift+Space.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from foleydesk.core.commands import AddCue, AddMarker
from foleydesk.core.model import Cue, CueKind, LaneKind, Marker

NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def press(qtbot: Any, k: Qt.Key, mods: Qt.KeyboardModifier = NO) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, k, mods)


def add_cue(session: Any, in_frame: int, out_frame: int) -> int:
    lane = session.project.default_lane(CueKind.FOLEY)
    command = AddCue(Cue(0, lane.id, in_frame, out_frame, label="", colour=""), "Add cue")
    session.push(command)
    assert command.created is not None
    return command.created.id


def opened(window: Any, run: Any, qtbot: Any, video: Path) -> Any:
    assert run(window.open_async(video))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.timeline.setFocus()
    return window.session


def test_marks_are_independent_of_the_selected_cue_and_trim_keys_are_explicit(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    cue_id = add_cue(session, 10, 30)
    session.select_cue(cue_id)

    # I and O inside the selected cue only mark; the cue keeps its edges.
    session.seek(14)
    press(qtbot, Qt.Key.Key_I)
    session.seek(21)
    press(qtbot, Qt.Key.Key_O)
    assert (project.cue(cue_id).in_frame, project.cue(cue_id).out_frame) == (10, 30)
    assert (session.mark_in, session.mark_out) == (14, 22)  # Out 21 shown, 22 exclusive
    assert "Out 00:00:00:21" in window.marks.marks_text(session)

    # Shift+I / Shift+O go to the marks (Out: its last included frame).
    session.seek(0)
    press(qtbot, Qt.Key.Key_I, SHIFT)
    assert session.position == 14
    press(qtbot, Qt.Key.Key_O, SHIFT)
    assert session.position == 21

    # [ and ] trim the selected cue to the playhead; one undo step each.
    session.seek(12)
    press(qtbot, Qt.Key.Key_BracketLeft)
    session.seek(25)
    press(qtbot, Qt.Key.Key_BracketRight)
    assert (project.cue(cue_id).in_frame, project.cue(cue_id).out_frame) == (12, 26)
    session.undo_stack.undo()
    assert project.cue(cue_id).out_frame == 30
    session.undo_stack.redo()

    # X marks the cue under the playhead; Alt+X clears the marks.
    session.seek(20)
    press(qtbot, Qt.Key.Key_X)
    assert (session.mark_in, session.mark_out) == (12, 26)
    press(qtbot, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert (session.mark_in, session.mark_out) == (None, None)


def test_enter_makes_a_cue_on_the_lane_last_clicked(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    timeline = window.timeline
    lanes = project.sorted_lanes()
    target = next(i for i, lane in enumerate(lanes) if lane.kind is LaneKind.FOLEY and i > 0)
    rect = timeline.lane_rect(target)
    # A click in an empty part of the second Foley lane makes it the lane for new cues.
    qtbot.mouseClick(
        timeline, Qt.MouseButton.LeftButton, pos=rect.topLeft() + rect.center() - rect.topLeft()
    )
    session.seek(5)
    press(qtbot, Qt.Key.Key_I)
    session.seek(9)
    press(qtbot, Qt.Key.Key_O)
    assert not project.cues
    press(qtbot, Qt.Key.Key_Return)
    (cue,) = project.cues.values()
    assert (cue.in_frame, cue.out_frame, cue.lane_id) == (5, 10, lanes[target].id)
    assert session.selected_cue_id == cue.id
    assert (session.mark_in, session.mark_out) == (None, None)
    # An Out before the In is refused in words, and nothing is made.
    session.seek(30)
    press(qtbot, Qt.Key.Key_I)
    session.seek(20)
    window.marks.make_cue()
    assert len(project.cues) == 1
    assert "before the In" in window.banner.text


def test_edit_points_and_markers_navigation(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    add_cue(session, 10, 20)
    session.push(AddMarker(Marker(0, 15), "Add marker"))
    session.push(AddMarker(Marker(0, 33), "Add marker"))
    session.seek(0)
    stops = []
    for _ in range(5):
        press(qtbot, Qt.Key.Key_Down)
        stops.append(session.position)
    assert stops == [10, 15, 20, 33, 49]
    press(qtbot, Qt.Key.Key_Semicolon)
    assert session.position == 33
    press(qtbot, Qt.Key.Key_Apostrophe)
    assert session.position == 49
    press(qtbot, Qt.Key.Key_Up)
    assert session.position == 33
    session.seek(0)
    press(qtbot, Qt.Key.Key_M, SHIFT)
    assert session.position == 15


def test_k_with_j_or_l_steps_one_frame(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    session.seek(20)
    timeline = window.timeline
    qtbot.keyPress(timeline, Qt.Key.Key_K)
    qtbot.keyClick(timeline, Qt.Key.Key_L)
    assert session.position == 21
    qtbot.keyClick(timeline, Qt.Key.Key_J)
    qtbot.keyClick(timeline, Qt.Key.Key_J)
    assert session.position == 19
    qtbot.keyRelease(timeline, Qt.Key.Key_K)
    assert not window.field_keys.k_held
    assert window.player is None or not window.player.playing


def test_j_plays_backwards_and_l_turns_round(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    if window.player is None:
        return
    qtbot.waitUntil(lambda: window.player.ready, timeout=10000)
    window.seek(40)
    press(qtbot, Qt.Key.Key_J)
    press(qtbot, Qt.Key.Key_J)  # 2x backwards
    assert window.player.engine.shuttle_rate == -2
    qtbot.waitUntil(lambda: session.position <= 30, timeout=5000)
    press(qtbot, Qt.Key.Key_L)  # the other way: 1x forwards, with sound
    assert window.player.engine.shuttle_rate == 1
    press(qtbot, Qt.Key.Key_K)
    assert not window.player.playing


def test_shift_space_plays_the_marked_range_once(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    if window.player is None:
        return
    qtbot.waitUntil(lambda: window.player.ready, timeout=10000)
    session.seek(10)
    press(qtbot, Qt.Key.Key_I)
    session.seek(19)
    press(qtbot, Qt.Key.Key_O)
    session.seek(40)
    window.seek(40)
    press(qtbot, Qt.Key.Key_Space, SHIFT)
    assert window.player.playing
    qtbot.waitUntil(lambda: not window.player.playing, timeout=5000)
    qtbot.waitUntil(lambda: session.position == 20, timeout=2000)


def test_dragging_in_an_empty_lane_makes_a_cue_there(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from PySide6.QtCore import QPoint

    from foleydesk.ui.timeline import HEADER_W

    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    timeline = window.timeline
    timeline.snap = False
    lanes = project.sorted_lanes()
    y = timeline.lane_rect(1).center().y()

    def x(edge: int) -> int:
        return round(HEADER_W + timeline.scale.x_of(edge))

    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x(30), y))
    qtbot.mouseMove(timeline, QPoint(x(20), y))
    assert (session.mark_in, session.mark_out) == (20, 30)  # shaded while dragging
    qtbot.mouseMove(timeline, QPoint(x(12), y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x(12), y))
    (cue,) = project.cues.values()
    assert (cue.in_frame, cue.out_frame, cue.lane_id) == (12, 30, lanes[1].id)
    # A click without a drag only moves the playhead.
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x(40) + 1, y))
    assert len(project.cues) == 1 and session.position == 40
    session.undo_stack.undo()
    assert not project.cues


def test_cue_list_and_inspector_show_out_as_the_last_included_frame(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(session, 10, 35)  # frames 10..34: one second at 25 fps
    session.select_cue(cue_id)
    model = window.cue_table.model()
    assert model.index(0, 2).data() == "00:00:00:10"
    assert model.index(0, 3).data() == "00:00:01:09"
    assert "00:00:00:10 \u2013 00:00:01:09" in window.inspector.range_label.text()
    # Typing an Out in the list means that frame is the last one in the cue.
    assert model.setData(model.index(0, 3), "00:00:01:14", Qt.ItemDataRole.EditRole)
    assert session.project.cue(cue_id).out_frame == 40


def test_d_selects_the_cue_under_the_playhead_and_then_the_next_stacked_one(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    lanes = session.project.sorted_lanes()
    first = add_cue(session, 10, 30)
    command = AddCue(Cue(0, lanes[1].id, 15, 25, label="", colour=""), "Add cue")
    session.push(command)
    assert command.created is not None
    session.select_cue(None)
    session.seek(5)
    press(qtbot, Qt.Key.Key_D)
    assert session.selected_cue_id is None
    session.seek(20)
    press(qtbot, Qt.Key.Key_D)
    assert session.selected_cue_id == first
    press(qtbot, Qt.Key.Key_D)
    assert session.selected_cue_id == command.created.id


def test_playhead_zoom_and_split_come_back_when_the_project_reopens(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    path = session.project.path
    window.seek(30)
    press(qtbot, Qt.Key.Key_Equal)
    press(qtbot, Qt.Key.Key_Equal)
    visible = window.timeline.scale.visible_frames
    first = window.timeline.scale.first_frame
    assert visible < 49
    window.splitter.setSizes([300, 420])
    sizes = window.splitter.sizes()
    run(window.close_session())
    window.splitter.setSizes([500, 220])
    assert run(window.open_async(path))
    qtbot.waitUntil(lambda: window.session.position == 30, timeout=3000)
    qtbot.waitUntil(
        lambda: abs(window.timeline.scale.visible_frames - visible) < 0.01, timeout=3000
    )
    assert abs(window.timeline.scale.first_frame - first) < 0.01
    assert window.splitter.sizes() == sizes


def test_the_cue_list_can_grow_and_long_labels_shorten_with_the_whole_on_hover(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    before = window.cues_dock.height()
    window.resizeDocks([window.cues_dock], [400], Qt.Orientation.Vertical)
    qtbot.wait(50)
    assert window.cues_dock.height() >= 300 > before  # lanes scroll instead of refusing room
    lane = session.project.default_lane(CueKind.FOLEY)
    long_name = "Door slam in the long corridor with the echo of the stairwell " * 3
    command = AddCue(Cue(0, lane.id, 5, 20, label=long_name, colour=""), "Add cue")
    session.push(command)
    assert command.created is not None
    session.select_cue(command.created.id)
    title = window.takes_panel.title
    assert title.text().endswith("\u2026") and len(title.text()) < len(title.full_text)
    assert title.toolTip() == f"Takes of {long_name}"


def test_o_makes_the_cue_when_the_setting_says_so(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from foleydesk.settings import load_settings, save_settings
    from foleydesk.ui.settings_dialog import SettingsDialog

    session = opened(window, run, qtbot, fresh_video)
    dialog = SettingsDialog(window)
    assert not dialog.o_makes_cue.isChecked()  # the NLE habit by default: O only marks
    dialog.o_makes_cue.setChecked(True)
    dialog._save()
    assert load_settings().o_makes_cue
    try:
        window.timeline.setFocus()
        session.seek(10)
        press(qtbot, Qt.Key.Key_I)
        session.seek(19)
        press(qtbot, Qt.Key.Key_O)
        (cue,) = session.project.cues.values()
        assert (cue.in_frame, cue.out_frame) == (10, 20)
    finally:
        settings = load_settings()
        settings.o_makes_cue = False
        save_settings(settings)


def test_the_drag_label_shows_out_as_the_last_frame(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from PySide6.QtCore import QPoint

    from foleydesk.ui.timeline import HEADER_W

    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(session, 10, 35)
    timeline = window.timeline
    timeline.snap = False
    rect = timeline.cue_rect(session.project.cues[cue_id])
    y = int(rect.center().y())
    edge = QPoint(int(rect.right()) - 1, y)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=edge)
    target = QPoint(round(HEADER_W + timeline.scale.x_of(40)), y)
    qtbot.mouseMove(timeline, target)
    assert timeline._drag_label() == "00:00:00:10 \u2013 00:00:01:14"  # out 40 exclusive
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=target)
    assert session.project.cues[cue_id].out_frame == 40
