"""Cue blocks show their take where it sounds and take edits by mouse: edge trims reveal (hatched
where nothing was generated) without sliding the sound, a body drag moves the take and marks it,
fade handles and Alt-drag gain are one undo step each. Real QTest mouse events throughout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from foleydesk import loopguard
from foleydesk.core.commands import AddCue, choose_take
from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.jobs.prepare import write_take

SR = 48_000
SPF = SR // 25  # the coded video is 25 fps
CLICK_FRAME = 15


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return data[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[:, :, :3]


def _column_ink(timeline: Any, cue: Cue, frame: float) -> int:
    """How many pixels of the block's column at `frame` are waveform-dark."""
    rect = timeline.cue_rect(cue)
    x = int(timeline.view().x_of_frame(frame))
    shot = _pixels(timeline.grab().toImage())
    column = shot[int(rect.top()) + 3 : int(rect.bottom()) - 3, x].astype(int)
    return int((column.sum(axis=1) < 250).sum())


def _drag(qtbot: Any, widget: Any, start: QPoint, end: QPoint, mods: Any = None) -> None:
    mods = mods or Qt.KeyboardModifier.NoModifier
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, mods, start)
    qtbot.mouseMove(widget, QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, mods, end)


def _setup(window: Any, run: Any, qtbot: Any, video: Path) -> tuple[Any, Any, Cue, Take]:
    assert run(window.open_async(video))
    session = window.session
    project = session.project
    lane = project.sorted_lanes()[0]
    command = session.push(AddCue(Cue(0, lane.id, 10, 30, prompt="knock", colour="#4f9dde")))
    cue = command.created
    audio = (np.random.default_rng(2).standard_normal((20 * SPF, 2)) * 0.003).astype(np.float32)
    at = (CLICK_FRAME - 10) * SPF
    audio[at : at + 400] = 0.9 * np.where(np.arange(400) % 2, 1.0, -1.0)[:, None]
    path = project.takes_dir / "knock.wav"
    with loopguard.allowed():  # the test writes the take file itself
        digest = write_take(path, audio)
    take = project.add_take(
        Take(0, cue.id, "offline", status=TakeStatus.READY, file="takes/knock.wav", sha256=digest)
    )
    session.push(choose_take(cue.id, take.id))
    session.select_cue(cue.id)
    timeline = window.timeline
    timeline.snap = False
    timeline.fit()
    qtbot.waitUntil(lambda: timeline.take_peaks.get(take) is not None, timeout=10000)
    timeline.invalidate()
    return session, timeline, project.cue(cue.id), take


def test_trim_reveals_hatched_silence_and_keeps_the_sound_on_its_frame(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session, timeline, cue, take = _setup(window, run, qtbot, fresh_video)
    project = session.project
    assert _column_ink(timeline, cue, CLICK_FRAME + 0.05) > 10  # the click, drawn tall
    assert _column_ink(timeline, cue, 20.5) < _column_ink(timeline, cue, CLICK_FRAME + 0.05)
    rect = timeline.cue_rect(cue)
    px = timeline.scale.px_per_frame
    y = int(rect.center().y())
    # Drag the in edge 6 frames earlier: the take stays, the new part is hatched and silent.
    edge = QPoint(int(rect.left()) + 1, y)
    _drag(qtbot, timeline, edge, QPoint(edge.x() - round(6 * px), y))
    cue = project.cue(cue.id)
    assert cue.in_frame == 4
    assert project.takes[take.id].anchor_in_frame == 10
    assert _column_ink(timeline, cue, CLICK_FRAME + 0.05) > 10  # same frame as before
    shot = _pixels(timeline.grab().toImage())
    x_new = int(timeline.view().x_of_frame(7))
    strip = shot[int(rect.top()) + 4 : int(rect.bottom()) - 4, x_new - 8 : x_new + 8]
    light = (strip.sum(axis=2) > 450).sum()
    assert light > 5  # the hatch lines of the not-generated part
    session.undo_stack.undo()
    assert project.cue(cue.id).in_frame == 10


def test_body_drag_moves_the_take_and_marks_it(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session, timeline, cue, take = _setup(window, run, qtbot, fresh_video)
    project = session.project
    rect = timeline.cue_rect(cue)
    px = timeline.scale.px_per_frame
    start = QPoint(int(rect.center().x()), int(rect.center().y()))
    _drag(qtbot, timeline, start, QPoint(start.x() + round(5 * px), start.y()))
    cue = project.cue(cue.id)
    moved = project.takes[take.id]
    assert (cue.in_frame, moved.anchor_in_frame, moved.moved_frames) == (15, 15, 5)
    assert _column_ink(timeline, cue, CLICK_FRAME + 5 + 0.05) > 10  # the click went along
    shot = _pixels(timeline.grab().toImage())
    rect = timeline.cue_rect(cue)
    outline = shot[int(rect.top()) + 1 : int(rect.top()) + 3, int(rect.left()) : int(rect.right())]
    orange = ((outline[:, :, 2] > 200) & (outline[:, :, 1] > 140) & (outline[:, :, 0] < 120)).sum()
    assert orange > 20  # the dashed "moved from its picture" outline
    session.undo_stack.undo()
    assert project.takes[take.id].moved_frames == 0


def test_fade_handles_and_alt_gain_drag_are_undoable(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    session, timeline, cue, take = _setup(window, run, qtbot, fresh_video)
    project = session.project
    rect = timeline.cue_rect(cue)
    px = timeline.scale.px_per_frame
    handles = timeline.cue_painter.fade_handles(
        timeline.cue_painter.placement(cue, take), rect, timeline.view()
    )
    (hx, hy) = next(v for k, v in handles.items() if k.name == "FADE_IN")
    press = QPoint(int(hx), int(hy) + 3)
    target_x = int(timeline.view().x_of_frame(13))
    _drag(qtbot, timeline, press, QPoint(target_x, press.y()))
    fade = project.takes[take.id].fade_in_samples
    assert abs(fade - 3 * SPF) <= SR / 25 / px * 2  # three frames, to the pixel
    assert project.cue(cue.id).in_frame == 10  # the cue itself did not move
    # The fade shows: the first frame of the block is darker (the shaded ramp) than the middle.
    (hx, hy) = next(
        v
        for k, v in timeline.cue_painter.fade_handles(
            timeline.cue_painter.placement(cue, project.takes[take.id]), rect, timeline.view()
        ).items()
        if k.name == "FADE_OUT"
    )
    press = QPoint(int(hx), int(hy) + 3)
    _drag(qtbot, timeline, press, QPoint(int(timeline.view().x_of_frame(28)), press.y()))
    assert abs(project.takes[take.id].fade_out_samples - 2 * SPF) <= SR / 25 / px * 2
    # Alt-drag up: gain rises (the rubber band), in 0.5 dB steps.
    centre = QPoint(int(rect.center().x()), int(rect.center().y()))
    _drag(
        qtbot, timeline, centre, QPoint(centre.x(), centre.y() - 6), Qt.KeyboardModifier.AltModifier
    )
    gain = project.takes[take.id].gain_db
    assert gain > 0 and gain * 2 == round(gain * 2)
    assert project.cue(cue.id).in_frame == 10  # Alt-drag never moves the cue
    # Or drag the gain line itself (the handle; no Alt, which window managers may keep).
    from foleydesk.ui.cue_painter import gain_to_y

    line = QPoint(centre.x() + 20, round(gain_to_y(gain, rect)))
    _drag(qtbot, timeline, line, QPoint(line.x(), line.y() + 8))
    lower = project.takes[take.id].gain_db
    assert lower < gain and project.cue(cue.id).in_frame == 10
    stack = session.undo_stack
    stack.undo()
    assert project.takes[take.id].gain_db == gain
    stack.undo()
    assert project.takes[take.id].gain_db == 0.0
    stack.undo()
    assert project.takes[take.id].fade_out_samples == 0
    stack.undo()
    assert project.takes[take.id].fade_in_samples == 0


def test_takes_list_and_generate_the_new_part(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    """Generate offline, trim the cue longer, press "Generate the new part": only that part is
    generated and joined, and the joined take is chosen; a silent take is flagged in words."""
    assert run(window.open_async(fresh_video))
    session = window.session
    project = session.project
    lane = project.sorted_lanes()[0]
    cue = session.push(AddCue(Cue(0, lane.id, 20, 40, prompt="wooden knock"))).created
    session.select_cue(cue.id)
    window.generate(cue.id)
    qtbot.waitUntil(lambda: project.chosen_take(project.cue(cue.id)) is not None, timeout=45000)
    panel = window.takes_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=3000)
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert "wooden knock" in row and "offline" in row[2].lower() and row[5].isdigit()
    qtbot.waitUntil(
        lambda: not panel.table.item(0, 3).icon().isNull() if panel.table.item(0, 3) else False,
        timeout=5000,
    )
    assert not panel.new_part_button.isEnabled()  # nothing to generate yet
    # Trim the in point 8 frames earlier with the mouse: the button wakes, the note says why.
    timeline = window.timeline
    timeline.snap = False
    timeline.fit()
    rect = timeline.cue_rect(project.cue(cue.id))
    px = timeline.scale.px_per_frame
    edge = QPoint(int(rect.left()) + 1, int(rect.center().y()))
    _drag(qtbot, timeline, edge, QPoint(edge.x() - round(8 * px), edge.y()))
    assert project.cue(cue.id).in_frame == 12
    qtbot.waitUntil(panel.new_part_button.isEnabled, timeout=3000)
    from foleydesk.ui.timeline_menu import cue_menu

    menu = cue_menu(window, cue.id)  # the timeline's right-click menu offers both
    texts = {a.text(): a.isEnabled() for a in menu.actions()}
    assert texts["Generate the new part"] and texts["Regenerate whole cue"]
    menu.deleteLater()
    assert "8 frame(s)" in panel.placement_note.text()
    base = project.cue(cue.id).chosen_take_id
    qtbot.mouseClick(panel.new_part_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: project.cue(cue.id).chosen_take_id != base, timeout=45000)
    joined = project.chosen_take(project.cue(cue.id))
    assert joined is not None
    assert (joined.anchor_in_frame, joined.anchor_out_frame) == (12, 40)
    newest = max(project.jobs.values(), key=lambda j: j.id)
    assert newest.request["in_frame"] == 12 and newest.request["out_frame"] < 40
    qtbot.waitUntil(lambda: not panel.new_part_button.isEnabled(), timeout=3000)
    # A silent take is said to be silent, in words, and was not chosen.
    path = project.takes_dir / "quiet.wav"
    with loopguard.allowed():  # the test writes the take file itself
        digest = write_take(path, np.zeros((20 * SPF, 2), np.float32))
    project.add_take(
        Take(0, cue.id, "offline", status=TakeStatus.READY, file="takes/quiet.wav",
             sha256=digest, problems="silent")
    )  # fmt: skip
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3, timeout=3000)
    status = panel.table.item(2, panel.table.columnCount() - 1).text()
    assert status.startswith("silent (below -60 dBFS)")
