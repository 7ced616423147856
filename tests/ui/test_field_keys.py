"""Keys go where an editor means them: text fields give the keys back, the wheel never edits.

Each test drives the real window with QTest key and mouse events; the "Today" ones failed on the
code before issue 11 (G typed "g" into the prompt, Tab inserted a tab, Enter in the cue list
selected the whole prompt for the next keys to replace, "?" was an ambiguous shortcut).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from foleydesk.core.commands import AddCue
from foleydesk.core.model import Cue, CueKind

NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def press(qtbot: Any, k: Qt.Key, mods: Qt.KeyboardModifier = NO) -> None:
    """A key where the keyboard sends it: to the widget that has focus."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, k, mods)


def add_cue(window: Any, in_frame: int, out_frame: int, prompt: str = "") -> int:
    session = window.session
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
    return window.session


def keys_on_timeline(window: Any) -> bool:
    """The window's keys go to the timeline (its focus widget, even if a busy test machine
    briefly made another window active)."""
    return window.focusWidget() is window.timeline


def click_into(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(
        widget.viewport() if hasattr(widget, "viewport") else widget, Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def test_esc_leaves_the_prompt_and_g_generates(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30)
    session.select_cue(cue_id)
    prompt = window.inspector.prompt_edit
    click_into(qtbot, prompt)
    qtbot.keyClicks(prompt, "door slam")
    press(qtbot, Qt.Key.Key_Escape)
    assert not prompt.hasFocus()
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
    assert session.project.cue(cue_id).prompt == "door slam"  # Esc keeps what was typed
    press(qtbot, Qt.Key.Key_G)
    assert prompt.toPlainText() == "door slam"
    qtbot.waitUntil(lambda: bool(session.project.jobs_for(cue_id)), timeout=5000)
    assert session.project.cue(cue_id).prompt == "door slam"


def test_enter_commits_shift_enter_breaks_the_line_and_one_undo_reverts(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30, prompt="rain")
    session.select_cue(cue_id)
    prompt = window.inspector.prompt_edit
    click_into(qtbot, prompt)
    prompt.moveCursor(prompt.textCursor().MoveOperation.End)
    qtbot.keyClicks(prompt, " on glass")
    qtbot.keyClick(prompt, Qt.Key.Key_Return, SHIFT)
    qtbot.keyClicks(prompt, "thunder")
    assert prompt.hasFocus()
    steps = session.undo_stack.count()
    qtbot.keyClick(prompt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
    assert session.project.cue(cue_id).prompt == "rain on glass\nthunder"
    assert session.undo_stack.count() == steps + 1
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert session.project.cue(cue_id).prompt == "rain"
    assert prompt.toPlainText() == "rain"

    # Ctrl+Enter in the label leaves it too.
    label = window.inspector.label_edit
    click_into(qtbot, label)
    qtbot.keyClicks(label, "Storm")
    qtbot.keyClick(label, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
    assert session.project.cue(cue_id).label == "Storm"


def test_tab_moves_between_fields_and_never_types_a_tab(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    session.select_cue(add_cue(window, 5, 30))
    inspector = window.inspector
    click_into(qtbot, inspector.prompt_edit)
    qtbot.keyClicks(inspector.prompt_edit, "steps")
    qtbot.keyClick(inspector.prompt_edit, Qt.Key.Key_Tab)
    assert "\t" not in inspector.prompt_edit.toPlainText()
    assert inspector.negative_edit.hasFocus()


def test_clicking_generate_gives_the_keys_back(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30)
    session.select_cue(cue_id)
    inspector = window.inspector
    click_into(qtbot, inspector.prompt_edit)
    qtbot.keyClicks(inspector.prompt_edit, "footsteps")
    qtbot.mouseClick(inspector.generate_button, Qt.MouseButton.LeftButton)
    assert not inspector.prompt_edit.hasFocus()
    window.session.seek(12)
    press(qtbot, Qt.Key.Key_I)
    assert session.mark_in == 12
    assert inspector.prompt_edit.toPlainText() == "footsteps"


def test_enter_in_the_cue_list_does_not_hand_the_prompt_to_the_next_keys(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    first = add_cue(window, 5, 15, prompt="door creak")
    add_cue(window, 20, 30, prompt="glass")
    table = window.cue_table
    rect = table.visualRect(table.model().index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert session.selected_cue_id == first
    press(qtbot, Qt.Key.Key_Return)
    assert not window.inspector.prompt_edit.hasFocus()
    press(qtbot, Qt.Key.Key_Minus)
    press(qtbot, Qt.Key.Key_6)
    assert session.project.cue(first).prompt == "door creak"
    assert window.inspector.prompt_edit.toPlainText() == "door creak"


def test_question_mark_opens_the_key_sheet(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from foleydesk.ui.help_sheet import HelpSheet

    opened(window, run, qtbot, fresh_video)
    window.timeline.setFocus()
    press(qtbot, Qt.Key.Key_Question, SHIFT)
    qtbot.waitUntil(
        lambda: any(s.isVisible() for s in window.findChildren(HelpSheet)), timeout=2000
    )
    for sheet in window.findChildren(HelpSheet):
        sheet.reject()


def wheel(widget: QWidget, notches: int) -> None:
    """One wheel turn over `widget`, delivered as Qt delivers it (propagating to parents)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120 * notches),
        Qt.MouseButton.NoButton,
        NO,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_over_the_inspector_scrolls_and_never_changes_a_value(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30)
    session.select_cue(cue_id)
    inspector = window.inspector
    window.inspector_dock.setMinimumHeight(0)
    window.resizeDocks([window.inspector_dock], [160], Qt.Orientation.Vertical)
    qtbot.wait(50)
    bar = inspector.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0, "the inspector must be taller than its dock for this test"
    steps = session.undo_stack.count()
    cue = session.project.cue(cue_id)
    lanes_before, provider_before = cue.lane_id, inspector.provider_combo.currentIndex()
    takes_before = inspector.takes_spin.value()
    for widget in (inspector.lane_combo, inspector.provider_combo, inspector.takes_spin):
        wheel(widget, 1)
    cue = session.project.cue(cue_id)
    assert cue.lane_id == lanes_before
    assert inspector.provider_combo.currentIndex() == provider_before
    assert inspector.takes_spin.value() == takes_before
    assert session.undo_stack.count() == steps
    assert bar.value() > 0  # the panel scrolled instead


def test_leaving_a_field_unchanged_adds_no_undo_step(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30, prompt="wind")
    session.push(
        __import__("foleydesk.core.commands", fromlist=["EditCue"]).EditCue(
            cue_id, {"kind": CueKind.MUSIC}, "Change kind"
        )
    )
    session.select_cue(cue_id)
    steps = session.undo_stack.count()
    inspector = window.inspector
    for field in (inspector.label_edit, inspector.prompt_edit, inspector.lyrics_edit):
        click_into(qtbot, field)
        press(qtbot, Qt.Key.Key_Escape)
    assert session.undo_stack.count() == steps, session.undo_stack.undoText()


def test_an_empty_takes_panel_shows_nothing_of_the_previous_cue(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    first = add_cue(window, 5, 20, prompt="knock")
    second = add_cue(window, 25, 40, prompt="thud")
    session.select_cue(first)
    window.timeline.setFocus()
    press(qtbot, Qt.Key.Key_G)
    panel = window.takes_panel
    qtbot.waitUntil(
        lambda: panel.table.rowCount() == 1 and panel.take_box.isVisible(), timeout=20000
    )
    assert panel.choose_button.text() == "Chosen"
    rect = window.timeline.cue_rect(session.project.cues[second])
    qtbot.mouseClick(window.timeline, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert session.selected_cue_id == second
    assert panel.table.rowCount() == 0
    assert not panel.take_box.isVisible()
    assert panel.choose_button.text() == "Choose" and panel.gain.value() == 0.0


def test_a_click_on_the_viewer_or_the_timeline_takes_focus_out_of_a_field(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30)
    session.select_cue(cue_id)
    prompt = window.inspector.prompt_edit
    click_into(qtbot, prompt)
    qtbot.keyClicks(prompt, "rain")
    qtbot.mouseClick(window.viewer, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
    assert not prompt.hasFocus()
    assert session.project.cue(cue_id).prompt == "rain"
    click_into(qtbot, window.inspector.label_edit)
    qtbot.keyClicks(window.inspector.label_edit, "Storm")
    ruler = QPoint(300, 30)
    qtbot.mouseClick(window.timeline, Qt.MouseButton.LeftButton, pos=ruler)
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
    assert session.project.cue(cue_id).label == "Storm"
    press(qtbot, Qt.Key.Key_I)  # the keys act on the timeline, nothing types into a field
    assert session.mark_in == session.position
    assert window.inspector.label_edit.text() == "Storm"


def test_the_key_sheet_names_every_key_the_window_has(window: Any) -> None:
    """The sheet describes the keys as they are: a shortcut added to a menu and not to the
    sheet fails here."""
    from PySide6.QtGui import QKeySequence

    from foleydesk.ui.help_sheet import SHORTCUTS

    sheet_keys = [part.strip() for k, _ in SHORTCUTS for part in k.replace(" / ", ",").split(",")]
    missing = []
    for action in window.actions():
        for seq in action.shortcuts():
            text = seq.toString(QKeySequence.SequenceFormat.PortableText)
            if text and text not in sheet_keys and text not in ("Ctrl+Q", "Ctrl+,"):
                missing.append(f"{text} ({action.text()})")
    assert not missing, missing


def test_a_floating_inspector_gives_the_keys_back_too_and_dialogs_keep_theirs(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30)
    session.select_cue(cue_id)
    window.inspector_dock.setFloating(True)
    window.inspector_dock.show()
    qtbot.waitExposed(window.inspector_dock)
    prompt = window.inspector.prompt_edit
    window.inspector_dock.activateWindow()
    click_into(qtbot, prompt)
    qtbot.keyClicks(prompt, "wind")
    qtbot.keyClick(prompt, Qt.Key.Key_Return)
    assert session.project.cue(cue_id).prompt == "wind"
    assert "\n" not in prompt.toPlainText()
    window.inspector_dock.setFloating(False)

    # In a dialog, Enter is the dialog's own (the rename box accepts).
    from foleydesk.core.commands import AddMarker
    from foleydesk.core.model import Marker

    command = AddMarker(Marker(0, 10), "Add marker")
    session.push(command)
    window.rename_marker(command.created.id)
    qtbot.waitUntil(lambda: window.marker_dialog is not None, timeout=2000)
    dialog = window.marker_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    edit = dialog.findChild(__import__("PySide6.QtWidgets").QtWidgets.QLineEdit)
    edit.setText("door")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: session.project.markers[command.created.id].label == "door", timeout=3000
    )


def test_enter_on_a_combo_box_never_jumps_into_the_prompt(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30, prompt="rain")
    session.select_cue(cue_id)
    combo = window.inspector.kind_combo
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus, timeout=2000)
    press(qtbot, Qt.Key.Key_Return)
    assert not window.inspector.prompt_edit.hasFocus()
    press(qtbot, Qt.Key.Key_6)
    assert session.project.cue(cue_id).prompt == "rain"


def test_the_keys_start_on_the_timeline_when_a_project_opens(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session = opened(window, run, qtbot, fresh_video)
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
    session.seek(10)
    press(qtbot, Qt.Key.Key_I)
    session.seek(20)
    press(qtbot, Qt.Key.Key_O)
    press(qtbot, Qt.Key.Key_Return)  # Make cue, not "go to the cue" of the list
    assert len(session.project.cues) == 1


def test_arrows_choose_in_a_focused_combo_box_and_letters_stay_shortcuts(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    """Down in a combo box the editor tabbed into picks the next item (today it went to the
    timeline as 'next edit point' and the box could not be driven from the keyboard)."""
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 5, 30, prompt="rain")
    add_cue(window, 34, 44, prompt="wind")
    session.select_cue(cue_id)
    combo = window.inspector.kind_combo
    assert combo.count() > 1
    before = combo.currentIndex()
    session.seek(0)  # Down on the timeline would go to the next edit point (frame 5)
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus, timeout=2000)
    press(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: combo.currentIndex() != before, timeout=2000)
    assert session.position == 0
    press(qtbot, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: combo.currentIndex() == before, timeout=2000)
    # A letter is still the window's: I sets the In mark, it does not pick an item.
    press(qtbot, Qt.Key.Key_I)
    assert combo.currentIndex() == before
    assert session.mark_in == 0


def test_enter_in_a_cue_list_cell_commits_and_gives_the_keys_back(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    """A label typed in the cue list: Enter keeps it (today Enter was taken by "Make cue" and
    the label was lost) and the keys go back to the timeline."""
    session = opened(window, run, qtbot, fresh_video)
    first = add_cue(window, 5, 15, prompt="door creak")
    table = window.cue_table
    index = table.model().index(0, 0)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), type(editor)
    editor.selectAll()
    qtbot.keyClicks(editor, "door")
    press(qtbot, Qt.Key.Key_Return)  # the view commits on its next pass of the loop
    qtbot.waitUntil(lambda: session.project.cue(first).label == "door", timeout=2000)
    qtbot.waitUntil(lambda: keys_on_timeline(window), timeout=2000)
