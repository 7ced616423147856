"""Which process runs which job: one lease row per job in the project file.

The app and any `foleydesk generate` / `resume` in a terminal may have the same project open.
A job's engine work (submit, poll, download) must happen in one process only, or a task is
polled and downloaded twice, or worse submitted twice. Before touching a job an engine takes its
lease (one IMMEDIATE transaction: take it if free, ours, or its holder is dead) and beats a
heartbeat while it holds it. A holder is dead when its process is gone (same machine) or its
heartbeat is older than LEASE_SECONDS (a frozen or remote holder); then anyone may take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from dataclasses import dataclass

from foleydesk.core.events import Action, Change, Entity
from foleydesk.core.model import Job
from foleydesk.core.project import Project
from foleydesk.core.store import ProjectStore

LEASE_SECONDS = 20.0
HEARTBEAT_SECONDS = 3.0


@dataclass(frozen=True)
class Holder:
    holder: str
    pid: int
    host: str
    heartbeat: float

    def alive(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        if now - self.heartbeat > LEASE_SECONDS:
            return False
        if self.host != socket.gethostname():
            return True
        return _pid_alive(self.pid)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return False
    return True


class JobLeases:
    """This process's leases on one project's jobs."""

    def __init__(self, store: ProjectStore) -> None:
        self.store = store
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.holder = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.held: set[int] = set()
        self._beating: asyncio.Task[None] | None = None

    def holder_of(self, job_id: int) -> Holder | None:
        rows = self.store.execute(
            "SELECT holder, pid, host, heartbeat FROM leases WHERE job_id = ?", (job_id,)
        )
        if not rows:
            return None
        row = rows[0]
        return Holder(row["holder"], int(row["pid"]), row["host"], float(row["heartbeat"]))

    def held_elsewhere(self, job_id: int) -> Holder | None:
        """The live holder of a job in another process, or None (free, ours, or its holder died)."""
        holder = self.holder_of(job_id)
        if holder is None or holder.holder == self.holder or not holder.alive():
            return None
        return holder

    def take(self, job_id: int) -> bool:
        """Take the job's lease unless another live process holds it (joins a transaction)."""
        with self.store.transaction():
            if self.held_elsewhere(job_id) is not None:
                self.held.discard(job_id)
                return False
            self.store.execute(
                "INSERT OR REPLACE INTO leases (job_id, holder, pid, host, heartbeat) "
                "VALUES (?, ?, ?, ?, ?)",
                (job_id, self.holder, self.pid, self.host, time.time()),
            )
        self.held.add(job_id)
        return True

    def release(self, job_id: int) -> None:
        if job_id not in self.held:
            return
        self.held.discard(job_id)
        with self.store.transaction():
            self.store.execute(
                "DELETE FROM leases WHERE job_id = ? AND holder = ?", (job_id, self.holder)
            )

    def release_all(self) -> None:
        self.held.clear()
        with self.store.transaction():
            self.store.execute("DELETE FROM leases WHERE holder = ?", (self.holder,))

    def beat(self) -> None:
        """Refresh the heartbeat of every lease held here (one statement)."""
        if not self.held:
            return
        with self.store.transaction():
            self.store.execute(
                "UPDATE leases SET heartbeat = ? WHERE holder = ?", (time.time(), self.holder)
            )

    # -- from the event loop: file access off the loop, the heartbeat as a task --

    async def take_async(self, job_id: int) -> bool:
        taken = await asyncio.to_thread(self.take, job_id)
        if taken:
            self.ensure_beating()
        return taken

    async def claim(self, project: Project, job_id: int) -> Job | None:
        """Take the job's lease and its record as the file has it now (the last holder may have
        moved it on, even finished it); None when another live process holds it, or the job
        is finished. The live project is brought up to date either way."""
        if not await self.take_async(job_id):
            return None
        fresh = await asyncio.to_thread(project.store.load_one, "jobs", job_id)
        if fresh is not None and fresh != project.jobs.get(job_id):
            project.jobs[job_id] = fresh
            project.changed.emit(Change(Entity.JOB, job_id, Action.UPDATED))
        if fresh is None or fresh.state.finished:
            await self.release_async(job_id)
            return None
        job: Job = fresh
        return job

    async def release_async(self, job_id: int) -> None:
        if job_id in self.held:
            await asyncio.to_thread(self.release, job_id)

    def ensure_beating(self) -> None:
        """Beat while leases are held (a lease taken with take() from enqueue needs this too)."""
        if self._beating is None or self._beating.done():
            self._beating = asyncio.get_running_loop().create_task(
                self._beat_forever(), name="job-lease-heartbeat"
            )

    async def _beat_forever(self) -> None:
        while self.held:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            with contextlib.suppress(Exception):  # a busy file: the next beat will do
                await asyncio.to_thread(self.beat)

    async def aclose(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.release_all)
