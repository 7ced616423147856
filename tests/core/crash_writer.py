"""A writer process for the crash test: edits a project forever, reporting each committed edit."""

from __future__ import annotations

import sys
from pathlib import Path

from foleydesk.core.model import Cue, CueKind
from foleydesk.core.project import Project


def main(path: str) -> None:
    project = Project.open(Path(path))
    lane = project.default_lane(CueKind.FOLEY)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        start = n % 200
        with project.transaction():  # a two-step edit must land whole or not at all
            cue = project.add_cue(Cue(0, lane.id, start, start + 10, prompt=f"p{n}"))
            project.update_cue(cue.id, label=f"l{n}")
        print(f"{cue.id} p{n} l{n}", flush=True)
        if len(project.cues) > 150:  # keep the file small: retire the oldest cue
            oldest = min(project.cues)
            print(f"{oldest} removing", flush=True)  # said first: a kill may land in between
            project.remove_cue(oldest)
        if n % 3 == 0:
            project.update_cue(cue.id, prompt=f"q{n}")
            print(f"{cue.id} q{n} l{n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
