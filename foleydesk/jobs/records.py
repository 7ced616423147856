"""Job and take records written by one background thread, so a commit never stalls the loop.

The project file commits with fsync; while 50 MB downloads are being flushed to disk one fsync
can take 100 ms, longer than the app may freeze. The live project (memory and `changed`) is
updated on the loop thread at once; the same record is then written, in order, by a single
writer thread. Callers that must not go on before the record is on disk (the task id!) await it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from foleydesk.core.events import Action, Change, Entity
from foleydesk.core.model import Job, Take
from foleydesk.core.project import Project


class RecordWriter:
    """Applies job changes to the live project now and to the file in order, off the loop."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="foleydesk-records")
        self._count_lock = threading.Lock()

    def update(self, job_id: int, **changes: Any) -> tuple[Job, Future[Any]]:
        """The changed job (live at once) and the future of its write."""
        changes.setdefault("updated_at", time.time())
        job = dataclasses.replace(self.project.job(job_id), **changes)
        self.project.jobs[job_id] = job
        self.project.changed.emit(Change(Entity.JOB, job_id, Action.UPDATED))
        # Only the fields changed here: a cancel written by another process stays a cancel.
        return job, self._submit(self.project.store.update, "jobs", job, tuple(changes))

    def _submit(self, fn: Any, *args: Any) -> Future[Any]:
        """Queue a write; the project counts it so a reload from the file waits for it."""
        project = self.project
        with self._count_lock:
            project.pending_writes += 1
        project.local_edits += 1
        future = self._pool.submit(fn, *args)

        def done(_f: Future[Any]) -> None:
            with self._count_lock:
                project.pending_writes -= 1

        future.add_done_callback(done)
        return future

    async def add_take(
        self, take: Take, job_id: int, choose: bool = False, **job_changes: Any
    ) -> Take:
        """Insert the take and point the job at it in one transaction on the writer thread,
        then show both in the live project. A cue with no chosen take gets this one (`choose`:
        whatever it had), unless the take is flagged silent, clipped or short."""
        store = self.project.store
        job_changes.setdefault("updated_at", time.time())
        job = dataclasses.replace(self.project.job(job_id), **job_changes)

        def write() -> tuple[int, Job]:
            with store.transaction():
                take_id = store.insert("takes", take)
                done = dataclasses.replace(job, take_id=take_id)
                store.update("jobs", done, (*job_changes, "take_id"))
            return take_id, done

        take_id, done = await asyncio.wrap_future(self._submit(write))
        added = dataclasses.replace(take, id=take_id)
        seen = take_id in self.project.takes  # a reload from the file may have brought it
        self.project.takes[take_id] = added
        self.project.changed.emit(
            Change(Entity.TAKE, take_id, Action.UPDATED if seen else Action.ADDED)
        )
        self.project.jobs[job_id] = done
        self.project.changed.emit(Change(Entity.JOB, job_id, Action.UPDATED))
        cue = self.project.cues.get(take.cue_id)
        if cue is not None and (choose or cue.chosen_take_id is None) and not take.problems:
            self.project.cues[cue.id] = dataclasses.replace(cue, chosen_take_id=take_id)
            self.project.changed.emit(Change(Entity.CUE, cue.id, Action.UPDATED))
            self._submit(self._write_chosen_take, cue.id)
        return added

    def _write_chosen_take(self, cue_id: int) -> None:
        """Write the cue's chosen take as the live project has it *now* (the user may have
        chosen another meanwhile); only that field, so no other edit is written over."""
        cue = self.project.cues.get(cue_id)
        if cue is not None:
            self.project.store.update("cues", cue, ("chosen_take_id",))

    async def flush(self) -> None:
        """Wait until every queued write is on disk (the one writer runs them in order)."""
        await asyncio.wrap_future(self._pool.submit(lambda: None))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
