"""The app's side of the two-writer reliability test: random cue edits through the commands the
UI pushes (add, label/prompt edits, delete, undo), following the other process's writes as the
window does, and taking over jobs a killed terminal left behind. Every edit is journalled as an
intent before and a commit after it returned (a line is written only after the commit).

    python -m tests.jobs.shared_app PROJECT JOURNAL SEED
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from foleydesk.core.commands import AddCue, DeleteCue, EditCue, UndoStack
from foleydesk.core.model import Cue, CueKind
from foleydesk.core.project import Project
from foleydesk.core.sync import sync_now
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine
from foleydesk.providers.http import make_client
from tests.fakes.harness import fast_settings


class Journal:
    def __init__(self, out: TextIO, who: str) -> None:
        self.out = out
        self.who = who

    def write(self, kind: str, cue_id: int, field: str = "-", value: Any = None) -> None:
        line = f"{kind} {time.time():.6f} {self.who} {cue_id} {field} {json.dumps(value)}\n"
        self.out.write(line)
        self.out.flush()


async def main(path: Path, journal_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    project = await asyncio.to_thread(Project.open, path)  # as the app opens it: off the loop
    stack = UndoStack(project)
    who = f"app{seed}"
    journal = Journal(open(journal_path, "a", encoding="utf-8"), who)  # noqa: SIM115
    n = 0
    last_adopt = 0.0
    async with make_client(trust_env=False) as client:
        engine = JobEngine(project, client, fast_settings())
        while True:
            n += 1
            sync_now(project)
            ids = sorted(project.cues)
            roll = rng.random()
            try:
                if roll < 0.25 or len(ids) < 3:
                    frame = rng.randrange(0, 40)
                    lane = project.default_lane(CueKind.FOLEY)
                    value = f"{who}-{n}"
                    cue = Cue(0, lane.id, frame, frame + 8, label=value, prompt=value)
                    command = stack.push(AddCue(cue))
                    assert isinstance(command, AddCue) and command.created is not None
                    journal.write("add", command.created.id, "label", value)
                elif roll < 0.75:
                    cue_id = rng.choice(ids)
                    field = rng.choice(("label", "prompt"))
                    value = f"{who}-{n}"
                    journal.write("intent", cue_id, field, value)
                    stack.push(EditCue(cue_id, {field: value}))
                    journal.write("commit", cue_id, field, value)
                elif roll < 0.85 and len(ids) > 3:
                    cue_id = rng.choice(ids[:-1])  # never the newest: ids are never reused
                    journal.write("rm-intent", cue_id)
                    stack.push(DeleteCue(cue_id))
                    journal.write("rm", cue_id)
                elif stack.can_undo() and isinstance(stack._done[-1], EditCue):
                    edit = stack._done[-1]
                    assert isinstance(edit, EditCue)
                    for field, value in edit.before.items():
                        journal.write("intent", edit.cue_id, field, value)
                    stack.undo()
                    for field, value in edit.before.items():
                        journal.write("commit", edit.cue_id, field, value)
            except UserError:
                pass  # removed or changed by the other process: refused, nothing written
            if time.monotonic() - last_adopt > 2.0:  # jobs a killed terminal left behind
                await engine.resume(wait=True)
                last_adopt = time.monotonic()
            await asyncio.sleep(rng.uniform(0.02, 0.12))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
