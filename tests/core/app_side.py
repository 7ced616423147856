"""The app's side of a two-process test, without a window: a project held open in this process
and edited through the same commands the UI pushes. Driven line by line on stdin; each reply
is one line on stdout, written only after the edit has committed.

  open VIDEO          open_or_create in a worker thread, as File > Open does -> "ok PATH"
  open-project PATH   Project.open -> "ok PATH"
  add IN OUT LABEL    AddCue -> "ok ID"
  set ID FIELD VALUE  EditCue (label/prompt: text; in_frame/out_frame: int) -> "ok"
  sniff               what Qt's file dialog does to the folder it shows: open, read and close
                      every file in it (the project, its -wal and -shm) -> "ok"
  sync                follow other processes' writes -> "ok N" (records that changed)
  cues                -> "ok ID:LABEL ..." (the live project's cues)
  wal                 -> "ok deleted" if our descriptors point at an unlinked -wal, else "ok kept"
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from foleydesk.core.commands import AddCue, EditCue, UndoStack
from foleydesk.core.model import Cue, CueKind
from foleydesk.core.project import Project
from foleydesk.core.sync import sync_now
from foleydesk.errors import UserError


def _sniff(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_file():
            with open(entry, "rb") as fh:  # closing it is what drops POSIX locks
                fh.read(512)


def _wal_deleted() -> bool:
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith("-wal (deleted)"):
            return True
    return False


def main() -> None:
    from foleydesk.ui.opening import open_or_create  # Qt-free: the app's opening path

    project: Project | None = None
    stack: UndoStack | None = None
    print("ready", flush=True)
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        try:
            if word == "open":
                with ThreadPoolExecutor(1) as pool:  # the app opens in a worker thread
                    project = pool.submit(open_or_create, Path(rest), 2).result()
                stack = UndoStack(project)
                print(f"ok {project.path}", flush=True)
            elif word == "open-project":
                project = Project.open(Path(rest))
                stack = UndoStack(project)
                print(f"ok {project.path}", flush=True)
            elif word == "add":
                assert project is not None and stack is not None
                in_f, out_f, label = rest.split(" ", 2)
                lane = project.default_lane(CueKind.FOLEY)
                command = stack.push(AddCue(Cue(0, lane.id, int(in_f), int(out_f), label=label)))
                assert isinstance(command, AddCue) and command.created is not None
                print(f"ok {command.created.id}", flush=True)
            elif word == "set":
                assert project is not None and stack is not None
                cue_id, name, value = rest.split(" ", 2)
                typed: object = int(value) if name.endswith("_frame") else value
                stack.push(EditCue(int(cue_id), {name: typed}))
                print("ok", flush=True)
            elif word == "sniff":
                assert project is not None
                _sniff(project.path.parent)
                print("ok", flush=True)
            elif word == "sync":
                assert project is not None
                print(f"ok {len(sync_now(project))}", flush=True)
            elif word == "cues":
                assert project is not None
                cues = " ".join(f"{c.id}:{c.label}" for c in project.sorted_cues())
                print(f"ok {cues}", flush=True)
            elif word == "wal":
                print("ok deleted" if _wal_deleted() else "ok kept", flush=True)
            else:
                print(f"error unknown command {word}", flush=True)
        except UserError as exc:
            print(f"error {exc.message}", flush=True)
    if project is not None:  # stdin closed: quit as the app does, closing the project
        project.close()


if __name__ == "__main__":
    main()
