"""Markers out: every exported timeline tells the editor, on each clip, what the sound was asked
to be and who made it (prompt, model@host, seed), read back from each file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import opentimelineio as otio

from foleydesk.cli import main
from tests.interchange.sources import add_cue_with_take, make_project, make_source

NOTE = "prompt: rusty gate squeaks open; negative: music; by mmaudio@piapi; seed 31"


def test_every_timeline_carries_prompt_and_model(tmp_path: Path) -> None:
    source = make_source(tmp_path / "shot.mov", Fraction(25), 50, "10:00:00:00", audio=False)
    project = make_project(tmp_path, source)
    cue, take = add_cue_with_take(project, 1, 5, 20, 10, label="gate")
    project.update_cue(cue.id, prompt="rusty gate squeaks open", negative_prompt="music")
    project.update_take(take.id, provider_id="piapi", model_id="mmaudio", params={"seed": 31})
    path = project.path
    project.close()
    out = tmp_path / "out"
    args = ["export", str(path), "--xml", str(out / "c.xml"), "--fcpxml", str(out / "c.fcpxml")]
    assert main([*args, "--edl", str(out / "c.edl"), "--otio", str(out / "c.otio")]) == 0

    xmeml = ElementTree.parse(out / "c.xml").getroot()
    gate = next(c for c in xmeml.iter("clipitem") if c.findtext("name") == "gate")
    assert gate.findtext("logginginfo/description") == "rusty gate squeaks open"
    assert gate.findtext("comments/mastercomment1") == NOTE

    fcpxml = ElementTree.parse(out / "c.fcpxml").getroot()
    clip = next(c for c in fcpxml.iter("asset-clip") if c.get("name") == "gate")
    marker = clip.find("marker")
    assert marker is not None and marker.get("note") == NOTE
    assert marker.get("start") == clip.get("start")  # at the clip's first frame

    assert f"* COMMENT: {NOTE}" in (out / "c.edl").read_text()

    timeline = otio.adapters.read_from_file(str(out / "c.otio"))
    otio_clip = next(c for c in timeline.find_clips() if c.name == "gate")
    assert [m.comment for m in otio_clip.markers] == [NOTE]
    assert otio_clip.metadata["foleydesk"]["model"] == "mmaudio@piapi"
