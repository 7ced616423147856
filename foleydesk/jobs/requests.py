"""What a job asks for: the cue snapshot stored on the job, and the provider request built
from it. Pure functions, so the engine's bookkeeping stays readable."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.core.model import Cue, CueKind, Job
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE, Rounding, time_to_sample
from foleydesk.providers.base import GenerationRequest


def seeds_for(seed: int | None, takes: int) -> list[int]:
    """seed, seed+1, ... (or random seeds, recorded so every take can be made again)."""
    if seed is not None:
        return [seed + i for i in range(takes)]
    return [random.randrange(1, 2**31) for _ in range(takes)]


def build_request(cue: Cue, seed: int | None, params: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of a cue a job runs on (later edits to the cue do not change the job)."""
    merged = {**cue.params, **params}
    return {
        "kind": cue.kind.value,
        "prompt": cue.prompt,
        "negative_prompt": cue.negative_prompt,
        "in_frame": cue.in_frame,
        "out_frame": cue.out_frame,
        "seed": seed,
        "steps": merged.get("steps"),
        "cfg_strength": merged.get("cfg_strength"),
        "mask_away_clip": bool(merged.get("mask_away_clip", False)),
        "lyrics": merged.get("lyrics", ""),
        "style_prompt": merged.get("style_prompt", ""),
        "style_audio": str(merged.get("style_audio") or ""),
        "chunking": bool(merged.get("chunking", False)),
        "music_prompt": str(merged.get("music_prompt") or ""),
        "variations": int(merged.get("variations") or 1),
        "prompt_influence": merged.get("prompt_influence"),
        "params": merged,
    }


def job_range(job: Job, rate: Fraction) -> tuple[Fraction, Fraction]:
    """The job's range in source seconds (in inclusive, out exclusive)."""
    return Fraction(job.request["in_frame"]) / rate, Fraction(job.request["out_frame"]) / rate


def length_samples(job: Job, rate: Fraction) -> int:
    start, end = job_range(job, rate)
    return time_to_sample(end - start, PROJECT_SAMPLE_RATE, Rounding.NEAREST)


def generation_request(job: Job, rate: Fraction, segment: Path | None = None) -> GenerationRequest:
    r = job.request
    style = str(r.get("style_audio") or "")
    start, end = job_range(job, rate)
    return GenerationRequest(
        kind=CueKind(r.get("kind", "foley")),
        prompt=r.get("prompt", ""),
        duration=end - start,
        negative_prompt=r.get("negative_prompt", ""),
        seed=r.get("seed"),
        steps=r.get("steps"),
        cfg_strength=r.get("cfg_strength"),
        mask_away_clip=bool(r.get("mask_away_clip", False)),
        segment=segment,
        lyrics=r.get("lyrics", ""),
        style_prompt=r.get("style_prompt", ""),
        style_audio=Path(style) if style and style != "source" else None,
        style_audio_source=style == "source",
        chunking=bool(r.get("chunking", False)),
        music_prompt=str(r.get("music_prompt") or ""),
        variations=int(r.get("variations") or 1),
        prompt_influence=r.get("prompt_influence"),
    )


def with_chunk(request: dict[str, Any], index: int | None, **fields: Any) -> dict[str, Any]:
    """The request with chunk `index` changed (a chunked job's plan lives in its request)."""
    request = dict(request)
    if index is not None:
        chunks = [dict(c) for c in request["chunks"]]
        chunks[index].update(fields)
        request["chunks"] = chunks
    return request


def forget_unfinished_chunks(request: dict[str, Any], keep_task_ids: bool) -> dict[str, Any]:
    """The request with its chunks' in-flight marks cleared (chunks already fetched stay).

    keep_task_ids: tasks the host knows are polled again; otherwise (a local provider whose
    tasks died with the app) they are forgotten and sent again."""
    if not request.get("chunks"):
        return request
    chunks = []
    for chunk in request["chunks"]:
        chunk = dict(chunk)
        if not chunk.get("done"):
            chunk["sent"] = False
            if not keep_task_ids:
                chunk["task_id"] = None
        chunks.append(chunk)
    return {**request, "chunks": chunks}


def take_name(job: Job, provider_id: str) -> str:
    """A take's file name: from the job, never from anything a host sent."""
    return f"cue{job.cue_id}-job{job.id}-{provider_id}-seed{job.request.get('seed')}.wav"
