"""The job engine: cue -> segment -> upload -> submit -> task id committed -> poll -> take.

Pure asyncio on one shared httpx.AsyncClient, so the CLI drives it with asyncio.run and the app
with its qasync loop. Every state change is live at once and written in order by the record
writer's thread (records.py); the submit mark and the task id are awaited onto disk before the
next step, so a crash at any point leaves a record that `resume()` can act on without submitting
twice:
- a job with a task id is polled again;
- a job caught mid-submit (the request may be on the wire) becomes "submission uncertain" and
  waits for the user (`resolve_uncertain`);
- a job that never reached submit simply starts over.
CPU work (cutting, decoding, writing WAVs) runs on a small fixed thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import httpx

from foleydesk.core.events import Signal
from foleydesk.core.model import Cue, CueKind, Job, JobState, Take, TakeStatus
from foleydesk.core.placement import anchor_range, file_time, not_generated
from foleydesk.core.project import Project
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.errors import UserError
from foleydesk.jobs.download import ResultExpired, decode_data_uri, download, save_data
from foleydesk.jobs.lease import JobLeases
from foleydesk.jobs.limits import ProviderGate, UsageLedger
from foleydesk.jobs.poll_schedule import (
    Pace,
    PollSchedule,
    TaskTimes,
    eta_from_progress,
    finished_at,
)
from foleydesk.jobs.prepare import (
    cut_job_segment,
    segment_path,
    style_reference,
    write_take,
)
from foleydesk.jobs.records import RecordWriter
from foleydesk.jobs.requests import (
    build_request,
    forget_unfinished_chunks,
    generation_request,
    job_range,
    length_samples,
    seeds_for,
    take_name,
    with_chunk,
)
from foleydesk.logs import redact
from foleydesk.media.take_check import cut_short, take_problems
from foleydesk.providers.base import (
    GenerationRequest,
    Output,
    OutputKind,
    Provider,
    ProviderError,
    SubmitUncertain,
    TaskState,
    TaskStatus,
    TransientError,
    UnknownTask,
)
from foleydesk.providers.http import RetryPolicy
from foleydesk.providers.registry import default_offering, find_offering, get_provider
from foleydesk.settings import Settings
from foleydesk.threads import background_pool

log = logging.getLogger(__name__)
T = TypeVar("T")

UNCERTAIN_TEXT = (
    "The answer to the submit was lost; the provider may be generating (and billing) it. "
    "Resend it, or drop it."
)
SUBMIT_ATTEMPTS = 8  # for answers that prove nothing was created (429, 503, refused connection)
EXPIRED_REFRESHES = 2
CANCEL_CHECK_SECONDS = 1.0  # how often a polled job looks for another process's cancel
JOIN_OVERLAP = Fraction(1, 4)  # seconds a new part reaches into its take, for the crossfade
WARM_DEFAULT_THREADS = 4  # asyncio.to_thread users: file reads, base64, JSON, disk writes
HTTP_BACKEND = "anyio._backends._asyncio"  # imported lazily at httpx's first request


def _import_quietly(name: str) -> None:
    with contextlib.suppress(ImportError):
        importlib.import_module(name)


@dataclass(frozen=True)
class JobEvent:
    """A job moved: for progress displays (the project's `changed` signal carries the same)."""

    job_id: int
    state: JobState
    progress: float
    text: str


class _Cancelled(Exception):
    """The job was cancelled from outside this engine (another process wrote it)."""


class JobEngine:
    """Runs a project's jobs; safe to drive from asyncio.run (CLI) or a qasync loop (app)."""

    def __init__(
        self,
        project: Project,
        client: httpx.AsyncClient,
        settings: Settings,
        *,
        ledger: UsageLedger | None = None,
        cpu_workers: int = 2,
    ) -> None:
        self.project = project
        self.client = client
        self.settings = settings
        self.events: Signal[JobEvent] = Signal()
        self._ledger = ledger or UsageLedger()
        self._providers: dict[str, Provider] = {}
        self._gates: dict[str, ProviderGate] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._cancel_requested: set[int] = set()
        self._wake = asyncio.Event()
        self._cpu = background_pool(cpu_workers, "foleydesk-job")
        self._cpu_workers = cpu_workers
        self._warm = False
        self._records = RecordWriter(project)
        # Single owner per job across processes (lease.py); jobs another live process runs.
        self._leases = JobLeases(project.store)
        self._elsewhere: set[int] = set()
        self._segment_locks: dict[Path, asyncio.Lock] = {}
        self._versions: dict[int, str] = {}  # job -> the model version its host reported
        # (job, output) -> the host's file was much shorter than asked (known before padding)
        self._cut_short: dict[tuple[int, int], bool] = {}
        self._join_lock = asyncio.Lock()  # new parts join their take one at a time
        self._task_times = TaskTimes()  # how long each offering's tasks took here (polling)
        self.polls = 0  # polls sent (the batch benchmark reports polls per task)
        self.policy = RetryPolicy(settings.retry_attempts, settings.retry_base_seconds)

    # -- providers and limits --

    def provider(self, provider_id: str, model_id: str = "") -> Provider:
        """The host's client for one of its models (its default model for "")."""
        key = f"{model_id}@{provider_id}"
        if key not in self._providers:
            self._providers[key] = get_provider(provider_id, self.settings, self.client, model_id)
        return self._providers[key]

    def update_settings(self, settings: Settings) -> None:
        """New settings or keys from the settings dialog: hosted providers are rebuilt on next
        use (local ones keep their in-process tasks); new limits apply to new submits."""
        self.settings = settings
        self.policy = RetryPolicy(settings.retry_attempts, settings.retry_base_seconds)
        for key, provider in list(self._providers.items()):
            if not provider.capabilities.resubmit_safe:
                del self._providers[key]
        for provider_id, gate in self._gates.items():
            own = settings.provider(provider_id)
            caps = self.provider(provider_id).capabilities
            gate.concurrency = max(1, own.concurrency or caps.concurrency)
            gate.per_minute = own.per_minute or caps.per_minute
            gate.per_day = own.per_day or caps.per_day

    def _gate(self, provider: Provider) -> ProviderGate:
        if provider.id not in self._gates:
            caps = provider.capabilities
            own = self.settings.provider(provider.id)
            self._gates[provider.id] = ProviderGate(
                provider.id,
                own.concurrency or caps.concurrency,
                own.per_minute or caps.per_minute,
                own.per_day or caps.per_day,
                self._ledger,
                polls_per_minute=caps.polls_per_minute,
            )
        return self._gates[provider.id]

    async def _cpu_call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._cpu, fn, *args)

    # -- queueing --

    def enqueue(
        self,
        cue_ids: list[int],
        provider_id: str,
        takes: int = 1,
        seed: int | None = None,
        params: dict[str, Any] | None = None,
        model_id: str = "",
        choose: bool = False,
    ) -> list[Job]:
        """Queue `takes` jobs per cue (seeds seed, seed+1, ...) on one offering: `model_id` on
        host `provider_id` ("": the cue's model when the cue names this host, else the host's
        default model for the cue's kind). Raises UserError listing every problem before
        anything is queued. `choose`: the finished take becomes the chosen one (Regenerate
        whole cue) unless it is flagged."""
        spans: list[tuple[Cue, tuple[int, int] | None]] = [
            (self.project.cue(cue_id), None) for cue_id in cue_ids
        ]
        extra = {"choose": True} if choose else {}
        return self._queue(spans, provider_id, takes, seed, params, model_id, extra)

    def enqueue_new_part(
        self,
        cue_id: int,
        provider_id: str,
        seed: int | None = None,
        params: dict[str, Any] | None = None,
        model_id: str = "",
    ) -> list[Job]:
        """Generate only the part of the cue its chosen take has no audio for (one job per side),
        a little into the take, so the result joins it in a crossfade and becomes the chosen
        take. Raises UserError when there is nothing to generate."""
        cue = self.project.cue(cue_id)
        base = self.project.chosen_take(cue)
        if base is None or base.status is not TakeStatus.READY:
            raise UserError(
                f"{cue.display_name()} has no chosen take to extend.",
                "Generate the whole cue instead.",
            )
        gaps = not_generated(cue, base)
        if not gaps:
            raise UserError(
                f"Every frame of {cue.display_name()} is already generated.",
                "Trim the cue longer first, or regenerate the whole cue.",
            )
        anchor_in, anchor_out = anchor_range(cue, base)
        rate = self.project.source.frame_rate
        overlap = max(1, math.ceil(JOIN_OVERLAP * rate))
        model = model_id or self._cue_model(cue, provider_id)
        shortest = math.ceil(self.provider(provider_id, model).capabilities.min_duration * rate)
        last = self.project.source.frame_count or cue.out_frame
        spans: list[tuple[Cue, tuple[int, int] | None]] = []
        for lo, hi in gaps:
            # Reach into the take for the crossfade, further when the host needs a longer
            # range; if the take is too short for that, reach out past the cue (hidden audio).
            if hi <= anchor_in:  # before the take
                hi = min(anchor_out, max(hi + overlap, lo + shortest))
                lo = max(0, min(lo, hi - shortest))
            else:  # after it
                lo = max(anchor_in, min(lo - overlap, hi - shortest))
                hi = min(last, max(hi, lo + shortest))
            spans.append((cue, (lo, hi)))
        extra = {"join_take_id": base.id, "choose": True}
        return self._queue(spans, provider_id, 1, seed, params, model_id, extra)

    def _queue(
        self,
        spans: list[tuple[Cue, tuple[int, int] | None]],
        provider_id: str,
        takes: int,
        seed: int | None,
        params: dict[str, Any] | None,
        model_id: str,
        extra: dict[str, Any],
    ) -> list[Job]:
        if takes < 1:
            raise UserError("Ask for at least one take.", "Use --takes 1 or more.")
        params = {k: v for k, v in (params or {}).items() if v is not None}
        plans: list[tuple[Cue, dict[str, Any], float, str]] = []
        problems: list[str] = []
        for cue, span in spans:
            model = model_id or self._cue_model(cue, provider_id)
            provider = self.provider(provider_id, model)
            for one_seed in seeds_for(seed, takes):
                request = {**build_request(cue, one_seed, params), **extra}
                if span is not None:
                    request["in_frame"], request["out_frame"] = span
                job = Job(0, cue.id, provider_id, request=request, model_id=model)
                generation = generation_request(job, self.project.source.frame_rate)
                for problem in provider.validate(generation):
                    line = f"{cue.display_name()}: {problem}"
                    if line not in problems:
                        problems.append(line)
                plans.append((cue, request, provider.estimate_cost(generation), model))
        if problems:
            raise UserError("Nothing was queued:\n  " + "\n  ".join(problems))
        jobs: list[Job] = []
        with self.project.transaction():
            for cue, request, cost, model in plans:
                job = self.project.add_job(
                    Job(
                        0,
                        cue.id,
                        provider_id,
                        request=request,
                        cost_estimate=cost,
                        model_id=model,
                    )
                )
                self._leases.take(job.id)  # ours from birth: no other process starts it
                jobs.append(job)
        self._wake.set()
        return jobs

    @staticmethod
    def _cue_model(cue: Cue, provider_id: str) -> str:
        if cue.model_id and cue.provider_id == provider_id:
            return cue.model_id
        return default_offering(provider_id, cue.kind).model

    def job_provider(self, job: Job) -> Provider:
        """The client of the offering a job runs on (a record whose host no longer serves its
        model, or one from before models were recorded, runs on the host's default)."""
        model = job.model_id
        if model and find_offering(model, job.provider_id) is None:
            model = ""
        return self.provider(job.provider_id, model)

    # -- state changes --

    def _set(self, job_id: int, **changes: Any) -> Job:
        """Change a job: live at once, on disk shortly (in order, off the loop)."""
        job, _ = self._records.update(job_id, **changes)
        self.events.emit(JobEvent(job.id, job.state, job.progress, job.status_text))
        return job

    async def _save(self, job_id: int, **changes: Any) -> Job:
        """Change a job and wait until the change is on disk (before anything irrevocable)."""
        job, written = self._records.update(job_id, **changes)
        self.events.emit(JobEvent(job.id, job.state, job.progress, job.status_text))
        await asyncio.wrap_future(written)
        return job

    def _fail(self, job_id: int, message: str) -> None:
        log.warning("job %s failed: %s", job_id, message)  # the log filter redacts keys
        self._set(
            job_id,
            state=JobState.FAILED,
            error=redact(message),
            status_text="failed",
            finished_at=time.time(),
        )

    # -- running --

    def _runnable(self, job: Job) -> bool:
        if job.id in self._tasks or job.state.finished or job.id in self._elsewhere:
            return False
        if job.state is JobState.QUEUED:
            return True
        return job.task_id is not None and job.state in (JobState.RUNNING, JobState.DOWNLOADING)

    def start(self) -> None:
        """Start every runnable job now (the app calls this; run_until_idle awaits them)."""
        for job in self.project.unfinished_jobs():
            if self._runnable(job):
                self._tasks[job.id] = asyncio.get_running_loop().create_task(
                    self._run(job.id), name=f"job-{job.id}"
                )

    async def _warm_threads(self) -> None:
        """Start the worker threads now: a thread started on demand mid-run can take tens of
        milliseconds to come up while the loop waits for it."""
        if self._warm:
            return
        self._warm = True
        loop = asyncio.get_running_loop()
        for pool, count in ((None, WARM_DEFAULT_THREADS), (self._cpu, self._cpu_workers)):
            barrier = threading.Barrier(count)

            def meet(barrier: threading.Barrier = barrier) -> None:
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(0.5)

            await asyncio.gather(*(loop.run_in_executor(pool, meet) for _ in range(count)))
        # httpx's first request imports anyio's asyncio backend: ~35 ms of CPU on the loop.
        await asyncio.to_thread(_import_quietly, HTTP_BACKEND)

    async def run_until_idle(self) -> None:
        """Run until no job is queued or running here (jobs queued meanwhile are picked up)."""
        await self._warm_threads()
        while True:
            self._wake.clear()
            self.start()
            if not self._tasks:
                return
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait(
                    [*self._tasks.values(), waker], return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                waker.cancel()
            for job_id, task in list(self._tasks.items()):
                if task.done():
                    del self._tasks[job_id]
                    if not task.cancelled() and task.exception() is not None:
                        log.error("job %s crashed", job_id, exc_info=task.exception())

    async def resume(self, wait: bool = True) -> list[Job]:
        """Pick up after a restart: poll jobs with a task id, restart jobs that never got one,
        and mark jobs caught mid-submit as uncertain. Returns the jobs that need the user."""
        self._elsewhere.clear()  # holders may have died since: ask the leases again
        for listed in self.project.unfinished_jobs():
            if listed.id in self._tasks or listed.state is JobState.UNCERTAIN:
                continue
            job = await self._own(listed.id)
            if job is None or job.state is JobState.UNCERTAIN:
                continue
            provider = self.job_provider(job)
            chunks = job.request.get("chunks") or []
            lost_chunk = any(c.get("sent") and not c.get("task_id") for c in chunks)
            caught = job.task_id or chunks or job.state is JobState.SUBMITTING
            if caught and provider.capabilities.resubmit_safe:  # free and local: run it again
                self._set(
                    job.id,
                    state=JobState.QUEUED,
                    task_id=None,
                    status_text="restarting",
                    request=forget_unfinished_chunks(job.request, keep_task_ids=False),
                )
            elif lost_chunk:
                self._set(job.id, state=JobState.UNCERTAIN, status_text=UNCERTAIN_TEXT)
            elif job.task_id:
                if job.state not in (JobState.RUNNING, JobState.DOWNLOADING):
                    self._set(job.id, state=JobState.RUNNING, status_text="resuming")
            elif job.state is JobState.SUBMITTING:
                self._set(job.id, state=JobState.UNCERTAIN, status_text=UNCERTAIN_TEXT)
            elif job.state is not JobState.QUEUED:
                self._set(job.id, state=JobState.QUEUED, status_text="restarting")
        for job_id in list(self._leases.held):  # _run takes them again; others may decide
            if job_id not in self._tasks:
                await self._leases.release_async(job_id)
        if wait:
            await self.run_until_idle()
        else:
            await self._poll_once()
        return [j for j in self.project.unfinished_jobs() if j.state is JobState.UNCERTAIN]

    async def _own(self, job_id: int) -> Job | None:
        """The job, leased to this process and as the file has it now; None when another live
        process runs it (or it has finished)."""
        job = await self._leases.claim(self.project, job_id)
        if job is None:
            self._elsewhere.add(job_id)
        return job

    async def _poll_once(self) -> None:
        """One look at every job with a task id (resume without --wait); finished ones land."""

        landing: dict[int, asyncio.Task[None]] = {}

        async def one(listed: Job) -> None:
            job = await self._own(listed.id) if listed.id not in self._leases.held else listed
            if job is None or not job.task_id:
                return
            provider = self.job_provider(job)
            try:
                status = await provider.poll(job.task_id or "")
            except (TransientError, ProviderError) as exc:
                self._set(job.id, status_text=redact(str(exc))[:200])
                return
            self._note_status(job.id, status)
            if status.state.terminal and job.id not in self._tasks:
                task = asyncio.get_running_loop().create_task(self._run(job.id))
                self._tasks[job.id] = landing[job.id] = task

        jobs = [j for j in self.project.unfinished_jobs() if j.task_id and self._runnable(j)]
        await asyncio.gather(*(one(j) for j in jobs))
        if landing:
            await asyncio.gather(*landing.values(), return_exceptions=True)
            for job_id, task in landing.items():
                if self._tasks.get(job_id) is task:
                    del self._tasks[job_id]
        for job in jobs:  # polled, not landed: free for whichever process runs it next
            if job.id not in self._tasks:
                await self._leases.release_async(job.id)

    def cancel(self, job_id: int) -> None:
        """Stop a job: stop polling, cancel at the host where it can be, mark it cancelled."""
        job = self.project.job(job_id)
        if job.state.finished:
            return
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            self._cancel_requested.add(job_id)
            task.cancel()
            return
        self._set(
            job_id, state=JobState.CANCELLED, status_text="cancelled", finished_at=time.time()
        )
        if job.task_id:
            self._spawn_remote_cancel(job)

    async def cancel_and_wait(self, job_id: int) -> None:
        """cancel(), then wait for the job (and the host's cancel) to settle (for the CLI)."""
        job = self.project.job(job_id)
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            self.cancel(job_id)
            await asyncio.gather(task, return_exceptions=True)
            return
        if job.state.finished:
            return
        await self._save(
            job_id, state=JobState.CANCELLED, status_text="cancelled", finished_at=time.time()
        )
        await self._remote_cancel(job)

    def _spawn_remote_cancel(self, job: Job) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._remote_cancel(job))
        self._tasks.setdefault(-job.id, task)

    async def _remote_cancel(self, job: Job) -> None:
        provider = self.job_provider(job)
        if not (job.task_id and provider.capabilities.cancellable):
            return
        try:
            await asyncio.wait_for(provider.cancel(job.task_id), 30)
        except Exception as exc:  # the job is cancelled here whatever the host says
            log.warning("cancel at %s failed: %s", provider.id, redact(str(exc)))

    def retry(self, job_id: int) -> Job:
        """A failed or cancelled job again, as a new job with the same request and seed."""
        old = self.project.job(job_id)
        if old.state not in (JobState.FAILED, JobState.CANCELLED):
            raise UserError(
                f"Job {job_id} is {old.state.value}; only failed or cancelled jobs are retried."
            )
        job = self.project.add_job(
            Job(
                0,
                old.cue_id,
                old.provider_id,
                request=dict(old.request),
                cost_estimate=old.cost_estimate,
                model_id=old.model_id,
            )
        )
        self._wake.set()
        return job

    def resolve_uncertain(self, job_id: int, resend: bool) -> Job:
        """The user's decision on a lost submit: send it again (maybe billed twice) or drop it."""
        job = self.project.job(job_id)
        if job.state is not JobState.UNCERTAIN:
            raise UserError(f"Job {job_id} is {job.state.value}, not waiting for a decision.")
        if resend:
            updated = self._set(
                job_id,
                state=JobState.QUEUED,
                status_text="resending",
                request=forget_unfinished_chunks(job.request, keep_task_ids=True),
            )
            self._wake.set()
            return updated
        self._set(
            job_id,
            state=JobState.FAILED,
            error="Not re-sent: the answer to its submit was lost (the user chose to drop it).",
            status_text="dropped",
            finished_at=time.time(),
        )
        return self.project.job(job_id)

    async def aclose(self) -> None:
        """Stop every job (their records stay resumable) and the worker threads."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
        await self._records.flush()
        await self._leases.aclose()
        self._cpu.shutdown(wait=False, cancel_futures=True)
        await self._records.flush()
        await asyncio.to_thread(self._records.close)

    # -- one job --

    async def _run(self, job_id: int) -> None:
        """Run one job under its lease (held by the engine in one process only)."""
        if job_id in self._leases.held:
            self._leases.ensure_beating()
        elif await self._own(job_id) is None:
            return
        try:
            await self._run_owned(job_id)
        finally:
            with contextlib.suppress(Exception):
                await self._leases.release_async(job_id)

    async def _run_owned(self, job_id: int) -> None:
        job = self.project.job(job_id)
        provider = self.job_provider(job)
        gate = self._gate(provider)  # a slot is held per task at the host: see _piece
        try:
            if self._chunked(job, provider):
                await self._run_chunks(job_id, provider, gate)
            else:
                got = await self._piece(job_id, provider, gate, None)
                if got is not None and isinstance(got[1], list):
                    await self._finish_variations(job_id, provider, got[0], got[1])
                elif got is not None:
                    await self._finish(job_id, provider, got[0], got[1])
        except asyncio.CancelledError:
            if job_id not in self._cancel_requested:
                raise  # shutting down: the record stays as it is, resume() continues it
            self._cancel_requested.discard(job_id)
            current = self.project.job(job_id)
            note = "cancelled"
            if current.state is JobState.SUBMITTING:
                note = "cancelled while submitting: the host may still run it"
            self._set(job_id, state=JobState.CANCELLED, status_text=note, finished_at=time.time())
            if current.task_id:
                await self._remote_cancel(current)
        except _Cancelled:
            current = self.project.job(job_id)
            await self._remote_cancel(current)
        except SubmitUncertain as exc:
            log.warning("job %s: %s", job_id, redact(str(exc)))
            self._set(
                job_id, state=JobState.UNCERTAIN, status_text=UNCERTAIN_TEXT, error=redact(str(exc))
            )
        except UnknownTask as exc:
            self._fail(job_id, f"{exc} The task id was {self.project.job(job_id).task_id}.")
        except UserError as exc:
            self._fail(job_id, str(exc))
        except TransientError as exc:
            self._fail(job_id, f"{provider.name} could not be reached: {exc}")
        except Exception as exc:
            log.exception("job %s: internal error", job_id)
            self._fail(job_id, f"Internal error ({type(exc).__name__}); see the log.")

    def _range(self, job: Job) -> tuple[Fraction, Fraction]:
        return job_range(job, self.project.source.frame_rate)

    def _chunked(self, job: Job, provider: Provider) -> bool:
        if job.request.get("chunks"):
            return True
        start, end = self._range(job)
        # Chunks are cut at the model's sweet spot (quality drops far from it), never past
        # its hard maximum.
        return (
            bool(job.request.get("chunking")) and end - start > provider.capabilities.best_duration
        )

    async def _piece(
        self, job_id: int, provider: Provider, gate: ProviderGate, index: int | None
    ) -> tuple[str, Any] | None:
        """Submit (unless the host already has it), wait, fetch: (task id, samples) of the job
        or of one chunk; None when the task failed or was cancelled at the host."""
        job = self.project.job(job_id)
        if index is None:
            task_id, piece = job.task_id, None
            start, end = self._range(job)
        else:
            chunk = job.request["chunks"][index]
            task_id = chunk.get("task_id")
            if task_id is None and chunk.get("sent"):  # never send a chunk twice on our own
                raise SubmitUncertain(f"the answer to chunk {index + 1}'s submit was lost")
            start, end = Fraction(chunk["start"]), Fraction(chunk["end"])
            piece = (start, end)
        # The host's slot is held from the submit until the task ends there: cutting and
        # uploading before it, and downloading after it, do not count against the host's
        # limit (a slot spent on local work is a slot the host leaves idle). It is handed on
        # the moment a poll sees the task end, before anything else is done.
        holding = False

        async def task_ended() -> None:
            nonlocal holding
            if holding:
                holding = False
                await gate.release()

        def note(_seconds: float, text: str) -> None:
            self._set(job_id, status_text=text)

        fresh = task_id is None  # submitted here: its time teaches the poll schedule
        try:
            if task_id is None:
                async with gate.turn_to_prepare(note):
                    request = await self._prepare(job, provider, piece)
                    await gate.acquire(note)
                    holding = True
                    task_id = await self._submit(job_id, provider, gate, request, index)
            else:
                gate.occupy()  # already running at the host
                holding = True
            status = await self._wait(job_id, provider, gate, task_id, fresh, task_ended)
        finally:
            await task_ended()
        if status.state is TaskState.COMPLETED:
            if status.version:
                self._versions[job_id] = status.version
            length = round(end * PROJECT_SAMPLE_RATE) - round(start * PROJECT_SAMPLE_RATE)
            if index is None:
                length = length_samples(job, self.project.source.frame_rate)
                count = len(audio_outputs(status.outputs))
                if count > 1:  # variations of one request (Mirelo's num_samples): a take each
                    return task_id, [
                        await self._fetch_samples(job_id, provider, task_id, status, length, k)
                        for k in range(count)
                    ]
            return task_id, await self._fetch_samples(job_id, provider, task_id, status, length)
        if status.state is TaskState.CANCELLED:
            self._set(
                job_id,
                state=JobState.CANCELLED,
                status_text="cancelled at the host",
                finished_at=time.time(),
            )
        else:
            self._fail(job_id, status.error or status.text or "The provider reported a failure.")
        return None

    async def _run_chunks(self, job_id: int, provider: Provider, gate: ProviderGate) -> None:
        """A range longer than the host takes: overlapping chunks one after another, each
        kept in the cache as it lands, crossfaded into one take at the end."""
        from foleydesk.media.segments import plan_chunks, stitch_chunks
        from foleydesk.media.takes import read_wav, write_wav

        job = self.project.job(job_id)
        start, end = self._range(job)
        if not job.request.get("chunks"):
            caps = provider.capabilities
            limit = min(caps.best_duration, caps.max_duration)
            overlap = min(Fraction(1), limit / 4)
            plan = plan_chunks(start, end, limit, overlap, self.project.source.frame_rate)
            chunks = [{"start": str(s), "end": str(e), "task_id": None} for s, e in plan]
            await self._save(job_id, request={**job.request, "chunks": chunks})
        pieces: list[Any] = []
        task_ids: list[str] = []
        count = len(self.project.job(job_id).request["chunks"])
        for index in range(count):
            chunk = self.project.job(job_id).request["chunks"][index]
            stored = self.project.cache_dir / f"job{job_id}-chunk{index}.wav"
            if chunk.get("done") and stored.is_file():
                samples, _ = await self._cpu_call(read_wav, stored)
            else:
                got = await self._piece(job_id, provider, gate, index)
                if got is None:
                    return
                samples = got[1]
                self.project.cache_dir.mkdir(parents=True, exist_ok=True)
                await self._cpu_call(write_wav, stored, samples)
                await self._save(
                    job_id, request=with_chunk(self.project.job(job_id).request, index, done=True)
                )
            pieces.append(samples)
            task_ids.append(str(self.project.job(job_id).request["chunks"][index]["task_id"]))
            self._set(job_id, progress=(index + 1) / count, status_text=f"chunk {index + 1} done")
        chunks = self.project.job(job_id).request["chunks"]
        plan = [(Fraction(c["start"]), Fraction(c["end"])) for c in chunks]
        stitched = await self._cpu_call(stitch_chunks, pieces, plan, start, end)
        await self._finish(job_id, provider, ",".join(task_ids), stitched)
        for index in range(count):
            stale = self.project.cache_dir / f"job{job_id}-chunk{index}.wav"
            await asyncio.to_thread(stale.unlink, missing_ok=True)

    async def _prepare(
        self, job: Job, provider: Provider, piece: tuple[Fraction, Fraction] | None = None
    ) -> GenerationRequest:
        caps = provider.capabilities
        segment: Path | None = None
        if caps.needs_segment and job.request.get("kind", "foley") == CueKind.FOLEY.value:
            self._set(job.id, state=JobState.PREPARING, status_text="cutting the segment")
            # Takes of one cue share a segment: cut it once, not once per take at the same time.
            lock = self._segment_locks.setdefault(
                self.segment_path(job, provider, piece), asyncio.Lock()
            )
            async with lock:
                segment = await self._cpu_call(
                    cut_job_segment, self.project, job, provider.capabilities, piece
                )
        request = generation_request(job, self.project.source.frame_rate, segment)
        if piece is not None:
            request = dataclasses.replace(request, duration=piece[1] - piece[0])
        if caps.needs_upload and segment is not None:
            self._set(job.id, state=JobState.UPLOADING, status_text="uploading the segment")
            url = await provider.upload(segment, "video/mp4")
            request = dataclasses.replace(request, video_url=url)
        if caps.needs_upload and (request.style_audio or request.style_audio_source):
            self._set(job.id, state=JobState.PREPARING, status_text="preparing the style audio")
            reference = await self._cpu_call(style_reference, self.project, job, request)
            self._set(job.id, state=JobState.UPLOADING, status_text="uploading the style audio")
            url = await provider.upload(reference, "audio/wav")
            request = dataclasses.replace(request, style_audio_url=url)
        return request

    def segment_path(
        self, job: Job, provider: Provider, piece: tuple[Fraction, Fraction] | None = None
    ) -> Path:
        """Where the job's upload segment is cached (same range and spec: cut once)."""
        return segment_path(self.project, job, provider.capabilities, piece)

    async def _submit(
        self,
        job_id: int,
        provider: Provider,
        gate: ProviderGate,
        request: GenerationRequest,
        index: int | None = None,
    ) -> str:
        for attempt in range(SUBMIT_ATTEMPTS):
            await gate.pace_submit(lambda _s, text: self._set(job_id, status_text=text))
            job = await self._save(
                job_id,
                state=JobState.SUBMITTING,
                status_text="submitting" if index is None else f"submitting chunk {index + 1}",
                submit_attempts=self.project.job(job_id).submit_attempts + 1,
                request=with_chunk(self.project.job(job_id).request, index, sent=True),
            )
            try:
                task_id = await provider.submit(request)
            except TransientError as exc:  # provably not created: safe to send again
                if attempt + 1 >= SUBMIT_ATTEMPTS:
                    raise
                delay = self.policy.delay(attempt, exc.retry_after)
                self._set(
                    job_id,
                    state=JobState.QUEUED,
                    status_text=f"{provider.name} busy ({exc}); retrying in {delay:.0f} s",
                    request=with_chunk(self.project.job(job_id).request, index, sent=False),
                )
                await asyncio.sleep(delay)
                continue
            # The one commit that must never be lost.
            log.info("job %s: %s task id %s", job_id, provider.id, task_id)
            await self._save(
                job.id,
                state=JobState.RUNNING,
                task_id=task_id,
                submitted_at=time.time(),
                status_text="submitted",
                request=with_chunk(self.project.job(job_id).request, index, task_id=task_id),
            )
            if index is None or index == 0:  # the job's estimate, once (not per chunk)
                await asyncio.to_thread(
                    self._ledger.record_spend, provider.id, job.cost_estimate, time.time()
                )
            return task_id
        raise TransientError("the provider stayed busy")

    def _status_changes(self, job_id: int, status: TaskStatus) -> dict[str, Any]:
        """What a poll's answer changes in the job's record ({} when nothing)."""
        job = self.project.job(job_id)
        text = redact(status.text or status.state.value)[:200]
        progress = job.progress if status.progress is None else max(0.0, min(1.0, status.progress))
        if text != job.status_text or progress != job.progress:
            return {"status_text": text, "progress": progress}
        return {}

    def _note_status(self, job_id: int, status: TaskStatus) -> None:
        if changes := self._status_changes(job_id, status):
            self._set(job_id, **changes)

    async def _check_external_cancel(self, job_id: int) -> None:
        """Another process (`foleydesk cancel`) may have cancelled the job in the file. Read in
        a thread: the store's lock may be held by the record writer during an fsync."""
        row = await asyncio.to_thread(self.project.store.load_one, "jobs", job_id)
        if row is not None and row.state is JobState.CANCELLED:
            self.project.jobs[job_id] = row
            raise _Cancelled()

    async def _wait(
        self,
        job_id: int,
        provider: Provider,
        gate: ProviderGate,
        task_id: str,
        fresh: bool = False,
        ended: Callable[[], Awaitable[None]] | None = None,
    ) -> TaskStatus:
        """Poll until the task ends, on the offering's learned schedule (poll_schedule.py);
        `ended` runs the moment a poll sees the end (the slot goes to the next task)."""
        settings = self.settings
        initial = provider.capabilities.first_poll_seconds or settings.poll_initial_seconds
        offering = provider.offering.key  # "model@host"
        schedule = PollSchedule(
            Pace(initial, settings.poll_factor, settings.poll_max_seconds),
            self._task_times.recent(offering),
        )
        started = time.monotonic() - self._age(job_id)
        pending_at: float | None = None  # the last poll that saw the task still running
        checked = -math.inf  # when another process's cancel was last looked for
        trouble_since: float | None = None
        while True:
            await self._nap(job_id, schedule.next_delay(time.monotonic() - started))
            if time.monotonic() - checked >= CANCEL_CHECK_SECONDS:
                await self._check_external_cancel(job_id)
                checked = time.monotonic()
            await gate.pace_poll()
            sent_at = time.monotonic() - started
            self.polls += 1
            try:
                status = await provider.poll(task_id)
            except TransientError as exc:
                now = time.monotonic()
                trouble_since = trouble_since or now
                if now - trouble_since > settings.poll_give_up_seconds:
                    raise ProviderError(
                        f"No readable answer from {provider.name} for "
                        f"{settings.poll_give_up_seconds / 60:.0f} minutes ({exc}).",
                        f"Its task id is {task_id}, in case its support can find the result.",
                    ) from None
                self._set(job_id, status_text=f"cannot reach {provider.name}: {exc}; still trying")
                continue
            trouble_since = None
            if status.state.terminal:
                if ended is not None:
                    await ended()
                if fresh and status.state is TaskState.COMPLETED:
                    answered = time.monotonic() - started
                    self._task_times.record(offering, finished_at(pending_at, answered))
            changes = self._status_changes(job_id, status)
            if status.state.terminal or changes:
                await self._check_external_cancel(job_id)  # never write over another's cancel
                checked = time.monotonic()
                if changes:
                    self._set(job_id, **changes)
            if status.state.terminal:
                return status
            pending_at = sent_at
            schedule.tell_eta(eta_from_progress(sent_at, status.progress))

    def _age(self, job_id: int) -> float:
        """Seconds since the job's current task was submitted (a resumed task is not new)."""
        submitted = self.project.job(job_id).submitted_at
        if not submitted:
            return 0.0
        return min(max(0.0, time.time() - submitted), 86_400.0)

    async def _nap(self, job_id: int, delay: float) -> None:
        """Sleep until the next poll, looking for another process's cancel on long sleeps."""
        longest = max(1.0, self.settings.poll_max_seconds)
        while delay > longest:
            await asyncio.sleep(longest)
            delay -= longest
            await self._check_external_cancel(job_id)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _fetch(self, output: Output, provider: Provider) -> Path:
        folder = self.project.takes_dir
        limit = self.settings.max_download_bytes
        # Inline results can be tens of MB: decoded and written in a thread, not on the loop.
        if output.data is not None:
            return await asyncio.to_thread(save_data, output.data, folder, output.suffix, limit)
        if output.url and output.url.startswith("data:"):
            data, suffix = await asyncio.to_thread(decode_data_uri, output.url)
            return await asyncio.to_thread(save_data, data, folder, suffix, limit)
        if not output.url:
            raise ProviderError(f"{provider.name} finished but named no result.")
        return await download(
            self.client,
            output.url,
            folder,
            output.suffix,
            limit,
            self.policy,
            provider.allow_http_hosts(),
        )

    async def _fetch_samples(
        self,
        job_id: int,
        provider: Provider,
        task_id: str,
        status: TaskStatus,
        length: int,
        which: int = 0,
    ) -> Any:
        """The task's result (its `which`-th audio output) as project-rate samples, exactly
        `length` long (checked by decoding: a file that does not decode is not a take)."""
        self._set(job_id, state=JobState.DOWNLOADING, status_text="fetching the result")
        samples: Any = None
        refreshes = 0
        while samples is None:
            outputs = status.outputs or await provider.result(task_id)
            if not outputs:
                raise ProviderError(f"{provider.name} finished but returned no result.")
            audio = audio_outputs(outputs) or outputs[:1]
            output = audio[min(which, len(audio) - 1)]
            if output.samples is not None:
                samples = await self._fitted(job_id, which, output.samples, length)
                break
            try:
                tmp = await self._fetch(output, provider)
            except ResultExpired:
                if refreshes >= EXPIRED_REFRESHES:
                    raise
                refreshes += 1
                self._set(job_id, status_text="result link expired; asking for a fresh one")
                status = await provider.poll(task_id)
                continue
            try:
                from foleydesk.media.takes import decode_provider_audio

                raw = await self._cpu_call(decode_provider_audio, tmp)
                samples = await self._fitted(job_id, which, raw, length)
            finally:  # removing 50 MB can take tens of ms: not on the loop
                await asyncio.to_thread(tmp.unlink, missing_ok=True)
        return samples

    async def _fitted(self, job_id: int, which: int, samples: Any, length: int) -> Any:
        """`samples` trimmed or padded to the range's length, noting whether the host's file was
        much shorter than asked (a chunked job is short when any of its chunks was)."""
        from foleydesk.media.takes import fit_length

        key = (job_id, which)
        short = cut_short(int(samples.shape[0]), length)
        self._cut_short[key] = self._cut_short.get(key, False) or short
        return await self._cpu_call(fit_length, samples, length)

    def _take_params(self, job: Job, provider: Provider, task_id: str) -> dict[str, Any]:
        """What a take records of how it was made: the cue's parameters, our seed, the seed
        the model was actually sent (folded into its range), and the host's task id."""
        request = generation_request(job, self.project.source.frame_rate)
        return {
            **job.request.get("params", {}),
            "seed": job.request.get("seed"),
            "seed_sent": provider.sent_seed(request),
            "task_id": task_id,
        }

    def _new_take(
        self,
        job: Job,
        provider: Provider,
        task_id: str,
        file: Path,
        digest: str,
        problems: list[str] | None = None,
        anchor: tuple[int, int] | None = None,
        **extra: Any,
    ) -> Take:
        """The take record: anchored to the range the job was made for (or `anchor`, a
        joined take's), with its problem words."""
        offering = provider.offering
        anchor = anchor or (int(job.request["in_frame"]), int(job.request["out_frame"]))
        return Take(
            0,
            job.cue_id,
            provider.id,
            params={**self._take_params(job, provider, task_id), **extra},
            job_id=job.id,
            status=TakeStatus.READY,
            file=str(file.relative_to(self.project.media_dir)),
            sha256=digest,
            created_at=time.time(),
            model_id=offering.model,
            host_model=offering.endpoint,
            model_version=self._versions.get(job.id, ""),
            anchor_in_frame=anchor[0],
            anchor_out_frame=anchor[1],
            problems=",".join(problems or []),
        )

    async def _finish_variations(
        self, job_id: int, provider: Provider, task_id: str, variations: list[Any]
    ) -> None:
        """Several takes from one request, one per variation; after a restart the variations
        already written are not written again."""
        job = self.project.job(job_id)
        written = {
            t.params.get("variation") for t in self.project.takes.values() if t.job_id == job_id
        }
        last = len(variations)
        for number, samples in enumerate(variations, 1):
            if number in written:
                continue
            final = self.project.takes_dir / take_name(job, provider.id).replace(
                ".wav", f"-v{number}.wav"
            )
            digest = await self._cpu_call(write_take, final, samples)
            short = self._cut_short.pop((job_id, number - 1), False)
            problems = await self._cpu_call(take_problems, samples, short)
            take = self._new_take(job, provider, task_id, final, digest, problems, variation=number)
            done: dict[str, Any] = {}
            if number == last:
                done = {"state": JobState.DONE, "progress": 1.0, "finished_at": time.time()}
            text = "done" if number == last else f"{number} of {last} takes written"
            await self._records.add_take(take, job_id, status_text=text, **done)
        self._versions.pop(job_id, None)
        self.events.emit(JobEvent(job_id, JobState.DONE, 1.0, "done"))

    def _join(
        self, base: Take, part: Any, part_range: tuple[int, int]
    ) -> tuple[Any, tuple[int, int]]:
        """The base take's samples with a new part crossfaded on (CPU; a worker thread)."""
        from foleydesk.media.join import join_part
        from foleydesk.media.takes import read_wav

        cue = self.project.cue(base.cue_id)
        audio, _rate = read_wav(self.project.take_path(base))
        grid = file_time(self.project.source.frame_rate)
        return join_part(audio, anchor_range(cue, base), part, part_range, grid)

    def _join_target(self, job: Job) -> Take | None:
        """The take a new part joins: the cue's chosen take when it grew out of the one the job
        was asked to extend (the other side's part landed first), else that one."""
        base = self.project.takes.get(int(job.request.get("join_take_id") or 0))
        if base is None or base.status is not TakeStatus.READY:
            return None
        cue = self.project.cues.get(job.cue_id)
        chosen = self.project.chosen_take(cue) if cue is not None else None
        if chosen is not None and chosen.status is TakeStatus.READY and chosen.id != base.id:
            b_in, b_out = anchor_range(cue, base) if cue is not None else (0, 0)
            c_in, c_out = anchor_range(cue, chosen) if cue is not None else (0, 0)
            if c_in <= b_in and b_out <= c_out and chosen.params.get("joined_to") is not None:
                return chosen
        return base

    async def _finish(self, job_id: int, provider: Provider, task_id: str, samples: Any) -> None:
        """Write the take (WAV, atomically), record its sha256, mark the job done. A new part
        is joined onto its take first (one join at a time: both sides may land together)."""
        if self.project.job(job_id).request.get("join_take_id"):
            async with self._join_lock:
                await self._finish_one(job_id, provider, task_id, samples)
        else:
            await self._finish_one(job_id, provider, task_id, samples)

    async def _finish_one(
        self, job_id: int, provider: Provider, task_id: str, samples: Any
    ) -> None:
        job = self.project.job(job_id)
        final = self.project.takes_dir / take_name(job, provider.id)
        anchor = (int(job.request["in_frame"]), int(job.request["out_frame"]))
        base = self._join_target(job)
        joined: dict[str, Any] = {}
        if base is not None:
            samples, anchor = await self._cpu_call(self._join, base, samples, anchor)
            joined = {
                "joined_to": base.id,
                "gain_db": base.gain_db,
                "offset_samples": base.offset_samples,
                "fade_in_samples": base.fade_in_samples,
                "fade_out_samples": base.fade_out_samples,
                "moved_frames": base.moved_frames,
            }
        digest = await self._cpu_call(write_take, final, samples)
        short = self._cut_short.pop((job_id, 0), False)
        problems = await self._cpu_call(take_problems, samples, short)
        take = self._new_take(job, provider, task_id, final, digest, problems, anchor)
        self._versions.pop(job_id, None)
        if joined:
            take.params["joined_to"] = joined.pop("joined_to")
            take = dataclasses.replace(take, **joined)
        await self._records.add_take(
            take,
            job_id,
            choose=bool(job.request.get("choose")),
            state=JobState.DONE,
            progress=1.0,
            status_text="done",
            finished_at=time.time(),
        )
        self.events.emit(JobEvent(job_id, JobState.DONE, 1.0, "done"))


def audio_outputs(outputs: list[Output]) -> list[Output]:
    """A task's audio outputs (a video output is only used when there is no audio)."""
    return [o for o in outputs if o.kind is OutputKind.AUDIO]
