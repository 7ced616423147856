"""A take stays on the picture it was made for, in every render: the issue's "Today" (an in point
dragged 23 frames earlier at 23.976 from 01:00:00:00 slid the take 0.96 s early)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.commands import UndoStack, move_cue, trim_cue
from foleydesk.core.model import Cue, SourceMedia, Take, TakeStatus
from foleydesk.core.project import Project, fingerprint
from foleydesk.core.timebase import frame_to_sample
from foleydesk.media.render import file_grid, mix_mixer, render_cue_clip, render_lane_stem
from foleydesk.media.takes import read_wav, write_wav
from foleydesk.playback.mixer import Mixer as PlaybackMixer
from foleydesk.playback.mixer import MixSettings, TakeCache, build_plan

RATE = Fraction(24000, 1001)
TC_ONE_HOUR = 24 * 3600  # 01:00:00:00 at 23.976 (timebase 24, non-drop)
CLICK_AT = 4800  # take sample of the click (0.1 s into the take)


def _click_positions(samples: np.ndarray) -> list[int]:
    mono = np.abs(samples).max(axis=1) if samples.ndim == 2 else np.abs(samples)
    hits = np.flatnonzero(mono > 0.5)
    return [int(h) for i, h in enumerate(hits) if i == 0 or h - hits[i - 1] > 100]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    video = tmp_path / "reel.mov"
    video.write_bytes(b"a stand-in for the ProRes reel" * 1000)
    frames = 24 * 20
    source = SourceMedia(
        str(video), video.name, fingerprint(video), Fraction(frames) / RATE, RATE, frames,
        1920, 1080, start_timecode_frames=TC_ONE_HOUR,
    )  # fmt: skip
    project = Project.create(tmp_path / "reel.foleydesk", source)
    project.ensure_media_dirs()
    lane = project.sorted_lanes()[0]
    # 01:00:03:06 - 01:00:04:23 (the out point's frame included)
    cue = project.add_cue(Cue(0, lane.id, 3 * 24 + 6, 4 * 24 + 23 + 1, prompt="door"))
    length = frame_to_sample(cue.out_frame, RATE) - frame_to_sample(cue.in_frame, RATE)
    audio = np.full((length, 2), 0.01, np.float32)
    audio[CLICK_AT : CLICK_AT + 20] = 0.9
    write_wav(project.takes_dir / "door.wav", audio)
    take = project.add_take(
        Take(0, cue.id, "offline", status=TakeStatus.READY, file="takes/door.wav")
    )
    project.update_cue(cue.id, chosen_take_id=take.id)
    return project


def _stem_clicks(project: Project, out: Path) -> tuple[list[int], np.ndarray]:
    render_lane_stem(project, project.sorted_lanes()[0], out)
    samples, _ = read_wav(out)
    return _click_positions(samples), samples


def test_dragging_the_in_point_earlier_keeps_every_sound_on_its_picture(
    project: Project, tmp_path: Path
) -> None:
    cue = project.sorted_cues()[0]
    click = frame_to_sample(cue.in_frame, RATE) + CLICK_AT  # on the source's own clock
    before, _ = _stem_clicks(project, tmp_path / "before.wav")
    assert before == [click]
    UndoStack(project).push(trim_cue(cue.id, in_frame=cue.in_frame - 23))
    after, stem = _stem_clicks(project, tmp_path / "after.wav")
    assert after == [click]  # today: 0.96 s (23 frames) early
    new_in = frame_to_sample(cue.in_frame - 23, RATE)
    assert not stem[new_in : frame_to_sample(cue.in_frame, RATE)].any()  # not generated: silent
    # The cue clip (drag-out, per-cue export) starts at the new in point and agrees.
    clip = render_cue_clip(project, project.cue(cue.id), tmp_path / "clip.wav")
    samples, _ = read_wav(clip.path)
    assert clip.start_frame == cue.in_frame - 23
    assert _click_positions(samples) == [click - new_in]


def test_playback_plays_what_the_stem_holds(project: Project, tmp_path: Path) -> None:
    cue = project.sorted_cues()[0]
    UndoStack(project).push(
        trim_cue(cue.id, in_frame=cue.in_frame - 23, out_frame=cue.out_frame - 10)
    )
    take = project.takes[cue.chosen_take_id or 0]
    project.update_take(take.id, gain_db=-3.0, fade_in_samples=300, fade_out_samples=4000)
    total = frame_to_sample(project.source.frame_count, RATE)
    played = np.zeros((total, 2), np.float32)
    mixer = PlaybackMixer(None)
    mixer.set_plan(build_plan(project, MixSettings(), TakeCache()), crossfade=False)
    for start in range(0, total, 4096):
        mixer.render(start, played[start : start + 4096])
    exported = mix_mixer(project, file_grid(project), include_original=False).block(0, total)
    assert np.array_equal(played, exported)
    assert _click_positions(played) == [frame_to_sample(cue.in_frame, RATE) + CLICK_AT]


def test_moving_the_cue_moves_the_take(project: Project, tmp_path: Path) -> None:
    cue = project.sorted_cues()[0]
    UndoStack(project).push(move_cue(project, cue.id, 48))
    clicks, _ = _stem_clicks(project, tmp_path / "moved.wav")
    assert clicks == [frame_to_sample(cue.in_frame + 48, RATE) + CLICK_AT]
    assert project.takes[cue.chosen_take_id or 0].moved_frames == 48
