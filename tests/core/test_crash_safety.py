"""A writer killed with SIGKILL at random moments never costs a committed edit or the file."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foleydesk.core.project import Project
from tests.core.conftest import MakeProject

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_50_times_loses_no_committed_edit(make_project: MakeProject) -> None:
    project = make_project()
    path = project.path
    project.close()
    rng = random.Random(1234)
    committed: dict[int, tuple[str, str]] = {}
    for _ in range(50):
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.core.crash_writer", str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        for line in writer.stdout.read().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == "removing":
                committed.pop(int(parts[0]), None)
            elif len(parts) == 3:  # a line cut by the kill is not a report of a commit
                committed[int(parts[0])] = (parts[1], parts[2])

        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        reopened = Project.open(path)
        for cue_id, (prompt, label) in committed.items():
            cue = reopened.cues.get(cue_id)
            assert cue is not None, f"committed cue {cue_id} was lost"
            assert cue.label.startswith("l"), "half of a two-step edit landed"
            # The prompt is the last reported one or a later one the kill hid from us.
            assert int(cue.prompt[1:]) >= int(prompt[1:])
            assert cue.label == label
        reopened.close()
    assert len(committed) > 100, "the writer never got going: the test proved nothing"
