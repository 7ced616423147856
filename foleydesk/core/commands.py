"""Undoable edits. The UI wraps each in a QUndoCommand; the CLI runs them directly.

A command captures what it needs to reverse itself when it is first done, so redo and undo
are exact and never depend on the state at the time of undo. When another process (the app or a
command line on the same project) has changed what an edit wrote, its undo is refused with a
UserError that says so, rather than overwriting that process's work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from foleydesk.core.events import Entity
from foleydesk.core.model import Cue, Marker, Take
from foleydesk.core.project import Project
from foleydesk.errors import UserError

CUE_FIELDS = {
    "lane_id",
    "in_frame",
    "out_frame",
    "label",
    "colour",
    "prompt",
    "negative_prompt",
    "kind",
    "provider_id",
    "params",
    "chosen_take_id",
    "ucs_cat_id",
    "model_id",
}
TAKE_FIELDS = {"gain_db", "pan", "offset_samples", "fade_in_samples", "fade_out_samples"}
MARKER_FIELDS = {"frame", "label", "colour"}


class Command(Protocol):
    text: str

    def redo(self, project: Project) -> None: ...

    def undo(self, project: Project) -> None: ...


@dataclass
class AddCue:
    """Make a cue; on redo after undo it comes back with the same id."""

    cue: Cue
    text: str = "Add cue"
    created: Cue | None = None
    # Takes generated after the cue was made leave with it on undo and return on redo.
    takes: list[Take] = field(default_factory=list)

    def redo(self, project: Project) -> None:
        if self.created is None:
            self.created = project.add_cue(self.cue)
        else:
            project.restore_cue(self.created, self.takes)

    def undo(self, project: Project) -> None:
        assert self.created is not None
        # Not over another process's edits of the cue since (the chosen take is the engine's).
        made = {name: getattr(self.created, name) for name in CUE_FIELDS - {"chosen_take_id"}}
        project.check_unchanged(Entity.CUE, self.created.id, made)
        self.created, self.takes = project.remove_cue(self.created.id)


@dataclass
class DeleteCue:
    cue_id: int
    text: str = "Delete cue"
    removed: tuple[Cue, list[Take]] | None = None

    def redo(self, project: Project) -> None:
        self.removed = project.remove_cue(self.cue_id)

    def undo(self, project: Project) -> None:
        assert self.removed is not None
        project.restore_cue(*self.removed)


@dataclass
class EditCue:
    """Change any cue fields (prompt, label, lane, range...); move and trim are this too."""

    cue_id: int
    changes: dict[str, Any]
    text: str = "Edit cue"
    before: dict[str, Any] = field(default_factory=dict)
    # What this edit wrote: undo refuses if another process has changed it since.
    after: dict[str, Any] = field(default_factory=dict)
    done_once: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.changes) - CUE_FIELDS
        if unknown:
            raise ValueError(f"not cue fields: {sorted(unknown)}")

    def redo(self, project: Project) -> None:
        if self.done_once:
            project.check_unchanged(Entity.CUE, self.cue_id, self.before)
        cue = project.cue(self.cue_id)
        self.before = {name: getattr(cue, name) for name in self.changes}
        after = project.update_cue(self.cue_id, **self.changes)
        self.after = {name: getattr(after, name) for name in self.changes}
        self.done_once = True

    def undo(self, project: Project) -> None:
        project.check_unchanged(Entity.CUE, self.cue_id, self.after)
        project.update_cue(self.cue_id, **self.before)


def move_cue(project: Project, cue_id: int, delta_frames: int) -> EditCue:
    cue = project.cue(cue_id)
    return EditCue(
        cue_id,
        {"in_frame": cue.in_frame + delta_frames, "out_frame": cue.out_frame + delta_frames},
        "Move cue",
    )


def trim_cue(cue_id: int, in_frame: int | None = None, out_frame: int | None = None) -> EditCue:
    changes: dict[str, Any] = {}
    if in_frame is not None:
        changes["in_frame"] = in_frame
    if out_frame is not None:
        changes["out_frame"] = out_frame
    return EditCue(cue_id, changes, "Trim cue")


def choose_take(cue_id: int, take_id: int | None) -> EditCue:
    return EditCue(cue_id, {"chosen_take_id": take_id}, "Choose take")


@dataclass
class EditTake:
    """Gain, nudge and fades of a take."""

    take_id: int
    changes: dict[str, Any]
    text: str = "Edit take"
    before: dict[str, Any] = field(default_factory=dict)
    # What this edit wrote: undo refuses if another process has changed it since.
    after: dict[str, Any] = field(default_factory=dict)
    done_once: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.changes) - TAKE_FIELDS
        if unknown:
            raise ValueError(f"not take fields: {sorted(unknown)}")

    def redo(self, project: Project) -> None:
        if self.done_once:
            project.check_unchanged(Entity.TAKE, self.take_id, self.before)
        take = project.takes[self.take_id]
        self.before = {name: getattr(take, name) for name in self.changes}
        after = project.update_take(self.take_id, **self.changes)
        self.after = {name: getattr(after, name) for name in self.changes}
        self.done_once = True

    def undo(self, project: Project) -> None:
        project.check_unchanged(Entity.TAKE, self.take_id, self.after)
        project.update_take(self.take_id, **self.before)


@dataclass
class DeleteTake:
    """Forget a take record (its file stays in the media folder: what was paid for stays)."""

    take_id: int
    text: str = "Delete take"
    removed: Take | None = None
    was_chosen: bool = False

    def redo(self, project: Project) -> None:
        take = project.takes[self.take_id]
        cue = project.cues.get(take.cue_id)
        self.was_chosen = cue is not None and cue.chosen_take_id == take.id
        self.removed = project.remove_take(self.take_id)

    def undo(self, project: Project) -> None:
        assert self.removed is not None
        with project.transaction():
            project.restore_take(self.removed)
            if self.was_chosen:
                project.update_cue(self.removed.cue_id, chosen_take_id=self.removed.id)


@dataclass
class SplitCue:
    """Cut a cue in two at `frame`, as an NLE's razor cuts a clip: both halves go on sounding
    as before. The right half gets a copy of the chosen take's record (the same file, anchored
    to the same picture), so the cut is silent on no side; the fades stay at the outer ends."""

    cue_id: int
    frame: int
    text: str = "Split cue"
    right: AddCue | None = None
    parts: list[Command] = field(default_factory=list)  # done in order, undone in reverse

    def redo(self, project: Project) -> None:
        with project.transaction():
            if self.right is not None:  # redo after undo: the same records come back
                for part in self.parts:
                    part.redo(project)
                self.right.redo(project)
                return
            cue = project.cue(self.cue_id)
            if not cue.in_frame < self.frame < cue.out_frame:
                raise UserError(
                    "The playhead is not inside this cue.",
                    "Put the playhead where the cue should split, then split it.",
                )
            chosen = project.chosen_take(cue)
            self.parts = [EditCue(cue.id, {"out_frame": self.frame}, "")]
            if chosen is not None and chosen.fade_out_samples:
                self.parts.append(EditTake(chosen.id, {"fade_out_samples": 0}, ""))
            for part in self.parts:
                part.redo(project)
            right = replace(cue, id=0, in_frame=self.frame, chosen_take_id=None)
            right.label = f"{cue.display_name()} (2)"
            self.right = AddCue(right, "")
            self.right.redo(project)
            assert self.right.created is not None
            if chosen is not None:
                copy = replace(chosen, id=0, cue_id=self.right.created.id, fade_in_samples=0)
                copy.params = {**chosen.params, "split_from": chosen.id}
                copied = project.add_take(copy)
                self.right.created = project.update_cue(
                    self.right.created.id, chosen_take_id=copied.id
                )

    def undo(self, project: Project) -> None:
        assert self.right is not None
        with project.transaction():
            self.right.undo(project)  # the right half leaves with its copied take
            for part in reversed(self.parts):
                part.undo(project)


@dataclass
class AddMarker:
    marker: Marker
    text: str = "Add marker"
    created: Marker | None = None

    def redo(self, project: Project) -> None:
        if self.created is None:
            self.created = project.add_marker(self.marker)
        else:
            project.restore_marker(self.created)

    def undo(self, project: Project) -> None:
        assert self.created is not None
        project.remove_marker(self.created.id)


@dataclass
class EditMarker:
    """Rename, recolour or move a marker."""

    marker_id: int
    changes: dict[str, Any]
    text: str = "Edit marker"
    before: dict[str, Any] = field(default_factory=dict)
    # What this edit wrote: undo refuses if another process has changed it since.
    after: dict[str, Any] = field(default_factory=dict)
    done_once: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.changes) - MARKER_FIELDS
        if unknown:
            raise ValueError(f"not marker fields: {sorted(unknown)}")

    def redo(self, project: Project) -> None:
        if self.done_once:
            project.check_unchanged(Entity.MARKER, self.marker_id, self.before)
        marker = project.marker(self.marker_id)
        self.before = {name: getattr(marker, name) for name in self.changes}
        after = project.update_marker(self.marker_id, **self.changes)
        self.after = {name: getattr(after, name) for name in self.changes}
        self.done_once = True

    def undo(self, project: Project) -> None:
        project.check_unchanged(Entity.MARKER, self.marker_id, self.after)
        project.update_marker(self.marker_id, **self.before)


@dataclass
class DeleteMarker:
    """Remove a marker; undo puts it back with the same id, label and colour."""

    marker_id: int
    text: str = "Delete marker"
    removed: Marker | None = None

    def redo(self, project: Project) -> None:
        self.removed = project.remove_marker(self.marker_id)

    def undo(self, project: Project) -> None:
        assert self.removed is not None
        project.restore_marker(self.removed)


class UndoStack:
    """A plain undo history for headless use; the UI uses QUndoStack over the same commands."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._done: list[Command] = []
        self._undone: list[Command] = []

    def push(self, command: Command) -> Command:
        with self.project.transaction():
            command.redo(self.project)
        self._done.append(command)
        self._undone.clear()
        return command

    def can_undo(self) -> bool:
        return bool(self._done)

    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo(self) -> None:
        command = self._done.pop()
        with self.project.transaction():
            command.undo(self.project)
        self._undone.append(command)

    def redo(self) -> None:
        command = self._undone.pop()
        with self.project.transaction():
            command.redo(self.project)
        self._done.append(command)


LANE_POST_FIELDS = {"category", "ucs_cat_id"}


@dataclass
class EditLane:
    """A lane's post-sound fields (its stem category, its UCS CatID); one undo step."""

    lane_id: int
    changes: dict[str, Any]
    text: str = "Edit lane"
    before: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.changes) - LANE_POST_FIELDS
        if unknown:
            raise ValueError(f"not lane fields: {sorted(unknown)}")

    def redo(self, project: Project) -> None:
        lane = project.lanes[self.lane_id]
        self.before = {name: getattr(lane, name) for name in self.changes}
        project.update_lane(self.lane_id, **self.changes)

    def undo(self, project: Project) -> None:
        project.update_lane(self.lane_id, **self.before)
