"""The open document as the views see it: the project, its undo stack, selection and playhead.

Views never talk to each other; they talk to the session, which turns the model's plain
`changed` signal into a Qt signal (queued when it comes from a worker thread).
"""

from __future__ import annotations

import logging
from fractions import Fraction

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from foleydesk.core.commands import Command
from foleydesk.core.events import Change, Entity
from foleydesk.core.model import Cue
from foleydesk.core.project import Project
from foleydesk.core.status import (
    CHOSEN,
    FAILED,
    NEEDS_PROMPT,
    NO_TAKES,
    TAKES_READY,
    UNCERTAIN,
    cue_status,
)
from foleydesk.core.timebase import frame_to_time
from foleydesk.ui import undo

log = logging.getLogger(__name__)
# ProjectSession.cue_status words that are not a running job's state (views import them here)
__all__ = [
    "CHOSEN",
    "FAILED",
    "NEEDS_PROMPT",
    "NO_TAKES",
    "TAKES_READY",
    "UNCERTAIN",
    "ProjectSession",
]


class ProjectSession(QObject):
    changed = Signal(object)  # core.events.Change
    selection_changed = Signal(object)  # cue id or None
    take_selection_changed = Signal(object)  # take id or None
    position_changed = Signal(int)  # playhead frame
    marks_changed = Signal()  # pending in/out marks
    refused = Signal(object)  # UserError: an undo or redo another process's edit forbade

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.undo_stack = QUndoStack(self)
        self.selected_cue_id: int | None = None
        self.also_selected: set[int] = set()  # the rest of a multiple selection
        self.selected_take_id: int | None = None
        self.position = 0
        self.mark_in: int | None = None
        self.mark_out: int | None = None
        self.active_lane_id: int | None = None  # the lane last clicked: Make cue puts it there
        self.closed = False  # views still alive after close (a field losing focus) must not edit
        self.conformed_timecode = False  # Settings.conformed_timecode: NLE labels at odd rates
        project.changed.connect(self._on_model_changed)

    def close(self) -> None:
        self.closed = True
        self.project.changed.disconnect(self._on_model_changed)
        try:
            self.undo_stack.blockSignals(True)
            self.undo_stack.clear()
        except RuntimeError:  # Qt already deleted it with its parent window
            pass
        self.project.close()

    # -- model --

    def _on_model_changed(self, change: Change) -> None:
        self.changed.emit(change)
        if (
            change.entity is Entity.CUE
            and change.id == self.selected_cue_id
            and change.id not in self.project.cues
        ):
            self.select_cue(None)

    def push(self, command: Command) -> Command:
        """Run an edit through the undo stack (raises UserError when it is refused)."""
        return undo.push(self.undo_stack, self.project, command, self.refused.emit)

    # -- selection --

    @property
    def selected_cue(self) -> Cue | None:
        if self.selected_cue_id is None:
            return None
        return self.project.cues.get(self.selected_cue_id)

    def select_cue(self, cue_id: int | None) -> None:
        """Select one cue (or none): the rest of a multiple selection is dropped."""
        if cue_id == self.selected_cue_id and not self.also_selected:
            return
        self.also_selected = set()
        if cue_id == self.selected_cue_id:
            self.selection_changed.emit(cue_id)
            return
        self.selected_cue_id = cue_id
        self.selected_take_id = None
        self.selection_changed.emit(cue_id)
        self.take_selection_changed.emit(None)

    def selected_ids(self) -> list[int]:
        """Every selected cue, the one the inspector shows first."""
        ids = [] if self.selected_cue_id is None else [self.selected_cue_id]
        ids += sorted(i for i in self.also_selected if i in self.project.cues)
        return [i for i in ids if i in self.project.cues]

    def is_selected(self, cue_id: int) -> bool:
        return cue_id == self.selected_cue_id or cue_id in self.also_selected

    def set_selection(self, ids: list[int]) -> None:
        """Select these cues (Ctrl/Shift+click, Ctrl+A); the first is the one the inspector
        shows."""
        ids = [i for i in ids if i in self.project.cues]
        primary = ids[0] if ids else None
        rest = set(ids[1:])
        if primary == self.selected_cue_id and rest == self.also_selected:
            return
        if primary != self.selected_cue_id:
            self.selected_take_id = None
            self.take_selection_changed.emit(None)
        self.selected_cue_id, self.also_selected = primary, rest
        self.selection_changed.emit(primary)

    def toggle_selected(self, cue_id: int) -> None:
        ids = self.selected_ids()
        self.set_selection([i for i in ids if i != cue_id] if cue_id in ids else [*ids, cue_id])

    def select_take(self, take_id: int | None) -> None:
        if take_id != self.selected_take_id:
            self.selected_take_id = take_id
            self.take_selection_changed.emit(take_id)

    # -- playhead --

    @property
    def frame_count(self) -> int:
        return max(1, self.project.source.frame_count)

    @property
    def rate(self) -> Fraction:
        return self.project.source.frame_rate

    def clamp_frame(self, frame: int) -> int:
        return max(0, min(self.frame_count - 1, frame))

    def seek(self, frame: int) -> None:
        frame = self.clamp_frame(frame)
        if frame != self.position:
            self.position = frame
            self.position_changed.emit(frame)

    def set_position_from_playback(self, frame: int) -> None:
        """The player moved the playhead (no seek back into the player)."""
        self.seek(frame)

    @property
    def position_time(self) -> Fraction:
        return frame_to_time(self.position, self.rate)

    def timecode(self, frame: int) -> str:
        """The position as viewer, ruler and cue list show it: SMPTE timecode, or clock time
        and frame number where the picture's rate has none (conformed timecode if chosen)."""
        return self.project.source.display_at(frame, self.conformed_timecode)

    def cue_status(self, cue: Cue) -> str:
        """One word for where a cue stands: the cue list shows it, the timeline badges it."""
        return cue_status(self.project, cue)

    # -- cue edges for up/down navigation --

    def cue_edges(self) -> list[int]:
        edges: set[int] = {0, self.frame_count - 1}
        for cue in self.project.cues.values():
            edges.add(cue.in_frame)
            edges.add(min(cue.out_frame, self.frame_count - 1))
        return sorted(edges)

    def set_marks(self, mark_in: int | None, mark_out: int | None) -> None:
        self.mark_in, self.mark_out = mark_in, mark_out
        self.marks_changed.emit()
