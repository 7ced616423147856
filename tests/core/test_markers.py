"""Markers: rename and delete are undoable edits that persist, with the marker's own id."""

from __future__ import annotations

import pytest

from foleydesk.core.commands import AddMarker, DeleteMarker, EditMarker, UndoStack
from foleydesk.core.model import Marker
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from tests.core.conftest import MakeProject


def test_rename_and_delete_undo_exactly_and_persist(make_project: MakeProject) -> None:
    project = make_project()
    stack = UndoStack(project)
    add = stack.push(AddMarker(Marker(0, 40, "hit", "#ff0000")))
    assert isinstance(add, AddMarker) and add.created is not None
    marker_id = add.created.id

    stack.push(EditMarker(marker_id, {"label": "door slam"}, "Rename marker"))
    assert project.markers[marker_id].label == "door slam"
    stack.push(DeleteMarker(marker_id))
    assert project.markers == {}

    path = project.path
    project.close()
    project = Project.open(path)  # every edit was written at once
    assert project.markers == {}
    stack = UndoStack(project)

    # A fresh history on the reopened file: delete and rename again, then walk back.
    project.restore_marker(Marker(marker_id, 40, "door slam", "#ff0000"))
    stack.push(EditMarker(marker_id, {"label": "latch", "frame": 41}))
    stack.push(DeleteMarker(marker_id))
    stack.undo()  # back with the same id, label, colour and frame
    assert project.markers[marker_id] == Marker(marker_id, 41, "latch", "#ff0000")
    stack.undo()
    assert project.markers[marker_id] == Marker(marker_id, 40, "door slam", "#ff0000")
    stack.redo()
    stack.redo()
    assert marker_id not in project.markers

    project.close()
    again = Project.open(path)
    assert again.markers == {}


def test_undo_of_delete_is_written_to_the_file(make_project: MakeProject) -> None:
    project = make_project()
    stack = UndoStack(project)
    added = project.add_marker(Marker(0, 12, "footstep"))
    stack.push(EditMarker(added.id, {"label": "step"}))
    stack.push(DeleteMarker(added.id))
    stack.undo()
    path = project.path
    project.close()
    assert Project.open(path).markers[added.id] == Marker(added.id, 12, "step", added.colour)


def test_bad_marker_edits_are_refused(make_project: MakeProject) -> None:
    project = make_project(frames=250)
    marker = project.add_marker(Marker(0, 10))
    with pytest.raises(ValueError, match="not marker fields"):
        EditMarker(marker.id, {"prompt": "x"})
    with pytest.raises(UserError, match="outside the source"):
        project.update_marker(marker.id, frame=250)
    with pytest.raises(UserError, match="no marker 99"):
        UndoStack(project).push(DeleteMarker(99))
    assert project.markers[marker.id].frame == 10
