"""A stem's bext and iXML say what post needs, read back by ffprobe and mediainfo: Description
(label and prompt), Originator, a unique OriginatorReference, date and time, TimeReference, a
SMPTE 330M UMID, CodingHistory; iXML project, note (prompt, model@host, seed), track names."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

from foleydesk.media.bwf import read_bwf_info
from foleydesk.media.stems import export_stems
from tests.interchange.sources import add_cue_with_take, make_project, make_source


def ffprobe_tags(path: Path) -> dict[str, str]:
    run = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(run.stdout)["format"]["tags"])


def test_stems_carry_full_bext_and_ixml(tmp_path: Path) -> None:
    source = make_source(tmp_path / "shot.mov", Fraction(25), 100, "10:00:00:00", audio=False)
    project = make_project(tmp_path, source, name="Reel 7")
    cue, take = add_cue_with_take(project, 1, 10, 30, 100, label="door slam")
    project.update_cue(cue.id, prompt="heavy oak door slams shut")
    project.update_take(take.id, model_id="mmaudio", params={"seed": 4242})
    out = export_stems(project, tmp_path / "stems")
    clip = out.clips[cue.id].path
    lane = next(iter(out.lane_stems.values())).path

    tags = ffprobe_tags(clip)
    assert tags["comment"] == "door slam: heavy oak door slams shut"
    assert tags["encoded_by"] == "FoleyDesk"
    assert tags["time_reference"] == str((900_000 + 10) * 1920)
    assert tags["umid"].upper().startswith("0X060A2B340101010501010220130000")
    assert len(tags["umid"]) == 2 + 64  # a basic UMID (ffprobe omits the zero extension)
    assert tags["coding_history"].startswith("A=PCM,F=48000,W=24,M=stereo,T=FoleyDesk")
    assert len(tags["date"]) == 10 and len(tags["creation_time"]) == 8
    references = {ffprobe_tags(f.path)["originator_reference"] for f in out.files()}
    assert len(references) == len(out.files())  # unique per file

    mediainfo = subprocess.run(
        ["mediainfo", "-f", str(clip)], capture_output=True, text=True, check=True
    ).stdout
    assert "LoudnessValue" in mediainfo and "UMID" in mediainfo

    info = read_bwf_info(clip)
    assert info.originator == "FoleyDesk" and info.version == 2
    assert len(info.umid) == 64 and info.umid[32:] == bytes(32)
    assert info.ixml["PROJECT"] == "Reel 7"
    note = info.ixml["NOTE"]
    assert "heavy oak door slams shut" in note and "mmaudio@offline" in note and "4242" in note
    assert info.ixml["TRACK_NAMES"] == "door slam L|door slam R"
    assert info.timecode_rate == Fraction(25) and info.timecode_flag == "NDF"
    assert read_bwf_info(lane).ixml["TRACK_NAMES"] == "Foley 1 L|Foley 1 R"
