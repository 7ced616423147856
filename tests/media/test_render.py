"""Rendering: clicks in takes land at the right sample of clips, lane stems and the mix."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.project import Project
from foleydesk.media.bwf import read_bwf_info, read_bwf_samples, time_reference_for
from foleydesk.media.render import (
    ORIGINAL_GAIN_KEY,
    ORIGINAL_MUTE_KEY,
    RenderCancelled,
    render_cue_clip,
    render_lane_stem,
    render_mix,
)
from tests.interchange.sources import SR, add_cue_with_take, make_project, make_source, peak_index

NTSC_FILM = Fraction(24000, 1001)
NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def film_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("film")
    return make_source(folder / "film.mov", NTSC_FILM, 72, "00:59:58:00", audio_clicks=(30_000,))


@pytest.fixture(scope="module")
def df_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("df")
    return make_source(folder / "df.mov", NTSC, 60, "01:00:00;00", audio=False)


def _true_time_of(path: Path, index: int) -> Fraction:
    """Seconds since midnight of sample `index` of a BWF file."""
    return Fraction(read_bwf_info(path).time_reference + index, SR)


def test_cue_clip_starts_at_the_cue_timecode_and_holds_the_click(
    tmp_path: Path, film_source: Path
) -> None:
    project = make_project(tmp_path, film_source)
    cue, _ = add_cue_with_take(project, 1, 10, 34, 1000, label="door")
    clip = render_cue_clip(project, cue, tmp_path / "door.wav")
    # 00:59:58:00 = 86352 frames; the cue starts 10 frames later; 2002 samples per frame
    assert clip.time_reference == (86352 + 10) * 2002
    assert read_bwf_info(clip.path).time_reference == (86352 + 10) * 2002
    samples = read_bwf_samples(clip.path)
    assert samples.shape == (24 * 2002, 2)
    assert peak_index(samples) == 1000
    assert (clip.start_frame, clip.frames) == (10, 24)


def test_lane_stem_is_full_length_from_the_source_start(tmp_path: Path, film_source: Path) -> None:
    project = make_project(tmp_path, film_source)
    add_cue_with_take(project, 1, 10, 34, 1000)
    add_cue_with_take(project, 1, 40, 50, 7)
    add_cue_with_take(project, 2, 0, 5, 3)  # other lane: not in lane 1's stem
    progress: list[float] = []
    stem = render_lane_stem(
        project, project.lane_by_number(1), tmp_path / "lane1.wav", progress=progress.append
    )
    assert stem.time_reference == 86352 * 2002
    samples = read_bwf_samples(stem.path)[:, 0]
    assert len(samples) == 72 * 2002
    hits = sorted(np.flatnonzero(np.abs(samples) > 0.85).tolist())
    assert hits == [10 * 2002 + 1000, 40 * 2002 + 7]
    assert progress[-1] == 1.0 and progress == sorted(progress)


@pytest.mark.parametrize("in_frame", [7, 13, 31])
@pytest.mark.parametrize("offset", [0, 37, -500])
def test_sub_frame_placement_at_2997_df_lands_within_a_millisecond(
    tmp_path: Path, df_source: Path, in_frame: int, offset: int
) -> None:
    project = make_project(tmp_path, df_source)
    cue, _ = add_cue_with_take(project, 1, in_frame, in_frame + 10, 2000, offset=offset)
    clip = render_cue_clip(project, cue, tmp_path / "c.wav", handle_frames=2)
    info = read_bwf_info(clip.path)
    assert info.timecode_flag == "DF" and info.timecode_rate == NTSC
    assert info.time_reference == time_reference_for(107892 + clip.start_frame, NTSC)
    # The true position of the click: the cue's timecode, plus the offset, plus 2000 samples.
    expected = Fraction(107892 + in_frame) / NTSC + Fraction(offset + 2000, SR)
    found = _true_time_of(clip.path, peak_index(read_bwf_samples(clip.path)))
    assert abs(found - expected) < Fraction(1, 1000)
    assert abs(found - expected) <= Fraction(1, SR)  # in fact within a sample
    # A negative offset puts audio before the cue: a handle frame keeps it.
    assert clip.handle_before == (1 if offset < 0 else 0)
    assert clip.start_frame == in_frame - clip.handle_before


def test_stem_and_clip_agree_on_the_click_position(tmp_path: Path, df_source: Path) -> None:
    project = make_project(tmp_path, df_source)
    cue, _ = add_cue_with_take(project, 1, 13, 23, 500, offset=11)
    clip = render_cue_clip(project, cue, tmp_path / "c.wav")
    stem = render_lane_stem(project, project.lane_by_number(1), tmp_path / "s.wav")
    at_clip = _true_time_of(clip.path, peak_index(read_bwf_samples(clip.path)))
    at_stem = _true_time_of(stem.path, peak_index(read_bwf_samples(stem.path)))
    assert abs(at_clip - at_stem) <= Fraction(1, SR)


def test_gain_fades_mute_and_solo(tmp_path: Path, film_source: Path) -> None:
    project = make_project(tmp_path, film_source)
    cue_a, take_a = add_cue_with_take(project, 1, 0, 10, 100, gain_db=-6.0)
    add_cue_with_take(project, 2, 20, 30, 100)
    project.update_lane(project.lane_by_number(1).id, gain_db=-6.0)
    project.store.set_meta(ORIGINAL_MUTE_KEY, "1")
    mix = read_bwf_samples(render_mix(project, tmp_path / "m.wav").path)[:, 0]
    assert mix[100] == pytest.approx(0.9 * 10 ** (-12 / 20), abs=1e-5)
    assert mix[20 * 2002 + 100] == pytest.approx(0.9, abs=1e-5)

    project.update_lane(project.lane_by_number(2).id, mute=True)
    mix = read_bwf_samples(render_mix(project, tmp_path / "m.wav").path)[:, 0]
    assert np.max(np.abs(mix[20 * 2002 :])) == 0.0
    assert abs(mix[100]) > 0.2

    project.update_lane(project.lane_by_number(2).id, mute=False, solo=True)
    mix = read_bwf_samples(render_mix(project, tmp_path / "m.wav").path)[:, 0]
    assert np.max(np.abs(mix[: 20 * 2002])) == 0.0  # lane 1 is not soloed
    assert mix[20 * 2002 + 100] == pytest.approx(0.9, abs=1e-5)

    # A fade-in of 200 samples: the click at take sample 100 sits halfway up the ramp
    # (sampled mid-sample, as the playback mixer does).
    project.update_take(take_a.id, fade_in_samples=200)
    clip = read_bwf_samples(render_cue_clip(project, cue_a, tmp_path / "a.wav").path)[:, 0]
    assert clip[100] == pytest.approx(0.9 * 10 ** (-12 / 20) * 100.5 / 200, abs=1e-4)


def test_mix_carries_the_original_audio_in_sync(tmp_path: Path, film_source: Path) -> None:
    project = make_project(tmp_path, film_source)
    add_cue_with_take(project, 1, 40, 50, 123)
    mix = read_bwf_samples(render_mix(project, tmp_path / "mix.wav").path)[:, 0]
    loud = np.flatnonzero(np.abs(mix) > 0.85).tolist()
    assert loud == [30_000, 40 * 2002 + 123]  # the source's own click and the take's
    silent = read_bwf_samples(
        render_mix(project, tmp_path / "nomix.wav", include_original=False).path
    )[:, 0]
    assert np.flatnonzero(np.abs(silent) > 0.85).tolist() == [40 * 2002 + 123]
    project.store.set_meta(ORIGINAL_GAIN_KEY, "-6")
    quieter = read_bwf_samples(render_mix(project, tmp_path / "mix.wav").path)[:, 0]
    assert quieter[30_000] == pytest.approx(mix[30_000] * 10 ** (-6 / 20), abs=1e-4)


def test_cancel_leaves_no_file_and_keeps_the_old_one(tmp_path: Path, film_source: Path) -> None:
    project = make_project(tmp_path, film_source)
    add_cue_with_take(project, 1, 10, 34, 1000)
    out = tmp_path / "out"
    out.mkdir()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenderCancelled):
        render_mix(project, out / "mix.wav", cancel=cancel)
    assert list(out.iterdir()) == []

    render_mix(project, out / "mix.wav")
    before = (out / "mix.wav").read_bytes()
    cancel = threading.Event()

    def stop_halfway(fraction: float) -> None:
        if fraction > 0.3:
            cancel.set()

    with pytest.raises(RenderCancelled):
        render_lane_stem(
            project,
            project.lane_by_number(1),
            out / "mix.wav",
            progress=stop_halfway,
            cancel=cancel,
        )
    assert (out / "mix.wav").read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["mix.wav"]


def test_cue_without_take_is_a_clear_error(tmp_path: Path, film_source: Path) -> None:
    from foleydesk.core.model import Cue
    from foleydesk.errors import UserError

    project: Project = make_project(tmp_path, film_source)
    cue = project.add_cue(Cue(0, project.lane_by_number(1).id, 0, 5, label="rain"))
    with pytest.raises(UserError, match="rain has no chosen take"):
        render_cue_clip(project, cue, tmp_path / "x.wav")
