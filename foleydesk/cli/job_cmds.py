"""CLI: providers, generate, jobs, resume, cancel, keys set/list/delete/test.

The same JobEngine as the app, on asyncio.run. `generate --wait` shows progress on stderr and
prints the resulting takes on stdout. Exit 3 means some jobs failed or wait for a decision.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import sys
import time
from pathlib import Path
from typing import Any

from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.core.model import Job, JobState
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine, JobEvent
from foleydesk.jobs.lease import JobLeases
from foleydesk.providers.base import describe
from foleydesk.providers.http import make_client
from foleydesk.providers.registry import (
    PROVIDER_IDS,
    all_providers,
    default_provider_id,
    get_provider,
    host_ready,
    offerings,
    resolve_offering,
)
from foleydesk.secrets import delete_key, has_key, key_source, set_key
from foleydesk.settings import Settings, load_settings

EXIT_JOBS_UNFINISHED = 3


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("providers", help="list providers: limits, pricing, whether a key is set")
    add_json_flag(p)
    p.set_defaults(func=cmd_providers)

    p = sub.add_parser(
        "models", help="list models on each host: durations, channels, price, key, licence"
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("generate", help="queue generations for cues (and run them with --wait)")
    p.add_argument("project", type=Path)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--cue", type=int, action="append", dest="cues", metavar="ID", help="a cue (repeatable)"
    )
    which.add_argument("--all", action="store_true", help="every cue in the project")
    p.add_argument(
        "--provider", help="host id: its default model (default: the cue's, else the settings')"
    )
    p.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="MODEL[@HOST]",
        help="a model, on HOST or the first host with a key that serves it (repeatable: "
        "one set of takes per model)",
    )
    p.add_argument("--takes", type=int, default=1, help="takes per cue, one seed each")
    p.add_argument("--seed", type=int, help="seed of the first take (next takes count up)")
    p.add_argument("--steps", type=int, help="sampling steps (provider's range)")
    p.add_argument(
        "--chunking",
        action="store_true",
        help="split ranges longer than the provider takes into crossfaded chunks",
    )
    p.add_argument("--lyrics", type=Path, metavar="FILE", help="music: LRC lyrics (cue-relative)")
    p.add_argument("--style", help="music: style prompt, e.g. 'slow jazz'")
    p.add_argument(
        "--style-audio",
        metavar="FILE|source",
        help="music: a 10-30 s style reference, or 'source' for the sound under the cue",
    )
    p.add_argument(
        "--music-prompt",
        metavar="TEXT",
        help="models with a separate music prompt (Kling): the background music; the cue's "
        "prompt is the sound effects",
    )
    p.add_argument(
        "--variations",
        type=int,
        metavar="N",
        help="models that make several results per request (Mirelo): a take each",
    )
    p.add_argument(
        "--prompt-influence",
        type=float,
        metavar="0-1",
        help="text-to-sound models (ElevenLabs): how closely the sound follows the words",
    )
    p.add_argument("--wait", action="store_true", help="run the jobs to the end")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--new-part",
        action="store_true",
        help="only the part a trim made longer than the chosen take, joined onto it",
    )
    how.add_argument(
        "--choose", action="store_true", help="the new take becomes the chosen one (regenerate)"
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("jobs", help="list a project's jobs")
    p.add_argument("project", type=Path)
    add_json_flag(p)
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("resume", help="pick up unfinished jobs (never re-sends a lost submit)")
    p.add_argument("project", type=Path)
    p.add_argument("--wait", action="store_true", help="run them to the end")
    decision = p.add_mutually_exclusive_group()
    decision.add_argument(
        "--resend-uncertain", action="store_true", help="send lost submits again (may bill twice)"
    )
    decision.add_argument(
        "--drop-uncertain", action="store_true", help="mark lost submits as failed"
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_resume)

    p = sub.add_parser("cancel", help="cancel a job (at the host too, where it can be)")
    p.add_argument("project", type=Path)
    p.add_argument("job_id", type=int, metavar="JOB")
    p.set_defaults(func=cmd_cancel)

    keys = sub.add_parser("keys", help="API keys in the system keyring")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = keys_sub.add_parser("set", help="store a key (read from stdin, not echoed)")
    p.add_argument("provider_id", metavar="ID", choices=[i for i in PROVIDER_IDS if i != "offline"])
    p.set_defaults(func=cmd_keys_set)
    p = keys_sub.add_parser("list", help="which providers have a key (never the key)")
    add_json_flag(p)
    p.set_defaults(func=cmd_keys_list)
    p = keys_sub.add_parser("delete", help="remove a stored key")
    p.add_argument("provider_id", metavar="ID", choices=[i for i in PROVIDER_IDS if i != "offline"])
    p.set_defaults(func=cmd_keys_delete)
    p = keys_sub.add_parser(
        "test", help="check that the provider answers and accepts the key (nothing is billed)"
    )
    p.add_argument("provider_id", metavar="ID", choices=PROVIDER_IDS)
    p.set_defaults(func=cmd_keys_test)


# -- helpers ---------------------------------------------------------------------------------------


def _open(path: Path) -> Project:
    from foleydesk.cli.project_cmds import open_project

    return open_project(path)


def job_json(project: Project, job: Job) -> dict[str, Any]:
    take = project.takes.get(job.take_id) if job.take_id else None
    return {
        "id": job.id,
        "cue": job.cue_id,
        "provider": job.provider_id,
        "model": job.model_id,
        "state": job.state.value,
        "task_id": job.task_id,
        "status_text": job.status_text,
        "progress": job.progress,
        "error": job.error,
        "cost_estimate": job.cost_estimate,
        "seed": job.request.get("seed"),
        "submit_attempts": job.submit_attempts,
        "take": take.id if take else None,
        "file": str(project.take_path(take)) if take and take.file else None,
        "sha256": take.sha256 if take else None,
    }


def _print_job_table(jobs: list[Job]) -> None:
    if not jobs:
        print("no jobs")
        return
    print(f"{'job':>4} {'cue':>4}  {'provider':<10} {'state':<21} {'task id':<34} status")
    for job in jobs:
        text = job.error if job.state is JobState.FAILED else job.status_text
        print(
            f"{job.id:>4} {job.cue_id:>4}  {job.provider_id:<10} {job.state.value:<21} "
            f"{(job.task_id or '-'):<34} {text}"
        )


def _print_results(project: Project, jobs: list[Job], as_json: bool) -> int:
    current = [project.job(j.id) for j in jobs]
    if as_json:
        print_json([job_json(project, j) for j in current])
    else:
        for job in current:
            if job.state is JobState.DONE and job.take_id:
                # One line per take: a request with variations (Mirelo) made several.
                made = sorted(t.id for t in project.takes.values() if t.job_id == job.id)
                for take_id in made or [job.take_id]:
                    take = project.takes[take_id]
                    print(
                        f"take {take.id}  cue {job.cue_id}  "
                        f"{take.model_id or '-'}@{job.provider_id}  task {job.task_id}  "
                        f"seed {job.request.get('seed')}  ${job.cost_estimate:.4f}  "
                        f"{project.take_path(take)}"
                    )
            else:
                reason = job.error or job.status_text
                print(f"job {job.id}  cue {job.cue_id}  {job.state.value}: {reason}")
    unfinished = [j for j in current if j.state is not JobState.DONE]
    return EXIT_JOBS_UNFINISHED if unfinished else 0


class _Progress:
    """One line on stderr per change of a job's state or text (no carriage-return tricks, so
    logs stay readable when redirected)."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[str, str]] = {}
        self._start = time.monotonic()

    def __call__(self, event: JobEvent) -> None:
        key = (event.state.value, event.text)
        if self._last.get(event.job_id) == key:
            return
        self._last[event.job_id] = key
        pct = f" {event.progress * 100:3.0f}%" if event.progress else ""
        elapsed = time.monotonic() - self._start
        print(
            f"[{elapsed:6.1f}s] job {event.job_id}: {event.state.value}{pct}  {event.text}",
            file=sys.stderr,
            flush=True,
        )


async def _with_engine(project: Project, work: Any, settings: Settings | None = None) -> Any:
    async with make_client() as client:
        engine = JobEngine(project, client, settings or load_settings())
        engine.events.connect(_Progress())
        try:
            return await work(engine)
        finally:
            await engine.aclose()


# -- commands --------------------------------------------------------------------------------------


def cmd_providers(args: argparse.Namespace) -> int:
    settings = load_settings()
    rows = [
        describe(p, has_key(p.id) if p.capabilities.needs_key else True)
        for p in all_providers(settings)
    ]
    default = default_provider_id(settings)
    for row in rows:
        row["default"] = row["id"] == default
    if args.json:
        print_json(rows)
        return 0
    print(f"{'id':<11} {'key':<4} {'max s':>5} {'at once':>7}  pricing / name")
    for row in rows:
        key = "yes" if row["key_set"] else "no"
        if not row["needs_key"]:
            key = "-"
        mark = " (default)" if row["default"] else ""
        print(
            f"{row['id']:<11} {key:<4} {row['max_duration']:>5.0f} {row['concurrency']:>7}  "
            f"{row['pricing']}; {row['name']}{mark}"
        )
    return 0


def model_rows(settings: Settings) -> list[dict[str, Any]]:
    """One row per offering, as `foleydesk models --json` prints it."""
    rows: list[dict[str, Any]] = []
    for offering in offerings():
        model = offering.spec
        caps = get_provider(offering.host, settings, None, offering.model).capabilities
        rows.append(
            {
                "model": model.id,
                "name": model.name,
                "host": offering.host,
                "endpoint": offering.endpoint,
                "kinds": [k.value for k in model.kinds],
                "max_seconds": float(caps.max_duration),
                "best_seconds": float(caps.best_duration),
                "channels": model.channels,
                "sample_rate": model.sample_rate,
                "price": offering.pricing.text,
                "key_set": host_ready(offering.host, settings),
                "licence": model.licence,
            }
        )
    return rows


def cmd_models(args: argparse.Namespace) -> int:
    rows = model_rows(load_settings())
    if args.json:
        print_json(rows)
        return 0
    print(f"{'model':<15} {'host':<11} {'key':<4} {'best':>4} {'max':>4} {'ch':>2}  price; licence")
    for row in rows:
        print(
            f"{row['model']:<15} {row['host']:<11} {'yes' if row['key_set'] else 'no':<4} "
            f"{row['best_seconds']:>4.0f} {row['max_seconds']:>4.0f} {row['channels']:>2}  "
            f"{row['price']}; {row['licence']}"
        )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    settings = load_settings()
    with _open(args.project) as project:
        cue_ids = [c.id for c in project.sorted_cues()] if args.all else list(args.cues)
        if not cue_ids:
            raise UserError("The project has no cues.", "Add one with 'foleydesk cue add'.")
        # (host, model) -> cues; model "" = the cue's own or the host's default
        plan: dict[tuple[str, str], list[int]] = {}
        offerings = [resolve_offering(spec, settings) for spec in args.models or []]
        for cue_id in cue_ids:
            cue = project.cue(cue_id)
            if offerings:
                for offering in offerings:
                    plan.setdefault((offering.host, offering.model), []).append(cue.id)
                continue
            provider_id = args.provider or cue.provider_id or default_provider_id(settings)
            plan.setdefault((provider_id, ""), []).append(cue.id)

        params = _params(args)

        async def work(engine: JobEngine) -> list[Job]:
            jobs: list[Job] = []
            for (provider_id, model_id), ids in plan.items():
                if args.new_part:
                    for cue_id in ids:
                        jobs += engine.enqueue_new_part(
                            cue_id, provider_id, args.seed, params, model_id
                        )
                    continue
                jobs += engine.enqueue(
                    ids, provider_id, args.takes, args.seed, params, model_id, choose=args.choose
                )
            if args.wait:
                total = sum(j.cost_estimate for j in jobs)
                print(f"queued {len(jobs)} job(s), estimated ${total:.4f}", file=sys.stderr)
                await engine.run_until_idle()
            return jobs

        jobs = asyncio.run(_with_engine(project, work, settings))
        if args.wait:
            return _print_results(project, jobs, args.json)
        if args.json:
            print_json([job_json(project, j) for j in jobs])
        else:
            for job in jobs:
                print(job.id)
    return 0


def _params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {"steps": args.steps}
    if args.chunking:
        params["chunking"] = True
    if args.lyrics is not None:
        try:
            params["lyrics"] = args.lyrics.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(
                f"The lyrics file {args.lyrics} cannot be read ({exc}).",
                "Give a UTF-8 text file of LRC lines like '[00:04.50] words'.",
            ) from exc
    if args.style:
        params["style_prompt"] = args.style
    if args.music_prompt is not None:
        params["music_prompt"] = args.music_prompt
    if args.variations is not None:
        params["variations"] = args.variations
    if args.prompt_influence is not None:
        params["prompt_influence"] = args.prompt_influence
    if args.style_audio:
        value = args.style_audio
        params["style_audio"] = value if value == "source" else str(Path(value).resolve())
    return params


def cmd_jobs(args: argparse.Namespace) -> int:
    with _open(args.project) as project:
        jobs = sorted(project.jobs.values(), key=lambda j: j.id)
        runners = _runners(project, jobs)
        if args.json:
            print_json([{**job_json(project, j), "runner_pid": runners.get(j.id)} for j in jobs])
        else:
            shown = [
                dataclasses.replace(
                    j, status_text=f"{j.status_text} (in process {runners[j.id]})".lstrip()
                )
                if j.id in runners
                else j
                for j in jobs
            ]
            _print_job_table(shown)
    return 0


def _runners(project: Project, jobs: list[Job]) -> dict[int, int]:
    """Which live process runs each unfinished job (the app, or a `generate` elsewhere)."""
    leases = JobLeases(project.store)
    runners: dict[int, int] = {}
    for job in jobs:
        holder = None if job.state.finished else leases.held_elsewhere(job.id)
        if holder is not None:
            runners[job.id] = holder.pid
    return runners


def cmd_resume(args: argparse.Namespace) -> int:
    with _open(args.project) as project:
        before = project.unfinished_jobs()

        async def work(engine: JobEngine) -> list[Job]:
            if args.resend_uncertain or args.drop_uncertain:
                for job in project.unfinished_jobs():
                    if job.state is JobState.UNCERTAIN:
                        engine.resolve_uncertain(job.id, resend=args.resend_uncertain)
            return await engine.resume(wait=args.wait)

        waiting = asyncio.run(_with_engine(project, work))
        touched = [project.job(j.id) for j in before]
        if args.json:
            print_json([job_json(project, j) for j in touched])
        else:
            _print_job_table(touched)
        if waiting:
            print(
                f"{len(waiting)} job(s) lost the answer to their submit; the provider may be "
                "running them. Decide with 'resume --resend-uncertain' or '--drop-uncertain'.",
                file=sys.stderr,
            )
        unfinished = [j for j in touched if not j.state.finished]
        failed = [j for j in touched if j.state is JobState.FAILED]
        if waiting or failed or (args.wait and unfinished):
            return EXIT_JOBS_UNFINISHED
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    with _open(args.project) as project:
        job = project.job(args.job_id)
        if job.state.finished:
            print(f"job {job.id} is already {job.state.value}")
            return 0
        asyncio.run(_with_engine(project, lambda engine: engine.cancel_and_wait(job.id)))
        print(f"job {job.id}: {project.job(job.id).state.value}")
    return 0


def cmd_keys_set(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        value = getpass.getpass(f"API key for {args.provider_id} (not shown): ")
    else:
        value = sys.stdin.readline()
    set_key(args.provider_id, value)
    print(f"key for {args.provider_id} stored in the system keyring")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    sources = {pid: key_source(pid) for pid in PROVIDER_IDS if pid != "offline"}
    rows = [
        {"provider": pid, "key_set": source is not None, "source": source}
        for pid, source in sources.items()
    ]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['provider']:<11} {row['source'] or 'no key'}")
    return 0


def cmd_keys_delete(args: argparse.Namespace) -> int:
    if delete_key(args.provider_id):
        print(f"key for {args.provider_id} deleted")
    else:
        print(f"no stored key for {args.provider_id}")
    return 0


def cmd_keys_test(args: argparse.Namespace) -> int:
    """Exit 0 with what the host said; a refused key or no answer is a UserError (exit 2)."""
    settings = load_settings()

    async def probe() -> tuple[str, str]:
        async with make_client() as client:
            provider = get_provider(args.provider_id, settings, client)
            return provider.name, await provider.test_connection(client)

    name, text = asyncio.run(probe())
    print(f"{name}: {text}")
    return 0
