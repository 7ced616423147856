"""The project file: edits persist, schema versions are guarded, sources relink, undo is exact."""

from __future__ import annotations

import shutil
import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest

from foleydesk.core.commands import (
    AddCue,
    AddMarker,
    DeleteCue,
    DeleteTake,
    EditCue,
    EditTake,
    UndoStack,
    choose_take,
    move_cue,
    trim_cue,
)
from foleydesk.core.events import Action, Change, Entity
from foleydesk.core.model import Cue, CueKind, Job, JobState, LaneKind, Marker, Take, TakeStatus
from foleydesk.core.project import Project
from foleydesk.core.store import SCHEMA_VERSION, ProjectStore
from foleydesk.errors import UserError
from tests.core.conftest import MakeProject


def _cue(project: Project, in_frame: int, out_frame: int, **fields: object) -> Cue:
    lane = project.default_lane(CueKind.FOLEY)
    return project.add_cue(Cue(0, lane.id, in_frame, out_frame, **fields))  # type: ignore[arg-type]


def test_new_project_has_lanes_and_media_folder(make_project: MakeProject) -> None:
    project = make_project()
    kinds = [lane.kind for lane in project.sorted_lanes()]
    assert kinds == [LaneKind.FOLEY, LaneKind.FOLEY, LaneKind.MUSIC]
    assert [lane.name for lane in project.sorted_lanes()] == ["Foley 1", "Foley 2", "Music"]
    for folder in ("takes", "segments", "exports", "cache"):
        assert (project.path.parent / "scene Media" / folder).is_dir()


def test_everything_round_trips_through_the_file(make_project: MakeProject) -> None:
    project = make_project(rate=Fraction(24000, 1001), start_tc_frames=86388)
    cue = _cue(project, 10, 58, label="door", prompt="heavy oak door", params={"steps": 25})
    take = project.add_take(
        Take(
            0,
            cue.id,
            "offline",
            {"seed": 7},
            status=TakeStatus.READY,
            file="takes/a.wav",
            sha256="ab",
            gain_db=-3.5,
            offset_samples=-120,
        )
    )
    project.update_cue(cue.id, chosen_take_id=take.id)
    job = project.add_job(Job(0, cue.id, "piapi", {"steps": 25}, cost_estimate=0.002))
    project.update_job(job.id, state=JobState.RUNNING, task_id="task-123")
    project.add_marker(Marker(0, 40, "hit"))
    path = project.path
    project.close()

    again = Project.open(path)
    assert again.source.frame_rate == Fraction(24000, 1001)
    assert again.source.start_timecode() == "00:59:59:12"
    got = again.cue(cue.id)
    assert (got.in_frame, got.out_frame, got.prompt, got.params) == (
        10,
        58,
        "heavy oak door",
        {"steps": 25},
    )
    assert got.chosen_take_id == take.id
    got_take = again.takes[take.id]
    assert (got_take.seed, got_take.gain_db, got_take.offset_samples) == (7, -3.5, -120)
    assert got_take.status is TakeStatus.READY
    got_job = again.jobs[job.id]
    assert (got_job.state, got_job.task_id) == (JobState.RUNNING, "task-123")
    assert again.unfinished_jobs() == [got_job]
    assert [m.label for m in again.markers.values()] == ["hit"]


def test_bad_ranges_are_refused_in_the_users_words(make_project: MakeProject) -> None:
    project = make_project(frames=250)
    with pytest.raises(UserError, match="out point must come after"):
        _cue(project, 50, 50)
    with pytest.raises(UserError, match="ends after the source"):
        _cue(project, 200, 251)
    with pytest.raises(UserError, match="before the first frame"):
        _cue(project, -1, 10)
    assert project.cues == {}


def test_missing_records_point_only_to_commands_that_exist(make_project: MakeProject) -> None:
    """'cue list' and 'jobs' list records; there is no 'take list' to send anyone to."""
    project = make_project()
    with pytest.raises(UserError) as cue_error:
        project.update_cue(9, label="x")
    assert str(cue_error.value).endswith("List the cues with 'cue list'.")
    with pytest.raises(UserError) as job_error:
        project.update_job(9, status_text="x")
    assert "There is no job 9" in str(job_error.value) and "'jobs'" in str(job_error.value)
    with pytest.raises(UserError) as take_error:
        project.update_take(9, gain_db=1.0)
    assert str(take_error.value) == "There is no take 9 in this project."


def test_changes_are_announced(make_project: MakeProject) -> None:
    project = make_project()
    seen: list[Change] = []
    project.changed.connect(seen.append)
    cue = _cue(project, 0, 25)
    project.update_cue(cue.id, prompt="rain")
    project.remove_cue(cue.id)
    assert [(c.entity, c.action) for c in seen] == [
        (Entity.CUE, Action.ADDED),
        (Entity.CUE, Action.UPDATED),
        (Entity.CUE, Action.REMOVED),
    ]


def test_undo_and_redo_every_edit(make_project: MakeProject) -> None:
    project = make_project()
    stack = UndoStack(project)
    lane = project.default_lane(CueKind.FOLEY)
    add = stack.push(AddCue(Cue(0, lane.id, 10, 60, prompt="steps")))
    assert isinstance(add, AddCue) and add.created is not None
    cue_id = add.created.id
    stack.push(move_cue(project, cue_id, 5))
    stack.push(trim_cue(cue_id, out_frame=100))
    stack.push(EditCue(cue_id, {"prompt": "gravel steps"}))
    take = project.add_take(Take(0, cue_id, "offline", {"seed": 1}))
    stack.push(choose_take(cue_id, take.id))
    stack.push(EditTake(take.id, {"gain_db": -6.0}))
    stack.push(AddMarker(Marker(0, 30)))
    assert (project.cue(cue_id).in_frame, project.cue(cue_id).out_frame) == (15, 100)

    stack.push(DeleteCue(cue_id))
    assert cue_id not in project.cues and take.id not in project.takes
    stack.undo()  # the cue and its take come back with the same ids
    assert project.cue(cue_id).chosen_take_id == take.id
    assert project.takes[take.id].gain_db == -6.0

    stack.undo()  # marker
    assert project.markers == {}
    stack.undo()  # gain
    assert project.takes[take.id].gain_db == 0.0
    stack.undo()  # choose
    assert project.cue(cue_id).chosen_take_id is None
    stack.undo()  # prompt
    assert project.cue(cue_id).prompt == "steps"
    stack.undo()  # trim
    assert project.cue(cue_id).out_frame == 65
    stack.undo()  # move
    assert (project.cue(cue_id).in_frame, project.cue(cue_id).out_frame) == (10, 60)
    stack.undo()  # add
    assert project.cues == {}
    while stack.can_redo():
        stack.redo()
    assert cue_id not in Project.open(project.path).cues  # the delete was redone too
    stack.undo()
    reopened = Project.open(project.path)
    assert reopened.cue(cue_id).prompt == "gravel steps"
    assert reopened.cue(cue_id).chosen_take_id == take.id
    assert reopened.takes[take.id].gain_db == -6.0


def test_delete_take_undo_restores_choice(make_project: MakeProject) -> None:
    project = make_project()
    stack = UndoStack(project)
    cue = _cue(project, 0, 25)
    take = project.add_take(Take(0, cue.id, "offline"))
    stack.push(choose_take(cue.id, take.id))
    stack.push(DeleteTake(take.id))
    assert project.cue(cue.id).chosen_take_id is None
    stack.undo()
    assert project.cue(cue.id).chosen_take_id == take.id


def test_newer_schema_is_a_clear_error_and_file_untouched(make_project: MakeProject) -> None:
    project = make_project()
    path = project.path
    project.close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(UserError, match="newer FoleyDesk"):
        Project.open(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "not a FoleyDesk project"), (b"hello, I am text", "not a FoleyDesk project")],
)
def test_non_projects_are_refused(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "x.foleydesk"
    path.write_bytes(content)
    with pytest.raises(UserError, match=says):
        Project.open(path)


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.foleydesk"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(UserError, match="not a FoleyDesk project"):
        Project.open(path)


def test_moved_project_relinks_its_source(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project()
    project.close()
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(tmp_path / "scene.mp4", moved / "scene.mp4")
    shutil.move(tmp_path / "scene.foleydesk", moved / "scene.foleydesk")
    reopened = Project.open(moved / "scene.foleydesk")
    assert reopened.source_path == (moved / "scene.mp4").resolve()


def test_missing_source_says_how_to_relink(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project()
    video = Path(project.source.path)
    hidden = tmp_path / "elsewhere.mp4"
    shutil.move(video, hidden)
    reopened = Project.open(project.path)
    assert reopened.source_path is None
    with pytest.raises(UserError, match="was not found"):
        reopened.require_source()
    other = tmp_path / "other.mp4"
    other.write_bytes(b"different")
    with pytest.raises(UserError, match="not the project's source"):
        reopened.relink(other)
    reopened.relink(hidden)
    assert Project.open(project.path).source_path == hidden.resolve()


def test_failed_edit_inside_transaction_rolls_back(make_project: MakeProject) -> None:
    project = make_project()
    cue = _cue(project, 0, 25, prompt="before")
    with pytest.raises(UserError), project.transaction():
        project.store.update(
            "cues",
            project.cue(cue.id).__class__(**{**project.cue(cue.id).__dict__, "prompt": "after"}),
        )
        project.update_cue(999, prompt="x")
    assert Project.open(project.path).cue(cue.id).prompt == "before"


def test_a_record_written_by_another_process_is_read_fresh(make_project: MakeProject) -> None:
    project = make_project()
    cue = _cue(project, 0, 25)
    job = project.add_job(Job(0, cue.id, "offline"))
    other = Project.open(project.path)  # stands for `foleydesk cancel` in another process
    other.update_job(job.id, state=JobState.CANCELLED)
    assert project.jobs[job.id].state is JobState.QUEUED  # the live model is not re-read...
    fresh = project.store.load_one("jobs", job.id)
    assert fresh is not None and fresh.state is JobState.CANCELLED  # ...the file is
    assert project.store.load_one("jobs", 999) is None


def test_failed_grouped_edit_rolls_back_memory_too(make_project: MakeProject) -> None:
    project = make_project()
    cue = _cue(project, 0, 25, prompt="before")
    seen: list[Change] = []
    project.changed.connect(seen.append)
    with pytest.raises(UserError), project.transaction():
        project.update_cue(cue.id, prompt="after")
        project.add_marker(Marker(0, 5, "gone"))
        project.update_cue(999, prompt="x")  # fails: the whole group is undone
    assert project.cue(cue.id).prompt == "before"
    assert project.markers == {}
    # a later edit must not write the rolled-back prompt to the file
    project.update_cue(cue.id, label="door")
    again = Project.open(project.path)
    assert (again.cue(cue.id).prompt, again.cue(cue.id).label) == ("before", "door")
    assert again.markers == {}
    put_back = [(c.entity, c.action) for c in seen[2:4]]
    assert sorted(put_back) == sorted(
        [(Entity.CUE, Action.UPDATED), (Entity.MARKER, Action.REMOVED)]
    )


def test_a_field_added_to_the_model_reaches_an_old_file_with_its_default(tmp_path: Path) -> None:
    """add_missing_columns gives rows written before a field existed the field's default."""
    from foleydesk.core.model import Lane
    from foleydesk.core.store import add_missing_columns

    path = tmp_path / "old.foleydesk"
    store = ProjectStore.create(path)
    store.insert("lanes", Lane(id=0, kind=LaneKind.FOLEY, name="Old lane", position=0))
    store.close()
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE lanes DROP COLUMN gain_db")
    db.execute("ALTER TABLE lanes DROP COLUMN solo")
    add_missing_columns(db)
    add_missing_columns(db)  # idempotent
    db.commit()
    db.close()
    reopened = ProjectStore.open(path)
    (lane,) = reopened.load_all("lanes")
    reopened.close()
    assert lane.name == "Old lane"
    assert lane.gain_db == 0.0 and lane.solo is False
