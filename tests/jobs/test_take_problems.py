"""A silent, clipped or much-too-short take is flagged in words and never chosen by itself; the
engine records the anchor (the range the job was made for) on every take."""

from __future__ import annotations

import asyncio
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.model import Cue, CueKind, Job, JobState, Take, TakeStatus
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.jobs.records import RecordWriter
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.media.take_check import cut_short, problems_text, take_problems, true_peak
from foleydesk.media.takes import read_wav
from tests.fakes.harness import generate, start_host

SR = 48_000


def test_problem_words() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal((SR * 2, 2)) * 0.1).astype(np.float32)
    assert take_problems(noise) == []
    assert take_problems(np.zeros((SR, 2), np.float32)) == ["silent"]
    assert take_problems(noise * 0.005) == ["silent"]  # about -66 dBFS RMS
    # A sound that ends (a slam, then nothing) is a good take; a file cut short is not.
    ends = noise.copy()
    ends[SR // 2 :] = 0.0
    assert take_problems(ends) == []
    assert take_problems(ends, short=True) == ["short"]
    assert cut_short(SR // 2, 2 * SR) and not cut_short(2 * SR - 1, 2 * SR)
    # Samples just under full scale whose waveform overshoots between them (a sine at fs/4
    # sampled at 45 degrees): sample peak 0.99, true peak 1.4.
    t = np.arange(SR)
    overs = (0.99 * np.sqrt(2) * np.sin(np.pi / 2 * t + np.pi / 4)).astype(np.float32)
    overs = np.clip(overs, -0.99, 0.99)
    assert float(np.abs(overs).max()) < 1.0 and true_peak(overs) > 1.0
    assert take_problems(np.stack([overs, overs], axis=1)) == ["clipped"]
    assert problems_text(["silent"]) == "silent (below -60 dBFS)"


def test_a_flagged_take_is_not_chosen_but_a_good_one_is(project: Project) -> None:
    cue = project.sorted_cues()[0]
    job = project.add_job(Job(0, cue.id, "offline", state=JobState.DOWNLOADING))
    writer = RecordWriter(project)

    async def land(problems: str) -> Take:
        take = Take(0, cue.id, "offline", status=TakeStatus.READY, file="x.wav", problems=problems)
        return await writer.add_take(take, job.id, state=JobState.DONE)

    silent = asyncio.run(land("silent"))
    assert project.cue(cue.id).chosen_take_id is None
    assert silent.problem_list == ["silent"]
    good = asyncio.run(land(""))
    assert project.cue(cue.id).chosen_take_id == good.id


def test_engine_anchors_each_take_to_its_job_range(project: Project) -> None:
    cue = project.sorted_cues()[0]
    generate(project, "offline")
    (take,) = project.takes_for(cue.id)
    assert (take.anchor_in_frame, take.anchor_out_frame) == (cue.in_frame, cue.out_frame)
    assert take.problems == ""


def test_generate_the_new_part_joins_it_to_the_chosen_take(project: Project) -> None:
    from foleydesk.core.commands import UndoStack, trim_cue
    from foleydesk.core.placement import file_time, not_generated
    from foleydesk.media.takes import read_wav
    from tests.fakes.harness import fast_settings, run_engine

    cue = project.sorted_cues()[0]
    generate(project, "offline")
    base = project.chosen_take(project.cue(cue.id))
    assert base is not None
    base_audio, _ = read_wav(project.take_path(base))
    UndoStack(project).push(trim_cue(cue.id, in_frame=cue.in_frame - 4))
    assert not_generated(project.cue(cue.id), base) == [(cue.in_frame - 4, cue.in_frame)]

    async def work(engine: JobEngine) -> list[int]:
        jobs = engine.enqueue_new_part(cue.id, "offline", seed=9)
        await engine.run_until_idle()
        return [j.id for j in jobs]

    (job_id,) = run_engine(project, fast_settings(), work)
    job = project.job(job_id)
    assert job.state is JobState.DONE
    assert job.request["in_frame"] == cue.in_frame - 4  # only the new part (and a little more)
    assert cue.in_frame < job.request["out_frame"] <= cue.in_frame + 7
    joined = project.chosen_take(project.cue(cue.id))
    assert joined is not None and joined.id != base.id  # chosen: what the user asked for
    assert (joined.anchor_in_frame, joined.anchor_out_frame) == (cue.in_frame - 4, cue.out_frame)
    assert not_generated(project.cue(cue.id), joined) == []
    audio, _ = read_wav(project.take_path(joined))
    grid = file_time(project.source.frame_rate)
    start = grid(cue.in_frame) - grid(cue.in_frame - 4)
    seam_end = grid(job.request["out_frame"]) - grid(cue.in_frame - 4)
    assert len(audio) == grid(cue.out_frame) - grid(cue.in_frame - 4)
    # After the crossfade the old take is there sample for sample, on its picture.
    assert np.array_equal(audio[seam_end:], base_audio[seam_end - start :])
    assert np.abs(audio[:start]).max() > 0  # the new part is not silence


def test_regenerate_whole_cue_chooses_the_new_take(project: Project) -> None:
    from tests.fakes.harness import fast_settings, run_engine

    cue = project.sorted_cues()[0]
    generate(project, "offline")
    first = project.cue(cue.id).chosen_take_id

    async def work(engine: JobEngine) -> None:
        engine.enqueue([cue.id], "offline", seed=11, choose=True)
        await engine.run_until_idle()

    run_engine(project, fast_settings(), work)
    chosen = project.cue(cue.id).chosen_take_id
    assert chosen is not None and chosen != first


def test_a_file_much_shorter_than_its_cue_is_flagged_and_not_chosen(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The host's file lasts 0.75 s for a 2 s cue: padded, flagged, not chosen."""
    cue = project.sorted_cues()[0]
    assert cue.duration(project.source.frame_rate) > 1
    server = start_host(monkeypatch, "piapi")
    server.result_seconds = Fraction(3, 4)  # the first click (0.4 s in) and no more
    with server:
        generate(project, "piapi")
    (take,) = project.takes_for(cue.id)
    assert take.problem_list == ["short"]
    assert project.cue(cue.id).chosen_take_id is None


def test_a_sketch_that_ends_in_silence_is_a_good_take(tmp_path: Path) -> None:
    """Footsteps with one motion onset: a hit, then nothing. Today it was called 'much shorter
    than its cue' and never chosen, so a headless generate-then-export wrote no clip for it."""
    clip = tmp_path / "clip.mp4"
    pattern = "testsrc2=size=320x240:rate=25"
    command = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", pattern, "-t", "6"]
    subprocess.run([*command, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)], check=True)
    source = source_media_from_info(probe(clip))
    with Project.create(tmp_path / "p.foleydesk", source) as project:
        lane = project.default_lane(CueKind.FOLEY)
        project.add_cue(Cue(0, lane.id, 25, 75, prompt="footsteps on gravel"))
        generate(project, "offline")
        (take,) = project.takes_for(1)
        audio, _ = read_wav(project.take_path(take))
        assert np.abs(audio[-audio.shape[0] // 2 :]).max() == 0  # the sound ends early...
        assert take.problems == ""  # ...and that is not a problem
        assert project.cue(1).chosen_take_id == take.id
