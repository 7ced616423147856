"""Markers from the NLE become cues: a Premiere-style xmeml and a Resolve marker EDL written by
hand here, plus FCPXML, OTIO and marker lists. Outside markers are listed; re-import adds none."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from foleydesk.cli import main
from foleydesk.core.project import Project
from tests.interchange.sources import make_project, make_source

# Premiere Pro: a 23.976 sequence starting at 01:00:00:00 (frame 86400), two sequence markers
# (one with a duration, one a point), and a clip marker in the clip's own media frames.
XMEML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmeml>
<xmeml version="4">
  <sequence id="sequence-1">
    <name>Reel 1 cut</name>
    <duration>240</duration>
    <rate><timebase>24</timebase><ntsc>TRUE</ntsc></rate>
    <timecode>
      <rate><timebase>24</timebase><ntsc>TRUE</ntsc></rate>
      <string>01:00:00:00</string><frame>86400</frame><displayformat>NDF</displayformat>
    </timecode>
    <marker>
      <comment>heavy boots on a wet wooden jetty</comment>
      <name>footsteps</name>
      <in>24</in>
      <out>72</out>
      <pproColor>4281740498</pproColor>
    </marker>
    <marker>
      <comment>a gull cries once, far away</comment>
      <name>gull</name>
      <in>100</in>
      <out>-1</out>
    </marker>
    <marker>
      <comment></comment>
      <name>after the end</name>
      <in>400</in>
      <out>-1</out>
    </marker>
    <media>
      <video>
        <track>
          <clipitem id="clipitem-1">
            <name>A003_C012.mov</name>
            <start>150</start>
            <end>230</end>
            <in>50</in>
            <out>130</out>
            <marker>
              <comment>door slams in the wind</comment>
              <name>door</name>
              <in>80</in>
              <out>-1</out>
            </marker>
          </clipitem>
        </track>
      </video>
    </media>
  </sequence>
</xmeml>
"""

# DaVinci Resolve: File > Export > Timeline Markers to EDL (a timeline at 01:00:00:00).
RESOLVE_EDL = """TITLE: Timeline 1
FCM: NON-DROP FRAME

001  001      V     C        01:00:01:00 01:00:01:01 01:00:01:00 01:00:01:01  
three knocks, hollow |C:ResolveColorBlue |M:door knock |D:1

002  001      V     C        01:00:03:12 01:00:03:13 01:00:03:12 01:00:03:13  
 |C:ResolveColorRed |M:glass breaks |D:36

003  001      V     C        01:00:20:00 01:00:20:01 01:00:20:00 01:00:20:01  
 |C:ResolveColorGreen |M:too late |D:1
"""  # noqa: W291 - Resolve writes the trailing spaces


def _cues(path: Path) -> list[tuple[int, int, str, str, str]]:
    with Project.open(path) as project:
        return [
            (c.in_frame, c.out_frame, c.label, c.prompt, c.colour) for c in project.sorted_cues()
        ]


@pytest.fixture()
def premiere_project(tmp_path: Path) -> Path:
    source = make_source(tmp_path / "cut.mov", Fraction(24000, 1001), 240, "01:00:00:00")
    project = make_project(tmp_path, source)
    path = project.path
    project.close()
    return path


def test_premiere_xmeml_markers(
    tmp_path: Path, premiere_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = tmp_path / "markers.xml"
    xml.write_text(XMEML, "utf-8")
    assert main(["import-markers", str(premiere_project), str(xml), "--length", "1"]) == 0
    out = capsys.readouterr().out
    assert "after the end: after the end of the source, sequence" in out  # listed
    assert _cues(premiere_project) == [
        (
            24,
            72,
            "footsteps",
            "heavy boots on a wet wooden jetty",
            "#362cd2",
        ),  # pproColor 0xFF362CD2
        (100, 124, "gull", "a gull cries once, far away", "#e0a43a"),  # 1 s default at 23.976
        (180, 204, "door", "door slams in the wind", "#5cbf7a"),  # clip marker: 150 + 80 - 50
    ]
    # The same file again: nothing new.
    assert main(["import-markers", str(premiere_project), str(xml), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["added"] == [] and sorted(data["already_imported"]) == ["door", "footsteps", "gull"]
    assert len(_cues(premiere_project)) == 3


def test_resolve_marker_edl_on_a_source_without_timecode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path / "export.mp4", Fraction(25), 250, None, audio=False)
    project = make_project(tmp_path, source)
    path = project.path
    project.close()
    edl = tmp_path / "Timeline 1.edl"
    edl.write_text(RESOLVE_EDL, "utf-8")
    assert main(["import-markers", str(path), str(edl), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "Resolve EDL" and "01:00:00:00" in data["origin"]
    assert data["outside"] == [
        {"name": "too late", "why": "after the end of the source, event 003"}
    ]
    assert _cues(path) == [
        (25, 75, "door knock", "three knocks, hollow", "#4f9dde"),  # point marker: default 2 s
        (87, 123, "glass breaks", "", "#d7656a"),  # 01:00:03:12 = frame 87; |D:36
    ]
    assert main(["import-markers", str(path), str(edl)]) == 0
    assert "2 already imported" in capsys.readouterr().out
    assert len(_cues(path)) == 2


def test_fcpxml_otio_and_marker_lists(tmp_path: Path, premiere_project: Path) -> None:
    fcpxml = tmp_path / "m.fcpxml"
    fcpxml.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources><format id="r1" frameDuration="1001/24000s"/></resources>
  <library><event><project name="p">
    <sequence format="r1" tcStart="3603600/1000s">
      <spine>
        <asset-clip name="shot" offset="3603600/1000s" start="0s" duration="10010/1000s">
          <marker start="2002/1000s" duration="1001/24000s" value="splash" note="oar hits water"/>
        </asset-clip>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>
""",
        "utf-8",
    )
    assert main(["import-markers", str(premiere_project), str(fcpxml)]) == 0
    timeline = otio.schema.Timeline(name="t")
    timeline.global_start_time = otio.opentime.RationalTime(86400, 24000 / 1001)
    track = otio.schema.Track(name="V1")
    timeline.tracks.append(track)
    marker = otio.schema.Marker(
        name="thunder",
        marked_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(200, 24000 / 1001),
            otio.opentime.RationalTime(30, 24000 / 1001),
        ),
        color=otio.schema.MarkerColor.PURPLE,
    )
    timeline.tracks.markers.append(marker)
    otio_path = tmp_path / "m.otio"
    otio.adapters.write_to_file(timeline, str(otio_path))
    assert main(["import-markers", str(premiere_project), str(otio_path)]) == 0
    # Premiere's marker list: tab-separated UTF-16 with a BOM.
    listing = (
        "Marker Name\tDescription\tIn\tOut\tDuration\tMarker Type\n"
        "creak\tfloorboard creaks\t01:00:09:00\t01:00:09:12\t00:00:00:12\tComment\n"
        "hiss\tsteam\t01;00;09;20\t01;00;09;20\t00;00;00;00\tComment\n"  # a point marker
    )
    csv_path = tmp_path / "markers.csv"
    csv_path.write_bytes(listing.encode("utf-16"))
    assert main(["import-markers", str(premiere_project), str(csv_path)]) == 0
    cues = {c[2]: c for c in _cues(premiere_project)}
    assert cues["splash"][:2] == (48, 96)  # 2.002 s into the sequence, 1-frame marker -> 2 s
    assert cues["splash"][3] == "oar hits water"
    assert cues["thunder"][:2] == (200, 230) and cues["thunder"][4] == "#a77fdc"
    assert cues["creak"][:2] == (216, 228) and cues["creak"][3] == "floorboard creaks"
    assert cues["hiss"][:2] == (236, 240)  # default 2 s, cut at the source's last frame


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("m.xml", "<xmeml><sequence>", "not well-formed"),
        ("m.xml", "<foo/>", "neither FCP7 XML nor FCPXML"),
        ("m.doc", "x", "does not read markers"),
        ("m.csv", "Name,Notes\nx,y\n", "no In or Record In column"),
        ("m.csv", "Name,In\nx,soon\n", "Line 2"),
        ("m.otio", "{not json", "not a readable OTIO file"),
    ],
)
def test_bad_marker_files_are_one_line(
    tmp_path: Path,
    premiere_project: Path,
    name: str,
    content: str,
    words: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    assert main(["import-markers", str(premiere_project), str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert _cues(premiere_project) == []
    assert main(["import-markers", str(premiere_project), str(tmp_path / "none.xml")]) == 2
