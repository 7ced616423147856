"""The stems folder: names, timecode, and re-export rewriting only what changed."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import pytest

from foleydesk.media.bwf import read_bwf_info, read_bwf_samples
from foleydesk.media.render import RenderCancelled
from foleydesk.media.stem_loudness import REPORT_CSV, REPORT_JSON
from foleydesk.media.stems import MANIFEST, StemOptions, export_stems, safe_name
from tests.interchange.sources import add_cue_with_take, make_project, make_source, peak_index


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stems")
    return make_source(folder / "src.mov", Fraction(25), 100, "10:00:00:00", audio=False)


def _mtimes(folder: Path) -> dict[str, int]:
    skip = {MANIFEST, REPORT_JSON, REPORT_CSV}
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.name not in skip}


def test_names_are_unique_safe_and_keep_accents(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 0, 10, 5, label="door")
    add_cue_with_take(project, 1, 20, 30, 5, label="Door")
    add_cue_with_take(project, 2, 40, 50, 5, label="pas/sur:le *gravier*")
    add_cue_with_take(project, 2, 60, 70, 5, label="café")
    add_cue_with_take(project, 3, 80, 90, 5)  # the music lane, no label
    out = export_stems(project, tmp_path / "stems")
    names = sorted(p.name for p in (tmp_path / "stems").iterdir())
    assert names == sorted(
        [
            MANIFEST,
            REPORT_JSON,
            REPORT_CSV,
            "Foley 1.wav",
            "Foley 2.wav",
            "Music.wav",
            "Mix.wav",
            "door_Foley 1.wav",
            "Door_Foley 1_2.wav",
            "pas_sur_le _gravier__Foley 2.wav",
            "café_Foley 2.wav",
            "cue5_Music.wav",
        ]
    )
    assert len(out.clips) == 5 and len(out.lane_stems) == 3 and out.mix is not None
    assert safe_name("CON") == "_CON" and safe_name("  ..") == "untitled"


def test_clips_and_stems_carry_timecode(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    cue, _ = add_cue_with_take(project, 2, 30, 40, 77, label="hit")
    out = export_stems(project, tmp_path / "s", StemOptions(subtype="float32"))
    clip = out.clips[cue.id]
    # 10:00:00:00 at 25 fps = 900000 frames = 1,728,000,000 samples; the cue is 30 frames later
    assert read_bwf_info(clip.path).time_reference == (900_000 + 30) * 1920
    assert read_bwf_info(clip.path).float_samples
    assert peak_index(read_bwf_samples(clip.path)) == 77
    stem = out.lane_stems[cue.lane_id]
    assert read_bwf_info(stem.path).time_reference == 900_000 * 1920
    assert peak_index(read_bwf_samples(stem.path)) == 30 * 1920 + 77


def test_reexport_after_one_change_rewrites_only_that(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    a, take_a = add_cue_with_take(project, 1, 0, 10, 5, label="a")
    add_cue_with_take(project, 1, 20, 30, 5, label="b")
    add_cue_with_take(project, 2, 40, 50, 5, label="c")
    folder = tmp_path / "stems"
    first = export_stems(project, folder)
    assert len(first.written) == 6 and first.reused == []
    before = _mtimes(folder)

    again = export_stems(project, folder)
    assert again.written == [] and _mtimes(folder) == before

    project.update_take(take_a.id, gain_db=-3.0)
    third = export_stems(project, folder)
    assert sorted(p.name for p in third.written) == ["Foley 1.wav", "Mix.wav", "a_Foley 1.wav"]
    after = _mtimes(folder)
    for name in ("b_Foley 1.wav", "c_Foley 2.wav", "Foley 2.wav"):
        assert after[name] == before[name]
    assert read_bwf_samples(folder / "a_Foley 1.wav")[5, 0] == pytest.approx(
        0.9 * 10 ** (-3 / 20), abs=1e-5
    )

    # A removed cue's clip goes; a muted lane's files go; nothing else is touched.
    project.remove_cue(a.id)
    project.update_lane(project.lane_by_number(2).id, mute=True)
    export_stems(project, folder)
    assert sorted(_mtimes(folder)) == ["Foley 1.wav", "Mix.wav", "b_Foley 1.wav"]


def test_cancelled_export_keeps_finished_files_for_next_time(tmp_path: Path, source: Path) -> None:
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 0, 10, 5, label="a")
    add_cue_with_take(project, 2, 20, 30, 5, label="b")
    folder = tmp_path / "stems"
    cancel = threading.Event()
    seen: list[float] = []

    def stop_late(fraction: float) -> None:
        seen.append(fraction)
        if fraction > 0.5:
            cancel.set()

    with pytest.raises(RenderCancelled):
        export_stems(project, folder, progress=stop_late, cancel=cancel)
    finished = set(_mtimes(folder))
    assert finished and not any(name.endswith(".part") for name in finished)
    resumed = export_stems(project, folder)
    assert {p.name for p in resumed.reused} == finished


def test_vfr_source_exports_on_its_time_grid(tmp_path: Path, vfr_mkv: Path) -> None:
    """A VFR source has no single frame grid: cues sit on the 25 fps time grid the probe
    reports, and every export agrees on where they are."""
    import opentimelineio as otio

    from foleydesk.interchange.export import ExportRequest, export_project

    project = make_project(tmp_path, vfr_mkv)
    assert project.source.vfr and project.source.frame_rate == 25
    cue, _ = add_cue_with_take(project, 1, 5, 20, 480, label="bump")  # 0.2 s in, + 10 ms
    out = tmp_path / "out"
    report = export_project(
        project, ExportRequest(stems_dir=out / "stems", otio=out / "c.otio", xml=out / "c.xml")
    )
    assert report.stems is not None
    clip = report.stems.clips[cue.id]
    assert peak_index(read_bwf_samples(clip.path)) == 480
    assert read_bwf_info(clip.path).time_reference == 5 * 1920
    timeline = otio.adapters.read_from_file(str(out / "c.otio"))
    placed = next(c for c in timeline.find_clips() if c.name == "bump")
    assert placed.range_in_parent().start_time.value == 5
    assert placed.duration().value == 15 and placed.duration().rate == 25
    xml = otio.adapters.read_from_file(str(out / "c.xml"), "fcp_xml")
    placed = next(c for c in xml.find_clips() if c.name == "bump")
    assert placed.range_in_parent().start_time.value == 5
