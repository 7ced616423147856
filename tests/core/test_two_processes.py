"""The app and the command line on one project at once: nothing lost, each sees the other.

Issue 12's sequence, in two real processes: the app side (tests/core/app_side.py) makes a
project from a video as File > Open does and adds two cues; Qt's file dialog, still showing the
folder, opens and closes the new files (which drops every POSIX lock the process holds on them);
`foleydesk cue list` then ran in a terminal and, being "the last connection", deleted the WAL the
app was still writing to. A later rename in the app never reached the file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from foleydesk.core.commands import EditCue, UndoStack
from foleydesk.core.project import Project
from foleydesk.core.sync import sync_now
from foleydesk.errors import UserError
from tests.fakes.clips import make_clip

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc to see the app side's descriptors"
)


class AppSide:
    """A child process holding a project open, driven one command per line."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.core.app_side"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.ask_raw() == "ready"

    def ask_raw(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.ask_raw()
        assert answer.startswith("ok"), f"{line!r} -> {answer!r}"
        return answer[3:]

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def app_side() -> Iterator[AppSide]:
    side = AppSide()
    yield side
    if side.proc.poll() is None:
        side.kill()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foleydesk", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


def test_a_command_line_beside_the_app_never_deletes_the_apps_wal(
    tmp_path: Path, app_side: AppSide
) -> None:
    video = make_clip(tmp_path / "scene.mp4", frames=100)
    path = Path(app_side.ask(f"open {video}"))
    assert path == (tmp_path / "scene.foleydesk").resolve()
    first = int(app_side.ask("add 0 10 door"))
    app_side.ask("add 20 30 steps")
    app_side.ask("sniff")  # the file dialog still showing the folder reads the new files

    listed = cli("cue", "list", str(path))
    assert listed.returncode == 0, listed.stderr
    assert "door" in listed.stdout and "steps" in listed.stdout

    assert app_side.ask("wal") == "kept", "the CLI deleted the WAL the app was writing to"
    app_side.ask(f"set {first} label door slam")
    again = cli("cue", "list", str(path))
    assert "door slam" in again.stdout, "the app's rename never reached the file"

    app_side.kill()  # kill -9: only what is in the file survives
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Project.open(path) as reopened:
        assert reopened.cue(first).label == "door slam"


def test_the_last_one_to_close_checkpoints_and_removes_the_wal(
    tmp_path: Path, app_side: AppSide
) -> None:
    video = make_clip(tmp_path / "scene.mp4", frames=100)
    path = Path(app_side.ask(f"open {video}"))
    app_side.ask("add 0 10 door")
    wal = path.with_name(path.name + "-wal")
    assert cli("cue", "add", str(path), "--in", "20f", "--out", "30f").returncode == 0
    assert wal.exists(), "the command line closed last-one style while the app had it open"
    assert app_side.proc.stdin is not None
    app_side.proc.stdin.close()  # the app side quits cleanly: it is the last one
    app_side.proc.wait(timeout=30)
    assert not wal.exists()
    with Project.open(path) as reopened:
        assert len(reopened.cues) == 2


def test_each_process_sees_the_others_cues(tmp_path: Path, app_side: AppSide) -> None:
    video = make_clip(tmp_path / "scene.mp4", frames=100)
    path = Path(app_side.ask(f"open {video}"))
    app_side.ask("add 0 10 door")
    added = cli("cue", "add", str(path), "--in", "20f", "--out", "30f", "--label", "knock")
    assert added.returncode == 0, added.stderr
    assert app_side.ask("sync") != "0"
    assert "knock" in app_side.ask("cues")
    assert "door" in cli("cue", "list", str(path)).stdout


def test_conflicting_edits_of_one_cue_are_last_writer_wins_per_field(
    tmp_path: Path, app_side: AppSide
) -> None:
    video = make_clip(tmp_path / "scene.mp4", frames=100)
    path = Path(app_side.ask(f"open {video}"))
    cue_id = app_side.ask("add 0 10 door")
    # The terminal changes the prompt and the range; the app (which has not reloaded) renames.
    moved = cli("cue", "set", str(path), cue_id, "--prompt", "a heavy door", "--in", "2f")
    assert moved.returncode == 0, moved.stderr
    app_side.ask(f"set {cue_id} label front door")
    with Project.open(path) as project:
        cue = project.cue(int(cue_id))
        assert (cue.label, cue.prompt, cue.in_frame) == ("front door", "a heavy door", 2)
    assert f"{cue_id}:front door" in app_side.ask("cues")


def test_undo_of_an_edit_another_process_changed_says_so_and_does_nothing(
    tmp_path: Path, app_side: AppSide
) -> None:
    video = make_clip(tmp_path / "scene.mp4", frames=100)
    path = Path(app_side.ask(f"open {video}"))
    cue_id = int(app_side.ask("add 0 10 door"))
    with Project.open(path) as here:
        stack = UndoStack(here)
        stack.push(EditCue(cue_id, {"label": "mine"}))
        app_side.ask(f"set {cue_id} label theirs")
        with pytest.raises(UserError, match="changed by another FoleyDesk process"):
            stack.undo()
        assert here.cue(cue_id).label in ("mine", "theirs")
        sync_now(here)
        assert here.cue(cue_id).label == "theirs"
    with Project.open(path) as after:
        assert after.cue(cue_id).label == "theirs"
