"""Right-click menus and multiple selection on the timeline and in the cue list, with real mouse
and key events: split, duplicate, colour, lane and delete are one undo step each, also for a
whole selection; G over several cues asks once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from foleydesk.core.commands import AddCue
from foleydesk.core.model import DEFAULT_CUE_COLOURS, Cue, CueKind

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def add_cue(session: Any, in_frame: int, out_frame: int, prompt: str = "") -> int:
    lane = session.project.default_lane(CueKind.FOLEY)
    command = AddCue(
        Cue(0, lane.id, in_frame, out_frame, label="", colour="", prompt=prompt), "Add cue"
    )
    session.push(command)
    assert command.created is not None
    return command.created.id


def opened(window: Any, run: Any, qtbot: Any, video: Path) -> Any:
    assert run(window.open_async(video))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.timeline.setFocus()
    return window.session


def centre(window: Any, cue_id: int) -> QPoint:
    rect = window.timeline.cue_rect(window.session.project.cues[cue_id])
    return rect.center().toPoint()


def actions(menu: QMenu) -> dict[str, Any]:
    found = {}
    for action in menu.actions():
        if action.menu() is not None:
            found.update({f"{action.text()}/{k}": v for k, v in actions(action.menu()).items()})
        elif action.text():
            found[action.text()] = action
    return found


def test_right_click_on_a_cue_opens_its_menu_and_each_entry_is_one_undo(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from PySide6.QtGui import QContextMenuEvent

    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    cue_id = add_cue(session, 10, 30, prompt="steps")
    seen: list[QMenu] = []
    window.timeline.cue_menu_wanted.connect(
        lambda i, _p: seen.append(
            __import__("foleydesk.ui.timeline_menu").ui.timeline_menu.cue_menu(window, i)
        )
    )
    pos = centre(window, cue_id)
    QApplication.sendEvent(
        window.timeline,
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, window.timeline.mapToGlobal(pos)),
    )
    assert session.selected_cue_id == cue_id
    assert seen, "no menu for a right-click on a cue"
    menu = actions(seen[-1])
    for entry in (
        "Generate  (G)",
        "Duplicate",
        "Split at playhead",
        "Delete  (Del)",
        "Open takes folder",
    ):
        assert entry in menu, sorted(menu)
    assert any(k.startswith("Colour/") for k in menu)
    assert any(k.startswith("Move to lane/") for k in menu)

    # Split at the playhead: two cues meeting at frame 18; one undo joins them again.
    session.seek(18)
    from foleydesk.ui.timeline_menu import cue_menu

    steps = session.undo_stack.count()
    actions(cue_menu(window, cue_id))["Split at playhead"].trigger()
    ranges = sorted((c.in_frame, c.out_frame) for c in project.cues.values())
    assert ranges == [(10, 18), (18, 30)]
    assert session.undo_stack.count() == steps + 1
    session.undo_stack.undo()
    assert sorted((c.in_frame, c.out_frame) for c in project.cues.values()) == [(10, 30)]

    # Duplicate lands right after the cue with the same prompt.
    actions(cue_menu(window, cue_id))["Duplicate"].trigger()
    copy = next(c for c in project.cues.values() if c.id != cue_id)
    assert (copy.in_frame, copy.out_frame, copy.prompt) == (30, 50, "steps")

    # A right-click in an empty lane offers Make cue from the marks.
    lane_seen: list[int] = []
    window.timeline.lane_menu_wanted.connect(lambda i, _p: lane_seen.append(i))
    empty = QPoint(
        int(window.timeline.lane_rect(2).center().x()), window.timeline.lane_rect(2).center().y()
    )
    QApplication.sendEvent(
        window.timeline,
        QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, empty, window.timeline.mapToGlobal(empty)
        ),
    )
    assert lane_seen == [project.sorted_lanes()[2].id]


def test_ctrl_click_and_ctrl_a_select_many_and_edits_apply_to_all_in_one_step(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from foleydesk.ui.timeline_menu import cue_menu

    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    a = add_cue(session, 2, 8)
    b = add_cue(session, 12, 18)
    c = add_cue(session, 25, 35)
    timeline = window.timeline
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=centre(window, a))
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, CTRL, centre(window, c))
    assert session.selected_ids() == [a, c]
    assert window.focusWidget() is timeline

    # Colour from the menu of one of them colours both, one undo step.
    steps = session.undo_stack.count()
    colour = DEFAULT_CUE_COLOURS[3]
    actions(cue_menu(window, c))[f"Colour/{colour}"].trigger()
    assert [project.cues[i].colour for i in (a, b, c)][0::2] == [colour, colour]
    assert project.cues[b].colour != colour
    assert session.undo_stack.count() == steps + 1

    # Move to lane: both.
    lane = project.sorted_lanes()[1]
    actions(cue_menu(window, a))[f"Move to lane/{lane.name}"].trigger()
    assert {project.cues[a].lane_id, project.cues[c].lane_id} == {lane.id}

    # Shift+click on the selected one drops it; Ctrl+A takes all three; Delete removes all.
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, SHIFT, centre(window, c))
    assert session.selected_ids() == [a]
    qtbot.keyClick(timeline, Qt.Key.Key_A, CTRL)
    assert sorted(session.selected_ids()) == sorted([a, b, c])
    rows = window.cue_table.selectionModel().selectedRows()
    assert len(rows) == 3
    steps = session.undo_stack.count()
    qtbot.keyClick(timeline, Qt.Key.Key_Delete)
    assert not project.cues
    assert session.undo_stack.count() == steps + 1
    session.undo_stack.undo()
    assert len(project.cues) == 3


def test_g_over_several_cues_generates_them_all(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    a = add_cue(session, 2, 8, prompt="knock")
    b = add_cue(session, 12, 18, prompt="thud")
    c = add_cue(session, 25, 35)  # no prompt: the confirmation names it
    session.set_selection([a, b])
    qtbot.keyClick(window.timeline, Qt.Key.Key_G)  # offline and free: no question
    qtbot.waitUntil(lambda: bool(project.jobs_for(a)) and bool(project.jobs_for(b)), timeout=5000)
    session.set_selection([a, c])
    qtbot.keyClick(window.timeline, Qt.Key.Key_G)
    qtbot.waitUntil(lambda: window.generate_confirm is not None, timeout=3000)
    box = window.generate_confirm
    qtbot.waitUntil(box.isVisible, timeout=3000)
    assert "no prompt" in box.text() and "cue 3" in box.text().lower()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: window.generate_confirm is None, timeout=3000)
    assert not project.jobs_for(c)


def test_shift_click_in_the_cue_list_selects_rows(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    a = add_cue(session, 2, 8)
    add_cue(session, 12, 18)
    c = add_cue(session, 25, 35)
    table = window.cue_table
    first = table.visualRect(table.model().index(0, 1)).center()
    last = table.visualRect(table.model().index(2, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, SHIFT, last)
    assert len(session.selected_ids()) == 3
    assert session.selected_cue_id in (a, c)


def test_ctrl_drag_from_an_empty_lane_is_a_rubber_band(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    timeline = window.timeline
    lanes = session.project.sorted_lanes()
    a = add_cue(session, 2, 8)
    b = add_cue(session, 12, 18)
    command = AddCue(Cue(0, lanes[1].id, 14, 30, label="", colour=""), "Add cue")
    session.push(command)
    c = command.created.id
    far = add_cue(session, 40, 48)
    session.select_cue(None)
    lane0 = timeline.lane_rect(0)
    lane1 = timeline.lane_rect(1)
    start = QPoint(round(timeline.cue_rect(session.project.cues[a]).right() + 4), lane0.top() + 2)
    end = QPoint(round(timeline.cue_rect(session.project.cues[b]).center().x()), lane1.bottom() - 2)
    steps = session.undo_stack.count()
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, CTRL, start)
    qtbot.mouseMove(timeline, end)
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, CTRL, end)
    assert sorted(session.selected_ids()) == sorted([b, c])
    assert a not in session.selected_ids() and far not in session.selected_ids()
    assert session.undo_stack.count() == steps  # a band edits nothing
    assert len(session.project.cues) == 4 and session.mark_in is None
    # A plain click on one of the selected cues selects just it.
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=centre(window, b))
    assert session.selected_ids() == [b]


def test_g_over_cues_on_a_paid_host_asks_once_with_the_total_cost(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from foleydesk.core.commands import EditCue

    session = opened(window, run, qtbot, fresh_video)
    project = session.project
    ids = [add_cue(session, 2, 27, prompt="knock"), add_cue(session, 30, 49, prompt="thud")]
    for cue_id in ids:  # a paid host, two takes each
        session.push(EditCue(cue_id, {"provider_id": "qubico", "params": {"takes": 2}}, "p"))
    session.set_selection(ids)
    qtbot.keyClick(window.timeline, Qt.Key.Key_G)
    qtbot.waitUntil(lambda: window.generate_confirm is not None, timeout=3000)
    box = window.generate_confirm
    qtbot.waitUntil(box.isVisible, timeout=3000)
    assert "Generate 2 cues?" in box.text()
    from foleydesk.ui.selection import estimated_cost

    each = [estimated_cost(window, project.cues[i]) for i in ids]
    assert all(c > 0 for c in each)  # per cue: 2 takes at qubico's rate for its length
    assert f"Estimated cost in total: ${sum(each):.2f}" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: window.generate_confirm is None, timeout=3000)
    assert not any(project.jobs_for(i) for i in ids)  # nothing sent, nothing billed
