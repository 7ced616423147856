"""The real window and a real terminal process on one project (issue 12): the window shows what
the terminal writes within a second, says when it is not alone, refuses an undo the terminal
made stale, and its own File > Open dialog can no longer cost it its WAL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from foleydesk import loopguard
from foleydesk.core.commands import AddCue, EditCue
from foleydesk.core.model import Cue
from foleydesk.core.project import Project
from tests.ui.conftest import Runner

ROOT = Path(__file__).resolve().parents[2]


def terminal(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "foleydesk", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def open_with_a_cue(window: Any, run: Runner, video: Path) -> tuple[Project, int]:
    assert run(window.open_async(video))
    session = window.session
    lane = session.project.sorted_lanes()[0]
    command = session.push(AddCue(Cue(0, lane.id, 0, 10, label="door")))
    session.select_cue(command.created.id)
    return session.project, command.created.id


def test_a_cue_added_in_a_terminal_shows_within_a_second(
    window: Any, run: Runner, qtbot: Any, fresh_video: Path
) -> None:
    project, first = open_with_a_cue(window, run, fresh_video)
    terminal("cue", "add", str(project.path), "--in", "20f", "--out", "30f", "--label", "knock")
    landed = time.monotonic()
    qtbot.waitUntil(lambda: window.cue_table.model().rowCount() == 2, timeout=1000)
    assert time.monotonic() - landed < 1.0
    knock = next(c for c in project.cues.values() if c.label == "knock")
    assert knock.in_frame == 20 and knock.out_frame == 30
    assert window.session.selected_cue_id == first, "the user's selection was kept"
    labels = {window.cue_table.model().index(r, 0).data() for r in range(2)}
    assert labels == {"door", "knock"}

    terminal("cue", "rm", str(project.path), str(knock.id))
    qtbot.waitUntil(lambda: window.cue_table.model().rowCount() == 1, timeout=1000)


def test_an_undo_the_terminal_made_stale_says_so_and_changes_nothing(
    window: Any, run: Runner, qtbot: Any, fresh_video: Path
) -> None:
    project, cue_id = open_with_a_cue(window, run, fresh_video)
    window.session.push(EditCue(cue_id, {"label": "front door"}))
    terminal("cue", "set", str(project.path), str(cue_id), "--label", "back door")
    qtbot.waitUntil(lambda: project.cue(cue_id).label == "back door", timeout=1000)
    window.undo()
    assert project.cue(cue_id).label == "back door"
    assert "changed by another FoleyDesk process" in window.banner.label.text()
    with loopguard.allowed(), Project.open(project.path) as reopened:  # the test reads the file
        assert reopened.cue(cue_id).label == "back door"
    window.undo()  # removing the cue would throw the terminal's label away too: refused
    assert project.cue(cue_id).label == "back door"
    assert not window.session.undo_stack.canUndo()


def test_the_status_bar_says_when_another_process_has_the_project_open(
    window: Any, run: Runner, qtbot: Any, fresh_video: Path
) -> None:
    project, _ = open_with_a_cue(window, run, fresh_video)
    assert window.others_status.isHidden()
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.core.app_side"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        holder.stdin.write(f"open-project {project.path}\n")
        holder.stdin.flush()
        assert holder.stdout.readline().startswith("ok")
        qtbot.waitUntil(lambda: not window.others_status.isHidden(), timeout=3000)
        assert window.others_status.text() == "also open in another process"
        holder.stdin.close()
        holder.wait(timeout=30)
        qtbot.waitUntil(window.others_status.isHidden, timeout=3000)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    wal = project.path.with_name(project.path.name + "-wal")
    assert wal.exists(), "the other process removed the WAL while the window had it open"


def test_the_open_dialog_reading_the_folder_costs_the_window_nothing(
    window: Any, run: Runner, qtbot: Any, fresh_video: Path
) -> None:
    project, cue_id = open_with_a_cue(window, run, fresh_video)
    window.choose_file()
    dialog = window.findChild(QFileDialog)
    dialog.setDirectory(str(project.path.parent))  # it lists (and sniffs) the project's files
    qtbot.wait(1500)  # its file-info thread reads each file's head for the Type column
    dialog.reject()
    terminal("cue", "list", str(project.path))
    wal = project.path.with_name(project.path.name + "-wal")
    assert wal.exists(), "the terminal deleted the WAL the window writes to"
    window.session.push(EditCue(cue_id, {"label": "door slam"}))
    assert "door slam" in terminal("cue", "list", str(project.path)).stdout


def test_typing_a_prompt_survives_a_terminal_edit_of_the_same_cue(
    window: Any, run: Runner, qtbot: Any, fresh_video: Path
) -> None:
    from PySide6.QtTest import QTest

    project, cue_id = open_with_a_cue(window, run, fresh_video)
    prompt = window.inspector.prompt_edit
    prompt.setFocus()
    qtbot.waitUntil(prompt.hasFocus, timeout=2000)
    QTest.keyClicks(prompt, "gravel steps")
    terminal("cue", "set", str(project.path), str(cue_id), "--label", "walk")
    qtbot.waitUntil(lambda: window.inspector.label_edit.text() == "walk", timeout=1000)
    assert prompt.toPlainText() == "gravel steps", "the terminal's edit wiped what was typed"
    window.timeline.setFocus()  # leaving the field commits it
    qtbot.waitUntil(lambda: project.cue(cue_id).prompt == "gravel steps", timeout=2000)
    with loopguard.allowed(), Project.open(project.path) as reopened:  # the test reads the file
        cue = reopened.cue(cue_id)
        assert (cue.label, cue.prompt) == ("walk", "gravel steps")


def test_takes_and_jobs_from_a_terminal_generate_show_in_the_panels(
    window: Any, run: Runner, qtbot: Any, fresh_video: Path
) -> None:
    project, cue_id = open_with_a_cue(window, run, fresh_video)
    terminal("cue", "set", str(project.path), str(cue_id), "--prompt", "door slam")
    terminal("generate", str(project.path), "--cue", str(cue_id), "--provider", "offline", "--wait")
    qtbot.waitUntil(lambda: window.jobs_panel.table.rowCount() == 1, timeout=1000)
    qtbot.waitUntil(lambda: window.takes_panel.table.rowCount() == 1, timeout=1000)
    (job,) = project.jobs.values()
    assert job.state.value == "done" and job.take_id in project.takes
