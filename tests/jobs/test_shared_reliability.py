"""Two processes edit one project for a minute and are SIGKILLed at random moments, 20 rounds:
the app side (tests/jobs/shared_app.py, the UI's commands and a job engine) and a terminal
(tests/jobs/shared_cli.py: the command line's main() running cue add/set/rm and generate --wait
on the offline host, each command opening and closing the project as an invocation does).

Afterwards the project opens, integrity_check is ok, every edit either side reported committed
is there or was superseded by a later edit of the same field, no cue reported removed is back,
no job made two takes, every take's file exists and every take file of a live cue is a take.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from tests.fakes.harness import make_project

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 60.0
ROUNDS = 20


@dataclass
class Edit:
    who: str
    cue_id: int
    field: str
    value: Any
    begun: float  # the real commit happened after this...
    committed: float | None  # ...and before this (None: not reported, maybe never)


def start(module: str, path: Path, journal: Path, seed: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", module, str(path), str(journal), str(seed)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: the kill takes a running `foleydesk` with it
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def read_journal(journal: Path) -> tuple[list[Edit], set[int], Counter[str]]:
    edits: list[Edit] = []
    open_intents: dict[tuple[str, int, str], Edit] = {}
    removed: set[int] = set()
    counts: Counter[str] = Counter()
    for line in journal.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 5)
        if len(parts) < 6 or not parts[5]:
            continue  # a line cut by the kill reports nothing
        kind, stamp, who, cue, field, raw = parts
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        at, cue_id = float(stamp), int(cue)
        counts[f"{who[:3]} {kind}"] += 1
        if kind == "add":  # created with label and prompt; nothing of this cue came before
            for name in ("label", "prompt"):
                edits.append(Edit(who, cue_id, name, value, 0.0, at))
        elif kind == "intent":
            edit = Edit(who, cue_id, field, value, at, None)
            edits.append(edit)
            open_intents[(who, cue_id, field)] = edit
        elif kind == "commit":
            edit = open_intents.pop((who, cue_id, field))
            assert edit.value == value
            edit.committed = at
        elif kind == "rm":
            removed.add(cue_id)
    return edits, removed, counts


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_the_app_and_a_terminal_editing_one_project_lose_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path, frames=60)
    path = project.path
    project.close()
    journal = tmp_path / "journal.txt"
    rng = random.Random(12)
    app = start("tests.jobs.shared_app", path, journal, 1)
    cli = start("tests.jobs.shared_cli", path, journal, 2)
    began = time.monotonic()
    for round_ in range(ROUNDS):
        time.sleep(rng.uniform(0.5, 2 * SECONDS / ROUNDS - 0.5))
        victims = rng.choice(([app], [app], [cli], [app, cli]))
        for proc in victims:
            kill(proc)
        if app in victims:
            app = start("tests.jobs.shared_app", path, journal, 10 + round_)
        if cli in victims:
            cli = start("tests.jobs.shared_cli", path, journal, 100 + round_)
    kill(app)
    kill(cli)
    elapsed = time.monotonic() - began

    # What a user would do next: let the leftover jobs finish.
    settle = subprocess.run(
        [sys.executable, "-m", "foleydesk", "resume", str(path), "--wait"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert settle.returncode == 0, settle.stderr

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    edits, removed, counts = read_journal(journal)
    with Project.open(path) as final:
        for cue_id in removed:
            assert cue_id not in final.cues, f"cue {cue_id} was reported removed but is back"
        by_field: dict[tuple[int, str], list[Edit]] = defaultdict(list)
        for edit in edits:
            by_field[(edit.cue_id, edit.field)].append(edit)
        checked = 0
        for (cue_id, field), history in by_field.items():
            if cue_id not in final.cues:
                continue  # removed (by a reported or an unreported rm)
            reported = [e for e in history if e.committed is not None]
            if not reported:
                continue
            # The last real commit came after every reported edit began; an edit that may be
            # it ended (or was never seen to end) after that point.
            floor = max(e.begun for e in reported)
            candidates = {e.value for e in history if e.committed is None or e.committed >= floor}
            value = getattr(final.cue(cue_id), field)
            assert value in candidates, (
                f"cue {cue_id} {field} is {value!r}: a reported edit was lost "
                f"(the last ones were {[e.value for e in reported[-3:]]})"
            )
            checked += 1

        takes_per_job = Counter(t.job_id for t in final.takes.values() if t.job_id)
        assert all(n == 1 for n in takes_per_job.values()), f"a job ran twice: {takes_per_job}"
        for job in final.jobs.values():
            if job.state is JobState.DONE and job.cue_id in final.cues:
                assert takes_per_job[job.id] == 1, f"job {job.id} is done but has no take"
        for take in final.takes.values():
            assert final.take_path(take).is_file(), f"take {take.id}'s file is missing"
        referenced = {final.take_path(t).name for t in final.takes.values()}
        for wav in final.takes_dir.glob("*.wav"):
            cue_id = int(wav.name.split("-", 1)[0].removeprefix("cue"))
            if cue_id in final.cues:  # files of removed cues stay on purpose (undo)
                assert wav.name in referenced, f"{wav.name} is an orphan"
        jobs_done = sum(1 for j in final.jobs.values() if j.state is JobState.DONE)
        summary = {
            "seconds": round(elapsed, 1),
            "rounds": ROUNDS,
            "fields checked": checked,
            "cues now": len(final.cues),
            "jobs": len(final.jobs),
            "jobs done": jobs_done,
            "takes": len(final.takes),
            **dict(sorted(counts.items())),
        }
    print("shared-project reliability:", json.dumps(summary))
    assert counts["app commit"] > 20 and counts["cli commit"] > 3, "the writers never got going"
    assert jobs_done >= 1, "no generate finished: the job side was not exercised"
