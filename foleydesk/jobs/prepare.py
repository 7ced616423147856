"""The CPU side of a job, run on the engine's worker threads: cutting the upload segment,
making a music cue's style reference, writing the take and its checksum."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk.core.model import Job
from foleydesk.core.project import Project
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.errors import UserError
from foleydesk.jobs.requests import job_range
from foleydesk.loopguard import off_loop
from foleydesk.providers.base import Capabilities, GenerationRequest

STYLE_LEAST = Fraction(10)
STYLE_MOST = Fraction(30)

Piece = tuple[Fraction, Fraction]


def sha256_of(path: Path) -> str:
    off_loop("hashing a file")
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def segment_path(project: Project, job: Job, caps: Capabilities, piece: Piece | None) -> Path:
    """Where the job's upload segment is cached (same range and spec: cut once)."""
    span = f"{job.request['in_frame']}-{job.request['out_frame']}"
    if piece is not None:
        span += f"-chunk{float(piece[0]):.3f}-{float(piece[1]):.3f}"
    fps = caps.segment_fps  # models sampling other rates get their own cut, never a 25 fps one
    rate = str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}_{fps.denominator}"
    name = f"cue{job.cue_id}-{span}-{caps.segment_short_side}p{caps.max_upload_bytes // 1024}k"
    name += f"-{rate}fps"
    return project.segments_dir / f"{name}.mp4"


def cut_job_segment(project: Project, job: Job, caps: Capabilities, piece: Piece | None) -> Path:
    """The range (or one chunk of it) as the provider wants it, cut once and cached."""
    from foleydesk.media.segments import SegmentSpec, cut_segment

    start, end = piece or job_range(job, project.source.frame_rate)
    spec = SegmentSpec(
        fps=caps.segment_fps,
        short_side=caps.segment_short_side,
        max_bytes=caps.max_upload_bytes,
        max_duration=caps.max_duration,
        audio=caps.needs_upload,  # hosts get the range's sound too; the offline sketch not
    )
    out = segment_path(project, job, caps, piece)
    if out.is_file() and out.stat().st_size > 0:
        return out
    project.segments_dir.mkdir(parents=True, exist_ok=True)
    return cut_segment(project.require_source(), start, end, spec, out)


def style_reference(project: Project, job: Job, request: GenerationRequest) -> Path:
    """A music cue's style reference as a compact WAV of 10-30 s (mono 16-bit: a style needs
    no more, and PiAPI's 10 MB cap is on the base64 text): the chosen file, or the source's
    own sound under the cue."""
    from foleydesk.media.audio import decode_audio
    from foleydesk.media.takes import write_wav

    if request.style_audio_source:
        start, end = job_range(job, project.source.frame_rate)
        if not project.source.has_audio:
            raise UserError(
                "The source video has no sound to use as the style reference.",
                "Choose a reference file instead.",
            )
        samples = decode_audio(
            project.require_source(), start, min(end, start + STYLE_MOST), channels=1
        )
        name = "the sound under the cue"
    else:
        assert request.style_audio is not None
        samples = decode_audio(request.style_audio, Fraction(0), STYLE_MOST, channels=1)
        name = request.style_audio.name
    seconds = Fraction(samples.shape[0], PROJECT_SAMPLE_RATE)
    if seconds < STYLE_LEAST:
        raise UserError(
            f"The style reference ({name}) is {float(seconds):.1f} s long; it needs at "
            f"least {STYLE_LEAST} s.",
            "Choose a longer reference.",
        )
    out = project.cache_dir / f"job{job.id}-style.wav"
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    return write_wav(out, samples, PROJECT_SAMPLE_RATE, "pcm16")


def write_take(path: Path, samples: Any) -> str:
    """The take as a 48 kHz float WAV (atomic), and the sha256 recorded on the Take."""
    from foleydesk.media.takes import write_wav

    write_wav(path, samples)
    return sha256_of(path)
