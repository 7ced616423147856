"""Mono takes stay mono, stereo takes stereo: cue clips, lane stems, the stems folder and the
muxed video, each checked by what an editor hears (a click at its sample, in its channel)."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from foleydesk.cli import main
from foleydesk.core.project import Project
from foleydesk.media.bwf import read_bwf_info, read_bwf_samples
from foleydesk.media.loudness import measure_file
from foleydesk.media.mux import mux_video
from foleydesk.media.normalize import PRESETS
from foleydesk.media.probe import MediaError
from foleydesk.media.render import render_cue_clip, render_lane_stem, render_mix
from foleydesk.media.stem_loudness import REPORT_JSON, LoudnessPlan
from foleydesk.media.stems import StemOptions, export_stems
from tests.interchange.sources import CLICK, SR, add_cue_with_take, make_project, make_source

FRAME = SR // 25  # samples per frame at 25 fps


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("channels")
    return make_source(folder / "shot.mov", Fraction(25), 100, "01:00:00:00", audio=False)


def ffprobe_channels(path: Path) -> list[int]:
    """Channels of every audio stream, as ffprobe (not our reader) sees the file."""
    query = ["-select_streams", "a", "-show_entries", "stream=channels", "-of", "json"]
    out = subprocess.run(
        ["ffprobe", "-v", "error", *query, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [int(s["channels"]) for s in json.loads(out)["streams"]]


def take_audio(length: int, clicks: dict[int, int], channels: int) -> npt.NDArray[np.float32]:
    """(length, channels) silence with one click per channel at the given take sample."""
    out = np.zeros((length, channels), np.float32)
    for channel, at in clicks.items():
        out[at : at + len(CLICK), channel] = CLICK
    return out


def add_take(
    project: Project,
    lane: int,
    in_frame: int,
    out_frame: int,
    clicks: dict[int, int],
    channels: int,
    pan: float = 0.0,
    label: str = "",
) -> int:
    length = (out_frame - in_frame) * FRAME
    cue, take = add_cue_with_take(
        project,
        lane,
        in_frame,
        out_frame,
        0,
        label=label,
        samples=take_audio(length, clicks, channels),
    )
    if pan:
        project.update_take(take.id, pan=pan)
    return cue.id


def peak(samples: npt.NDArray[np.float32], channel: int) -> int:
    return int(np.argmax(np.abs(samples[:, channel])))


def test_mono_take_gives_a_mono_clip_with_the_click_at_its_sample(
    tmp_path: Path, source: Path
) -> None:
    project = make_project(tmp_path, source)
    # The click is generated 3 frames and 5 samples into the cue (cue in at frame 20).
    cue_id = add_take(project, 1, 20, 30, {0: 3 * FRAME + 5}, channels=1, label="step")
    clip = render_cue_clip(project, project.cue(cue_id), tmp_path / "step.wav")
    assert ffprobe_channels(clip.path) == [1]
    assert clip.channels == 1
    info = read_bwf_info(clip.path)
    assert info.channels == 1 and info.ixml["TRACK_NAMES"] == "step"
    assert info.time_reference == (25 * 3600 + 20) * FRAME  # 01:00:00:20
    samples = read_bwf_samples(clip.path)
    assert samples.shape == (10 * FRAME, 1)
    assert peak(samples, 0) == 3 * FRAME + 5
    assert abs(float(samples[3 * FRAME + 5, 0]) - 0.9) < 1e-4  # full level, not split in two


def test_stereo_take_keeps_its_left_and_right(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    cue_id = add_take(project, 1, 20, 30, {0: 1000, 1: 7000}, channels=2, label="car")
    clip = render_cue_clip(project, project.cue(cue_id), tmp_path / "car.wav")
    assert ffprobe_channels(clip.path) == [2] and clip.channels == 2
    assert read_bwf_info(clip.path).ixml["TRACK_NAMES"] == "car L|car R"
    samples = read_bwf_samples(clip.path)
    assert (peak(samples, 0), peak(samples, 1)) == (1000, 7000)
    assert np.abs(samples[7000:7004, 0]).max() == 0.0  # the right's click is not in the left


@pytest.mark.parametrize(("pan", "louder"), [(-0.6, 0), (1.0, 1)])
def test_panned_mono_take_gives_a_stereo_clip_louder_where_pan_says(
    tmp_path: Path, source: Path, pan: float, louder: int
) -> None:
    project = make_project(tmp_path, source)
    cue_id = add_take(project, 1, 20, 30, {0: 2 * FRAME}, channels=1, pan=pan)
    clip = render_cue_clip(project, project.cue(cue_id), tmp_path / "p.wav")
    assert ffprobe_channels(clip.path) == [2] and clip.channels == 2
    samples = read_bwf_samples(clip.path)
    loud = np.abs(samples[:, louder]).max()
    quiet = np.abs(samples[:, 1 - louder]).max()
    assert abs(float(loud) - 0.9) < 1e-4
    assert quiet < 0.5 * loud
    assert peak(samples, louder) == 2 * FRAME


def test_lane_of_mono_takes_is_a_mono_stem(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    add_take(project, 1, 10, 20, {0: 100}, channels=1)
    add_take(project, 1, 50, 60, {0: 200}, channels=1)
    stem = render_lane_stem(project, project.lane_by_number(1), tmp_path / "lane.wav")
    assert ffprobe_channels(stem.path) == [1] and stem.channels == 1
    info = read_bwf_info(stem.path)
    assert info.ixml["TRACK_NAMES"] == "Foley 1"
    samples = read_bwf_samples(stem.path)
    assert samples.shape == (100 * FRAME, 1)
    hits = np.flatnonzero(np.abs(samples[:, 0]) > 0.8).tolist()
    assert hits == [10 * FRAME + 100, 50 * FRAME + 200]
    # The mix is a deliverable: stereo, the mono takes centred in it.
    mix = render_mix(project, tmp_path / "mix.wav")
    assert ffprobe_channels(mix.path) == [2] and mix.channels == 2
    both = read_bwf_samples(mix.path)
    assert both[10 * FRAME + 100, 0] == both[10 * FRAME + 100, 1] != 0


def test_lane_mixing_mono_and_stereo_is_stereo_with_the_mono_centred(
    tmp_path: Path, source: Path
) -> None:
    project = make_project(tmp_path, source)
    add_take(project, 1, 10, 20, {0: 100}, channels=1)
    add_take(project, 1, 50, 60, {0: 300, 1: 900}, channels=2)
    stem = render_lane_stem(project, project.lane_by_number(1), tmp_path / "lane.wav")
    assert ffprobe_channels(stem.path) == [2] and stem.channels == 2
    assert read_bwf_info(stem.path).ixml["TRACK_NAMES"] == "Foley 1 L|Foley 1 R"
    samples = read_bwf_samples(stem.path)
    mono_at = 10 * FRAME + 100
    np.testing.assert_array_equal(
        samples[mono_at : mono_at + 4, 0], samples[mono_at : mono_at + 4, 1]
    )
    assert abs(float(samples[mono_at, 0]) - 0.9) < 1e-4
    left = np.flatnonzero(np.abs(samples[50 * FRAME :, 0]) > 0.8).tolist()
    right = np.flatnonzero(np.abs(samples[50 * FRAME :, 1]) > 0.8).tolist()
    assert (left, right) == ([300], [900])


def test_empty_lane_stem_is_stereo_silence(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    stem = render_lane_stem(project, project.lane_by_number(2), tmp_path / "empty.wav")
    assert ffprobe_channels(stem.path) == [2] and stem.channels == 2
    assert not read_bwf_samples(stem.path).any()


def test_stems_folder_keeps_mono_measures_it_and_follows_a_pan_change(
    tmp_path: Path, source: Path
) -> None:
    project = make_project(tmp_path, source)
    cue_id = add_take(project, 1, 10, 20, {0: 100}, channels=1, label="step")
    add_take(project, 2, 30, 40, {0: 50, 1: 60}, channels=2, label="car")
    folder = tmp_path / "stems"
    out = export_stems(project, folder, StemOptions(category_stems=True, m_and_e=True))
    lane1, lane2 = (project.lane_by_number(n).id for n in (1, 2))
    assert ffprobe_channels(out.clips[cue_id].path) == [1]
    assert out.clips[cue_id].rendered.channels == 1
    assert ffprobe_channels(out.lane_stems[lane1].path) == [1]
    assert ffprobe_channels(out.lane_stems[lane2].path) == [2]
    assert out.mix is not None and ffprobe_channels(out.mix.path) == [2]
    for group in out.groups.values():  # category stems and the M&E are deliverables: stereo
        assert ffprobe_channels(group.path) == [2] and group.rendered.channels == 2
    # The mono files are measured like the others (a click is loud enough for a figure).
    report = json.loads((folder / REPORT_JSON).read_text())["files"]
    by_name = {row["file"]: row for row in report}
    assert by_name[out.clips[cue_id].name]["true_peak_dbtp"] is not None
    assert by_name[out.lane_stems[lane1].name]["true_peak_dbtp"] is not None

    again = export_stems(project, folder, StemOptions(category_stems=True, m_and_e=True))
    assert again.written == []  # nothing changed: found up to date, channels remembered
    assert again.clips[cue_id].rendered.channels == 1
    assert again.lane_stems[lane1].rendered.channels == 1

    take_id = project.cue(cue_id).chosen_take_id or 0
    project.update_take(take_id, pan=-1.0)  # panned hard left: now a stereo clip and stem
    panned = export_stems(project, folder, StemOptions(category_stems=True, m_and_e=True))
    assert out.clips[cue_id].path in panned.written
    assert ffprobe_channels(panned.clips[cue_id].path) == [2]
    assert ffprobe_channels(panned.lane_stems[lane1].path) == [2]
    samples = read_bwf_samples(panned.clips[cue_id].path)
    assert peak(samples, 0) == 100 and not samples[:, 1].any()


def test_muxed_video_lane_tracks_follow_their_stems(tmp_path: Path) -> None:
    src = make_source(tmp_path / "shot.mp4", Fraction(25), 75, audio_clicks=(5000,))
    project = make_project(tmp_path, src)
    add_take(project, 1, 10, 20, {0: 700}, channels=1)
    add_take(project, 2, 30, 40, {0: 50, 1: 60}, channels=2)
    for suffix in (".mov", ".mp4"):
        out = tmp_path / f"tracks{suffix}"
        mux_video(project, out, "tracks")
        # Mix, Original, Foley 1 (mono), Foley 2 (stereo), then the production AAC copied.
        assert ffprobe_channels(out) == [2, 2, 1, 2, 2]
    with av.open(str(tmp_path / "tracks.mov")) as container:
        stream = container.streams.audio[2]
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(stream)]
    lane = np.concatenate(frames).astype(np.float64) / 2**31
    hits = np.flatnonzero(np.abs(lane) > 0.8).tolist()
    assert hits == [10 * FRAME + 700]


def test_mono_lane_stem_normalised_to_a_target_stays_mono(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    length = 50 * FRAME
    tone = 0.05 * np.sin(2 * np.pi * 1000 * np.arange(length) / SR).astype(np.float32)
    add_cue_with_take(project, 1, 20, 70, 0, samples=tone[:, None])
    target = PRESETS["ebu-r128"]
    out = export_stems(
        project, tmp_path / "stems", StemOptions(loudness=LoudnessPlan(target, "lanes"))
    )
    stem = out.lane_stems[project.lane_by_number(1).id]
    assert ffprobe_channels(stem.path) == [1] and stem.rendered.channels == 1
    measured = measure_file(stem.path)
    assert measured.integrated is not None and abs(measured.integrated - target.integrated) < 0.5
    assert stem.loudness["applied"] != "none"
    samples = read_bwf_samples(stem.path)
    assert not samples[: 20 * FRAME].any() and samples[20 * FRAME + 10 :, 0].any()


def test_damaged_take_file_is_a_clear_error_before_anything_is_written(
    tmp_path: Path, source: Path
) -> None:
    project = make_project(tmp_path, source)
    cue_id = add_take(project, 1, 10, 20, {0: 100}, channels=1)
    take = project.takes[project.cue(cue_id).chosen_take_id or 0]
    project.take_path(take).write_bytes(b"RIFF\x04\x00\x00\x00WAVE")  # a header, no fmt chunk
    with pytest.raises(MediaError, match="damaged WAV"):
        render_lane_stem(project, project.lane_by_number(1), tmp_path / "lane.wav")
    assert not (tmp_path / "lane.wav").exists()
    project.take_path(take).write_bytes(b"not audio at all")
    with pytest.raises(MediaError, match="not a WAV file"):
        render_cue_clip(project, project.cue(cue_id), tmp_path / "clip.wav")
    assert not (tmp_path / "clip.wav").exists()


def test_export_json_says_each_clips_channels_as_the_files_hold_them(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sound editor's script reads `export --json` to know which clips are mono."""
    project = make_project(tmp_path, source)
    mono = add_take(project, 1, 10, 30, {0: 100}, 1, label="step")
    stereo = add_take(project, 2, 40, 60, {0: 100, 1: 300}, 2, label="pass")
    path = project.path
    project.close()
    stems = tmp_path / "stems"
    for state, other in (("written", "unchanged"), ("unchanged", "written")):
        # the second run renders nothing: the channels come back from the stems' manifest
        assert main(["export", str(path), "--stems", str(stems), "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        clips = data["clips"]
        assert {int(k): v["channels"] for k, v in clips.items()} == {mono: 1, stereo: 2}
        for clip in clips.values():
            assert ffprobe_channels(Path(clip["file"])) == [clip["channels"]]
        assert data[state] and not data[other]
