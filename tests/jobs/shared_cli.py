"""The terminal's side of the two-writer reliability test: `foleydesk` commands (cue add / set /
rm, generate --wait on the offline provider) one after another through the command line's own
main() in this process (what `python -m foleydesk ...` runs, without paying an interpreter start
per command), journalled like the app side (intent before the command, commit after it
returned 0). Each command opens and closes the project as a separate invocation would.

    python -m tests.jobs.shared_cli PROJECT JOURNAL SEED
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from foleydesk.cli import main as cli_main
from foleydesk.core.project import Project
from tests.jobs.shared_app import Journal


@dataclass
class Done:
    returncode: int
    stdout: str


def foleydesk(*args: str) -> Done:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(list(args))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return Done(code, out.getvalue())


def main(path: Path, journal_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    who = f"cli{seed}"
    journal = Journal(open(journal_path, "a", encoding="utf-8"), who)  # noqa: SIM115
    n = 0
    while True:
        n += 1
        with Project.open(path) as project:
            ids = sorted(project.cues)
        roll = rng.random()
        value = f"{who}-{n}"
        if roll < 0.25 or len(ids) < 3:
            frame = rng.randrange(0, 40)
            done = foleydesk(
                "cue", "add", str(path), "--in", f"{frame}f", "--out", f"{frame + 8}f",
                "--label", value, "--prompt", value,
            )  # fmt: skip
            if done.returncode == 0:
                journal.write("add", int(done.stdout.strip()), "label", value)
        elif roll < 0.7:
            cue_id = rng.choice(ids)
            field = rng.choice(("label", "prompt"))
            journal.write("intent", cue_id, field, value)
            done = foleydesk("cue", "set", str(path), str(cue_id), f"--{field}", value)
            if done.returncode == 0:
                journal.write("commit", cue_id, field, value)
        elif roll < 0.8 and len(ids) > 3:
            cue_id = rng.choice(ids[:-1])  # never the newest: ids are never reused
            journal.write("rm-intent", cue_id)
            if foleydesk("cue", "rm", str(path), str(cue_id)).returncode == 0:
                journal.write("rm", cue_id)
        else:
            cue_id = rng.choice(ids)
            journal.write("gen-intent", cue_id)
            done = foleydesk(
                "generate", str(path), "--cue", str(cue_id), "--provider", "offline", "--wait"
            )
            journal.write("gen" if done.returncode == 0 else "gen-failed", cue_id)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
