"""Right-click on a cue or a lane: the cue's commands where the pointer is (Pro Tools, Premiere).

Every entry that edits is one undo step, also when it touches several cues (split, colour or
lane for a whole selection): a CommandGroup runs its parts in one project transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import QMenu

from foleydesk.core.commands import AddCue, Command, DeleteCue, EditCue, SplitCue
from foleydesk.core.model import DEFAULT_CUE_COLOURS, Cue
from foleydesk.core.placement import not_generated
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.ui.lane_post import add_post_entries

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow


@dataclass
class CommandGroup:
    """Several core commands as one undo step (undone in reverse order)."""

    parts: list[Command]
    text: str
    done: list[Command] = field(default_factory=list)

    def redo(self, project: Project) -> None:
        self.done = []
        for part in self.parts:
            part.redo(project)
            self.done.append(part)

    def undo(self, project: Project) -> None:
        for part in reversed(self.done):
            part.undo(project)


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def target_cues(window: MainWindow, cue_id: int) -> list[Cue]:
    """The cue right-clicked, with the rest of the selection when it is part of it."""
    session = window.session
    assert session is not None
    ids = session.selected_ids() if cue_id in session.selected_ids() else [cue_id]
    return [session.project.cues[i] for i in ids if i in session.project.cues]


def push_all(window: MainWindow, commands: Sequence[Command], text: str) -> bool:
    session = window.session
    if session is None or not commands:
        return False
    command = commands[0] if len(commands) == 1 else CommandGroup(list(commands), text)
    try:
        session.push(command)
    except UserError as exc:
        window.show_error(exc)
        return False
    return True


def duplicate(window: MainWindow, cue: Cue) -> None:
    """A copy with the same words and parameters, right after the cue (its takes stay)."""
    session = window.session
    assert session is not None
    length = cue.frame_count
    start = min(cue.out_frame, session.frame_count - length)
    copy = replace(
        cue, id=0, in_frame=start, out_frame=start + length, chosen_take_id=None, label=""
    )
    copy.label = f"{cue.display_name()} copy"
    command = AddCue(copy, window.tr("Duplicate cue"))
    if push_all(window, [command], command.text) and command.created is not None:
        session.select_cue(command.created.id)


def split_at_playhead(window: MainWindow, cue: Cue) -> None:
    """The razor: both halves go on sounding as before (core SplitCue)."""
    session = window.session
    assert session is not None
    push_all(window, [SplitCue(cue.id, session.position, window.tr("Split cue"))], "")


def open_takes_folder(window: MainWindow) -> None:
    session = window.session
    if session is not None:
        folder = session.project.takes_dir
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def cue_menu(window: MainWindow, cue_id: int) -> QMenu:
    """Generate, regenerate, duplicate, split, delete, colour, lane, takes folder."""
    session = window.session
    assert session is not None
    cues = target_cues(window, cue_id)
    cue = session.project.cues[cue_id]
    tr = window.tr
    menu = QMenu(window)
    title = cue.display_name() if len(cues) == 1 else tr("{0} cues").format(len(cues))
    menu.addSection(title)
    menu.addAction(tr("Generate  (G)"), lambda: window.generate_cues([c.id for c in cues]))
    menu.addAction(
        tr("Compare models...  (Shift+G)"),
        lambda: window.compare_cues([c.id for c in cues]),
    )
    chosen = session.project.chosen_take(cue)
    new_part = menu.addAction(tr("Generate the new part"), lambda: window.generate_new_part(cue_id))
    new_part.setEnabled(len(cues) == 1 and chosen is not None and bool(not_generated(cue, chosen)))
    whole = menu.addAction(tr("Regenerate whole cue"), lambda: window.regenerate_whole(cue_id))
    whole.setEnabled(len(cues) == 1)
    menu.addSeparator()
    duplicate_action = menu.addAction(tr("Duplicate"), lambda: duplicate(window, cue))
    duplicate_action.setEnabled(len(cues) == 1)
    split = menu.addAction(tr("Split at playhead"), lambda: split_at_playhead(window, cue))
    split.setEnabled(len(cues) == 1 and cue.in_frame < session.position < cue.out_frame)
    menu.addAction(
        tr("Delete  (Del)"),
        lambda: push_all(
            window, [DeleteCue(c.id, "") for c in cues], tr("Delete {0} cues").format(len(cues))
        ),
    )

    def set_field(name: str, value: object, text: str) -> None:
        edits = [EditCue(x.id, {name: value}, "") for x in cues if getattr(x, name) != value]
        push_all(window, edits, text)

    colours = menu.addMenu(tr("Colour"))
    for colour in DEFAULT_CUE_COLOURS:
        colours.addAction(
            _swatch(colour),
            colour,
            partial(set_field, "colour", colour, tr("Colour cues")),
        )
    lanes = menu.addMenu(tr("Move to lane"))
    for lane in session.project.sorted_lanes():
        action = lanes.addAction(
            lane.name,
            partial(set_field, "lane_id", lane.id, tr("Move cues to lane")),
        )
        action.setEnabled(any(x.lane_id != lane.id for x in cues))
    menu.addSeparator()
    menu.addAction(tr("Open takes folder"), lambda: open_takes_folder(window))
    return menu


def lane_menu(window: MainWindow, lane_id: int) -> QMenu:
    """Make a cue here from the marks; the lane's stem by dragging its name."""
    session = window.session
    assert session is not None
    tr = window.tr
    lane = session.project.lanes[lane_id]
    menu = QMenu(window)
    menu.addSection(lane.name)

    def make_here() -> None:
        session.active_lane_id = lane_id
        window.marks.make_cue()

    make = menu.addAction(tr("Make cue from the marks here  (Enter)"), make_here)
    make.setEnabled(session.mark_in is not None)
    menu.addAction(tr("Add marker at the playhead  (M)"), window.add_marker)
    add_post_entries(window, menu, lane)
    menu.addAction(tr("Open takes folder"), lambda: open_takes_folder(window))
    return menu
