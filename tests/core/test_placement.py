"""Where a take sounds: anchored to the picture it was made for, trimmed like an NLE clip, moved
with its cue (and flagged), gain and fades on top; the schema step anchors old takes."""

from __future__ import annotations

import sqlite3
from fractions import Fraction

from foleydesk.core.commands import UndoStack, move_cue, trim_cue
from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.core.placement import file_time, heard_at, not_generated, place_take
from foleydesk.core.project import Project
from foleydesk.core.store import SCHEMA_VERSION
from tests.core.conftest import MakeProject

RATE = Fraction(25)
SPF = 1920  # samples per frame at 25 fps


def _cue_with_take(project: Project, in_frame: int = 50, out_frame: int = 100) -> tuple[Cue, Take]:
    lane = project.sorted_lanes()[0]
    cue = project.add_cue(Cue(0, lane.id, in_frame, out_frame, prompt="steps"))
    take = project.add_take(Take(0, cue.id, "offline", status=TakeStatus.READY, file="t.wav"))
    project.update_cue(cue.id, chosen_take_id=take.id)
    return project.cue(cue.id), project.takes[take.id]


def test_a_new_take_is_anchored_to_its_cue_range(make_project: MakeProject) -> None:
    project = make_project()
    _, take = _cue_with_take(project)
    assert (take.anchor_in_frame, take.anchor_out_frame, take.moved_frames) == (50, 100, 0)


def test_trimming_reveals_and_hides_without_sliding(make_project: MakeProject) -> None:
    project = make_project()
    cue, take = _cue_with_take(project)
    stack = UndoStack(project)
    stack.push(trim_cue(cue.id, in_frame=40, out_frame=92))
    cue, take = project.cue(cue.id), project.takes[take.id]
    assert (take.anchor_in_frame, take.moved_frames) == (50, 0)  # the take did not move
    placement = place_take(cue, take, file_time(RATE))
    assert placement.start == 50 * SPF  # take sample 0 still at frame 50
    assert placement.heard == (50 * SPF, 92 * SPF)  # nothing before 50, hidden after 92
    assert placement.take_sample_at(45 * SPF) is None  # the grown part is silent
    assert placement.take_sample_at(60 * SPF) == 10 * SPF
    assert not_generated(cue, take) == [(40, 50)]
    stack.undo()
    assert project.cue(cue.id).in_frame == 50 and not_generated(project.cue(cue.id), take) == []
    # Both edges by the same amount is a move, not a trim (as `cue set --in --out` says).
    stack.push(trim_cue(cue.id, in_frame=40, out_frame=90))
    assert project.takes[take.id].moved_frames == -10


def test_moving_a_cue_moves_its_takes_and_marks_them_until_moved_back(
    make_project: MakeProject,
) -> None:
    project = make_project()
    cue, take = _cue_with_take(project)
    stack = UndoStack(project)
    stack.push(move_cue(project, cue.id, 20))
    moved = project.takes[take.id]
    assert (moved.anchor_in_frame, moved.anchor_out_frame, moved.moved_frames) == (70, 120, 20)
    assert place_take(project.cue(cue.id), moved, file_time(RATE)).start == 70 * SPF
    assert not_generated(project.cue(cue.id), moved) == []
    stack.push(move_cue(project, cue.id, -20))  # moved back by hand: on its picture again
    assert project.takes[take.id].moved_frames == 0
    stack.undo()
    stack.undo()  # undo of the first move puts the take back as it was
    back = project.takes[take.id]
    assert (back.anchor_in_frame, back.moved_frames) == (50, 0)
    reopened = Project.open(project.path)
    assert reopened.takes[take.id].anchor_in_frame == 50
    reopened.close()


def test_gain_nudge_and_fades_on_top(make_project: MakeProject) -> None:
    project = make_project()
    cue, take = _cue_with_take(project)
    take = project.update_take(
        take.id, gain_db=-6.0, offset_samples=480, fade_in_samples=1000, fade_out_samples=2000
    )
    placement = place_take(cue, take, file_time(RATE))
    assert placement.start == 50 * SPF + 480
    lo, hi = placement.heard
    assert (lo, hi) == (50 * SPF + 480, 100 * SPF)  # the nudge does not cross the cue's out
    assert placement.gain_at(lo) == placement.gain * 0.5 / 1000
    assert abs(placement.gain - 10 ** (-6 / 20)) < 1e-9
    assert placement.gain_at(lo + 5000) == placement.gain
    assert placement.gain_at(hi - 1) == placement.gain * 0.5 / 2000
    heard = heard_at([cue], {take.id: take}, RATE, Fraction(60, 25))
    assert [(h.take.id, h.take_sample) for h in heard] == [(take.id, 10 * SPF - 480)]
    assert heard_at([cue], {take.id: take}, RATE, Fraction(101, 25)) == []


def test_opening_an_old_project_anchors_takes_to_their_cues(make_project: MakeProject) -> None:
    project = make_project()
    _, take = _cue_with_take(project, 30, 80)
    path = project.path
    project.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE takes SET anchor_in_frame = -1, anchor_out_frame = -1")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    db.commit()
    db.close()
    with Project.open(path) as reopened:
        again = reopened.takes[take.id]
        assert (again.anchor_in_frame, again.anchor_out_frame) == (30, 80)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_splitting_a_cue_keeps_every_sample_where_it_sounded(make_project: MakeProject) -> None:
    """The razor: each half hears what the whole cue heard (today the right half had no take,
    so the second half of the sound vanished); fades stay at the outer ends; one undo joins."""
    from foleydesk.core.commands import SplitCue

    project = make_project()
    cue, take = _cue_with_take(project)
    project.update_take(take.id, fade_in_samples=SPF, fade_out_samples=2 * SPF, gain_db=-3.0)
    cue, take = project.cue(cue.id), project.takes[take.id]
    grid = file_time(RATE)
    whole = place_take(cue, take, grid)
    before = [(whole.take_sample_at(g), whole.gain_at(g)) for g in range(50 * SPF, 100 * SPF, 97)]
    stack = UndoStack(project)
    stack.push(SplitCue(cue.id, 70))
    left = project.cue(cue.id)
    (right,) = [c for c in project.cues.values() if c.id != cue.id]
    assert (left.in_frame, left.out_frame, right.in_frame, right.out_frame) == (50, 70, 70, 100)
    copy = project.chosen_take(right)
    assert copy is not None and copy.id != take.id
    assert (copy.file, copy.anchor_in_frame, copy.anchor_out_frame) == (take.file, 50, 100)
    halves = [
        place_take(left, project.takes[take.id], grid),
        place_take(right, copy, grid),
    ]

    def heard(g: int) -> tuple[int | None, float]:
        part = halves[0] if g < 70 * SPF else halves[1]
        return part.take_sample_at(g), part.gain_at(g)

    assert [heard(g) for g in range(50 * SPF, 100 * SPF, 97)] == before
    stack.undo()
    assert len(project.cues) == 1 and project.cue(cue.id).out_frame == 100
    assert project.takes_for(cue.id) == [project.takes[take.id]]
    assert project.takes[take.id].fade_out_samples == 2 * SPF
    stack.redo()
    (again,) = [c for c in project.cues.values() if c.id != cue.id]
    assert project.chosen_take(again) is not None
    assert project.takes[take.id].fade_out_samples == 0
