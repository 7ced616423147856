"""AAF read back by OTIO's AAF adapter and by pyaaf2 directly: one track per lane (overlaps
spill), clips at their timecode within half a frame, names from labels, prompt and model@host
in the comments, the sequence rate and start timecode; linked or embedded audio."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import aaf2
import numpy as np
import opentimelineio as otio
import pytest

from foleydesk.cli import main
from foleydesk.core.project import Project
from foleydesk.interchange.aaf import AafOptions, write_aaf
from foleydesk.interchange.timeline import build_timeline
from foleydesk.media.bwf import read_bwf_samples
from foleydesk.media.stems import StemOptions, export_stems
from tests.interchange.sources import add_cue_with_take, make_project, make_source

CUES = {"door": (1, 5, 15), "steps": (1, 10, 40), "wind": (2, 20, 30)}  # lane, in, out


def _project(folder: Path, rate: Fraction) -> Project:
    source = make_source(folder / "shot.mov", rate, 60, "10:00:00:00", audio=False)
    project = make_project(folder, source)
    for label, (lane, cue_in, cue_out) in CUES.items():
        cue, take = add_cue_with_take(project, lane, cue_in, cue_out, 10, label=label)
        project.update_cue(cue.id, prompt=f"{label} on gravel")
        project.update_take(take.id, model_id="mmaudio", params={"seed": 7})
    return project


def _pyaaf2_clips(path: Path) -> tuple[Any, list[tuple[str, str, int, int, dict[str, Any]]]]:
    """(timecode segment, [(track name, mob name, position, length, comments)])."""
    out = []
    with aaf2.open(str(path)) as f:
        comp = next(iter(f.content.toplevel()))
        timecode = None
        for slot in comp.slots:
            segment = slot.segment
            if isinstance(segment, aaf2.components.Timecode):
                timecode = (segment.start, segment.fps, slot.edit_rate)
                continue
            sequence = segment.segments[0]
            position = 0
            for component in sequence.components:
                if isinstance(component, aaf2.components.SourceClip):
                    comments = dict(component.mob.comments.items())
                    out.append(
                        (slot.name, component.mob.name, position, component.length, comments)
                    )
                position += component.length
    return timecode, out


@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001)])
def test_linked_aaf_reads_back(tmp_path: Path, rate: Fraction) -> None:
    project = _project(tmp_path, rate)
    stems = export_stems(project, tmp_path / "stems")
    path = write_aaf(project, build_timeline(project, stems), stems, tmp_path / "cut.aaf")

    back = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    half_frame = 0.5 / float(rate)
    tc0 = project.source.start_timecode_frames
    assert back.global_start_time is not None
    assert abs(back.global_start_time.to_seconds() - tc0 / float(rate)) < half_frame
    clips = {c.name: c for c in back.find_clips()}
    assert set(clips) == set(CUES)
    assert len(back.tracks) == 3  # Foley 1, its spill (door and steps overlap), Foley 2
    for label, (_, cue_in, cue_out) in CUES.items():
        placed = clips[label].range_in_parent()
        assert abs(placed.start_time.to_seconds() - cue_in / float(rate)) < half_frame
        assert abs(placed.duration.to_seconds() - (cue_out - cue_in) / float(rate)) < half_frame
        assert abs(placed.start_time.rate - float(rate)) < 1e-6
        ref = clips[label].media_reference
        assert isinstance(ref, otio.schema.ExternalReference)
        assert otio.url_utils.filepath_from_url(ref.target_url).endswith(
            stems.clips[project.sorted_cues()[list(CUES).index(label)].id].path.name
        )
        comments = clips[label].metadata["AAF"]["UserComments"]
        assert comments["Comment"] == f"{label} on gravel"
        assert comments["Model"] == "mmaudio@offline" and comments["Seed"] == "7"

    timecode, raw = _pyaaf2_clips(path)
    assert timecode is not None and timecode[0] == tc0 and timecode[2] == rate
    by_name = {mob: (track, pos, length, comments) for track, mob, pos, length, comments in raw}
    assert by_name["door"][0] == "Foley 1" and by_name["steps"][0] == "Foley 1 (2)"
    assert by_name["wind"][0] == "Foley 2"
    for label, (_, cue_in, cue_out) in CUES.items():
        assert by_name[label][1:3] == (cue_in, cue_out - cue_in)
        assert by_name[label][3]["Comment"] == f"{label} on gravel"


def test_embedded_aaf_holds_the_audio(tmp_path: Path) -> None:
    project = _project(tmp_path, Fraction(25))
    stems = export_stems(project, tmp_path / "stems")
    path = write_aaf(
        project,
        build_timeline(project, stems),
        stems,
        tmp_path / "self.aaf",
        AafOptions(embed=True),
    )
    _, raw = _pyaaf2_clips(path)
    assert sorted(m for _, m, *_ in raw) == sorted(CUES)
    door = project.sorted_cues()[0]
    with aaf2.open(str(path)) as f:
        assert len(list(f.content.essencedata)) == 3
        mob = next(m for m in f.content.mastermobs() if m.name == "door")
        source_mob = mob.slots[0].segment.mob
        source_mob.export_audio(str(tmp_path / "door_back.wav"))
    back = read_bwf_samples(tmp_path / "door_back.wav")
    original = read_bwf_samples(stems.clips[door.id].path)
    np.testing.assert_array_equal(back, original)  # the same samples, inside the AAF

    linked = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    assert {c.name for c in linked.find_clips()} == set(CUES)


def test_aaf_linking_lane_stems(tmp_path: Path) -> None:
    project = _project(tmp_path, Fraction(25))
    stems = export_stems(project, tmp_path / "stems")
    path = write_aaf(
        project, build_timeline(project, stems), stems, tmp_path / "l.aaf", AafOptions("stems")
    )
    back = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    for clip in back.find_clips():
        ref = clip.media_reference
        assert isinstance(ref, otio.schema.ExternalReference)
        assert Path(otio.url_utils.filepath_from_url(ref.target_url)).name in (
            "Foley 1.wav",
            "Foley 2.wav",
        )
        # The clip's media in point is its cue's timecode inside the full-length stem.
        cue_in = CUES[clip.name][1]
        assert clip.source_range is not None
        assert round(clip.source_range.start_time.value) == 25 * 3600 * 10 + cue_in


def test_cli_aaf_and_bad_requests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, Fraction(25))
    path = project.path
    project.close()
    out = tmp_path / "out.aaf"
    assert main(["export", str(path), "--aaf", str(out), "--aaf-embed"]) == 0
    assert str(out) in capsys.readouterr().out and out.stat().st_size > 0
    assert main(["export", str(path), "--aaf", str(tmp_path / "cut.xml")]) == 2
    assert "--aaf needs a file ending in .aaf" in capsys.readouterr().err
    float_out = tmp_path / "f.aaf"
    code = main(["export", str(path), "--aaf", str(float_out), "--aaf-embed", "--float"])
    assert code == 2 and "32-bit float" in capsys.readouterr().err
    assert not float_out.exists()


def test_aaf_without_takes_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path / "shot.mov", Fraction(25), 30, audio=False)
    project = make_project(tmp_path, source)
    path = project.path
    project.close()
    stems = tmp_path / "stems"
    code = main(["export", str(path), "--aaf", str(tmp_path / "x.aaf"), "--stems", str(stems)])
    assert code == 2 and "would be empty" in capsys.readouterr().err
    assert not stems.exists()


def test_stem_options_default_keeps_lane_stems() -> None:
    assert StemOptions().lane_stems  # linking lane stems relies on them


def test_aaf_at_the_sequence_rate_of_odd_footage(tmp_path: Path) -> None:
    """A 12.5 fps source goes on a 25 fps sequence (interchange/sequence.py), like every
    other timeline: positions in seconds stay within half a sequence frame."""
    source = make_source(tmp_path / "cctv.mp4", Fraction(25, 2), 40, audio=False)
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 3, 9, 10, label="knock")
    stems = export_stems(project, tmp_path / "stems")
    timeline = build_timeline(project, stems)
    path = write_aaf(project, timeline, stems, tmp_path / "cctv.aaf", AafOptions("stems"))
    back = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    clip = next(iter(back.find_clips()))
    placed = clip.range_in_parent()
    assert placed.start_time.rate == 25
    assert abs(placed.start_time.to_seconds() - 3 / 12.5) < 0.5 / 25
    assert abs(placed.duration.to_seconds() - 6 / 12.5) < 0.5 / 25
    _, raw = _pyaaf2_clips(path)
    assert [(pos, length) for _, _, pos, length, _ in raw] == [(6, 12)]


@pytest.mark.parametrize("embed", [False, True])
def test_aaf_clips_with_handles_start_inside_their_media(tmp_path: Path, embed: bool) -> None:
    """A cue clip with 5 frames of handle each side: in the AAF the clip still sits at the cue's
    in point, and its source starts 5 frames into the file (the handle is there to extend)."""
    source = make_source(tmp_path / "s.mov", Fraction(25), 100, "10:00:00:00", audio=False)
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 20, 40, 10, label="h", offset=-1920 * 6, extra_samples=23040)
    stems = export_stems(project, tmp_path / "stems", StemOptions(handle_frames=5))
    clip_file = next(iter(stems.clips.values()))
    assert (clip_file.rendered.handle_before, clip_file.rendered.handle_after) == (5, 5)
    path = write_aaf(
        project, build_timeline(project, stems), stems, tmp_path / "h.aaf", AafOptions(embed=embed)
    )
    with aaf2.open(str(path)) as f:
        comp = next(iter(f.content.toplevel()))
        clips = [
            (c.start, c.length)
            for slot in comp.slots
            if isinstance(slot.segment, aaf2.components.OperationGroup)
            for c in slot.segment.segments[0].components
            if isinstance(c, aaf2.components.SourceClip)
        ]
    assert clips == [(5, 20)]
    back = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    placed = next(iter(back.find_clips())).range_in_parent()
    assert (placed.start_time.value, placed.duration.value) == (20, 20)
