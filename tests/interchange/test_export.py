"""Every timeline export read back: xmeml and FCPXML with xml.etree, EDL and OTIO with OTIO's
own readers; positions, durations, rates, timecode and paths as Premiere and Resolve want them."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import opentimelineio as otio
import pytest

from foleydesk.core.model import Cue
from foleydesk.core.project import Project
from foleydesk.core.timecode import TimecodeFormat
from foleydesk.interchange.export import ExportReport, ExportRequest, export_project
from foleydesk.media.bwf import read_bwf_info, time_reference_for
from tests.interchange.sources import add_cue_with_take, make_project, make_source


@dataclass(frozen=True)
class Shape:
    name: str
    rate: Fraction
    timecode: str | None
    timebase: int
    ntsc: bool
    drop: bool


SHAPES = [
    Shape("23.976", Fraction(24000, 1001), "00:59:58:00", 24, True, False),
    Shape("29.97 DF", Fraction(30000, 1001), "01:00:00;00", 30, True, True),
    Shape("25 no TC", Fraction(25), None, 25, False, False),
    Shape("59.94 DF", Fraction(60000, 1001), "00:10:00;00", 60, True, True),
]


@dataclass
class Exported:
    shape: Shape
    project: Project
    report: ExportReport
    folder: Path
    cues: list[Cue]  # with takes: lane 1 (two), lane 2 (one, offset -300 samples)
    bare: Cue  # without a take

    @property
    def tc0(self) -> int:
        return self.project.source.start_timecode_frames


@pytest.fixture(scope="module", params=SHAPES, ids=[s.name for s in SHAPES])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    shape: Shape = request.param
    root = tmp_path_factory.mktemp("export")
    rushes = root / "Rushes é"
    rushes.mkdir()
    suffix = ".mp4" if shape.timecode is None else ".mov"
    source = make_source(rushes / f"shot 1{suffix}", shape.rate, 60, shape.timecode)
    project = make_project(root, source, name="Reel 1")
    a, _ = add_cue_with_take(project, 1, 5, 17, 100, label="door slam")
    b, _ = add_cue_with_take(project, 1, 30, 41, 100, label="café")
    c, _ = add_cue_with_take(project, 2, 12, 36, 900, label="steps", offset=-300)
    bare = project.add_cue(
        Cue(0, project.lane_by_number(1).id, 44, 50, label="rain", prompt="rain")
    )
    out = root / "Export ü"
    report = export_project(
        project,
        ExportRequest(
            stems_dir=out / "stems",
            xml=out / "cut.xml",
            fcpxml=out / "cut.fcpxml",
            edl=out / "cut.edl",
            otio=out / "cut.otio",
            handle_frames=2,
        ),
    )
    return Exported(shape, project, report, out, [a, b, c], bare)


def _clip_file(ex: Exported, cue: Cue) -> Path:
    assert ex.report.stems is not None
    return ex.report.stems.clips[cue.id].path


# -- stems --------------------------------------------------------------------------------------


def test_stems_sit_at_the_cue_timecode(exported: Exported) -> None:
    ex = exported
    for cue in ex.cues:
        info = read_bwf_info(_clip_file(ex, cue))
        assert ex.report.stems is not None
        start = ex.report.stems.clips[cue.id].rendered.start_frame
        assert info.time_reference == time_reference_for(ex.tc0 + start, ex.shape.rate)
        assert info.timecode_rate == ex.shape.rate
        assert info.timecode_flag == ("DF" if ex.shape.drop else "NDF")
        # ffprobe and mediainfo read the same TimeReference
        probed = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format_tags=time_reference",
             "-of", "default=nw=1:nk=1", str(_clip_file(ex, cue))],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert int(probed) == info.time_reference
        media = subprocess.run(
            ["mediainfo", "--Inform=Audio;%Delay%", str(_clip_file(ex, cue))],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert round(Fraction(media.strip()) * 48) == info.time_reference  # Delay is in ms
    # The negative offset needs a frame of handle before the cue; the others have none.
    assert ex.report.stems is not None
    assert [ex.report.stems.clips[c.id].rendered.handle_before for c in ex.cues] == [0, 0, 1]


# -- FCP7 XML -----------------------------------------------------------------------------------


def _xml(ex: Exported) -> ElementTree.Element:
    return ElementTree.parse(ex.folder / "cut.xml").getroot()


def _expected_pathurl(path: Path) -> str:
    encoded = quote(str(path).lstrip("/"), safe="/")
    return f"file://localhost/{encoded}"


def test_xmeml_rate_timecode_and_paths(exported: Exported) -> None:
    ex = exported
    root = _xml(ex)
    assert root.tag == "xmeml"
    seq = root.find("./project/children/sequence")
    assert seq is not None
    assert seq.findtext("rate/timebase") == str(ex.shape.timebase)
    assert seq.findtext("rate/ntsc") == ("TRUE" if ex.shape.ntsc else "FALSE")
    assert seq.findtext("timecode/frame") == str(ex.tc0)
    assert seq.findtext("timecode/string") == (ex.shape.timecode or "00:00:00:00")
    assert seq.findtext("timecode/displayformat") == ("DF" if ex.shape.drop else "NDF")
    urls = {e.text for e in root.iter("pathurl")}
    source_url = _expected_pathurl(ex.project.require_source())
    assert source_url in urls
    assert "Rushes%20%C3%A9/shot%201" in source_url
    for cue in ex.cues:
        assert _expected_pathurl(_clip_file(ex, cue)) in urls
    assert all(u and u.startswith("file://localhost/") and " " not in u for u in urls)


def test_xmeml_clipitems_on_the_sequence_grid(exported: Exported) -> None:
    ex = exported
    seq = _xml(ex).find("./project/children/sequence")
    assert seq is not None
    audio_tracks = seq.findall("./media/audio/track")
    assert len(audio_tracks) == 3  # source audio, Foley 1, Foley 2
    files = {f.get("id"): f for f in seq.iter("file") if len(f)}
    placed: dict[str, tuple[int, int, int, int, int]] = {}
    for track in audio_tracks[1:]:
        for item in track.findall("clipitem"):
            file_e = item.find("file")
            assert file_e is not None
            full = files[file_e.get("id")]
            values = (
                int(item.findtext("start") or -1),
                int(item.findtext("end") or -1),
                int(item.findtext("in") or -1),
                int(item.findtext("out") or -1),
                int(full.findtext("timecode/frame") or -1),
            )
            placed[item.findtext("name") or ""] = values
            assert item.findtext("rate/timebase") == str(ex.shape.timebase)
            assert item.findtext("sourcetrack/mediatype") == "audio"
    for cue in ex.cues:
        start, end, in_, out, file_tc = placed[cue.label]
        assert ex.report.stems is not None
        handle = ex.report.stems.clips[cue.id].rendered.handle_before
        assert (start, end) == (cue.in_frame, cue.out_frame)
        # in/out count from the media's own start timecode
        assert (in_, out) == (handle, handle + cue.frame_count)
        assert file_tc == ex.tc0 + cue.in_frame - handle
    markers = [
        (m.findtext("name"), m.findtext("in"), m.findtext("out")) for m in seq.iter("marker")
    ]
    assert ("rain", "44", "50") in markers


def test_xmeml_reads_back_in_otio(exported: Exported) -> None:
    ex = exported
    timeline = otio.adapters.read_from_file(str(ex.folder / "cut.xml"), "fcp_xml")
    audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    found = {
        c.name: (round(c.range_in_parent().start_time.value), round(c.duration().value))
        for t in audio
        for c in t.find_clips()
    }
    for cue in ex.cues:
        assert found[cue.label] == (cue.in_frame, cue.frame_count)
    assert timeline.global_start_time.value == ex.tc0
    assert timeline.global_start_time.rate == pytest.approx(float(ex.shape.rate), rel=1e-4)


# -- FCPXML -------------------------------------------------------------------------------------


def _t(frames: int, rate: Fraction) -> Fraction:
    return Fraction(frames) / rate


def _parse_time(text: str | None) -> Fraction:
    assert text is not None and text.endswith("s")
    return Fraction(text[:-1])


def test_fcpxml_key_fields(exported: Exported) -> None:
    ex = exported
    root = ElementTree.parse(ex.folder / "cut.fcpxml").getroot()
    rate = ex.shape.rate
    assert root.tag == "fcpxml"
    fmt = root.find("./resources/format")
    assert fmt is not None and _parse_time(fmt.get("frameDuration")) == 1 / rate
    seq = root.find(".//sequence")
    assert seq is not None
    assert seq.get("tcFormat") == ("DF" if ex.shape.drop else "NDF")
    assert seq.get("audioLayout") == "stereo"
    assert _parse_time(seq.get("tcStart")) == _t(ex.tc0, rate)
    parent = seq.find("./spine/asset-clip")
    assert parent is not None
    assets = {a.get("id"): a for a in root.iter("asset")}
    source_asset = assets[parent.get("ref")]
    rep = source_asset.find("media-rep")
    assert rep is not None
    assert rep.get("src") == "file:///" + quote(str(ex.project.require_source()).lstrip("/"))
    connected = {c.get("name"): c for c in parent.findall("asset-clip")}
    lanes = {ex.cues[0].lane_id: "-1", ex.cues[2].lane_id: "-2"}
    for cue in ex.cues:
        clip = connected[cue.label]
        assert clip.get("lane") == lanes[cue.lane_id]
        assert _parse_time(clip.get("offset")) == _t(ex.tc0 + cue.in_frame, rate)
        assert _parse_time(clip.get("start")) == _t(ex.tc0 + cue.in_frame, rate)
        assert _parse_time(clip.get("duration")) == _t(cue.frame_count, rate)
        asset = assets[clip.get("ref")]
        assert asset.get("hasAudio") == "1" and asset.get("hasVideo") == "0"
        # every time is a whole number of frames
        for attr in ("offset", "start", "duration"):
            assert (_parse_time(clip.get(attr)) * rate).denominator == 1
    marker = parent.find("marker")
    assert marker is not None and marker.get("value") == "rain"


# -- EDL ----------------------------------------------------------------------------------------


def test_edl_events_channels_and_timecode(exported: Exported) -> None:
    ex = exported
    text = (ex.folder / "cut.edl").read_text()
    tc = TimecodeFormat.for_rate(ex.shape.rate, ex.shape.drop)
    assert f"FCM: {'DROP FRAME' if ex.shape.drop else 'NON-DROP FRAME'}" in text
    events = re.findall(r"^(\d{3})  (\S+)\s+(\S+)\s+C\s+(\S+) (\S+) (\S+) (\S+)$", text, re.M)
    assert [e[0] for e in events] == ["001", "002", "003"]
    by_in = sorted(ex.cues, key=lambda c: c.in_frame)
    for event, cue in zip(events, by_in, strict=True):
        _, reel, channel, src_in, src_out, rec_in, rec_out = event
        assert channel == ("A" if cue.lane_id == ex.cues[0].lane_id else "A2")
        assert (src_in, src_out) == (
            tc.to_label(ex.tc0 + cue.in_frame),
            tc.to_label(ex.tc0 + cue.out_frame),
        )
        assert (rec_in, rec_out) == (src_in, src_out)  # the sequence starts at the source's TC
        assert len(reel) <= 8
    assert f"* FROM CLIP NAME:  {_clip_file(ex, ex.cues[0]).name}" in text


def test_edl_reads_back_in_otio(exported: Exported) -> None:
    ex = exported
    timeline = otio.adapters.read_from_file(
        str(ex.folder / "cut.edl"), "cmx_3600", rate=float(ex.shape.rate)
    )
    clips = sorted(
        (c for t in timeline.tracks for c in t.find_clips()),
        key=lambda c: c.source_range.start_time.value,
    )
    by_in = sorted(ex.cues, key=lambda c: c.in_frame)
    assert [round(c.source_range.start_time.value) for c in clips] == [
        ex.tc0 + c.in_frame for c in by_in
    ]
    assert [round(c.source_range.duration.value) for c in clips] == [c.frame_count for c in by_in]


# -- OTIO ---------------------------------------------------------------------------------------


def test_otio_reads_back_with_plain_paths(exported: Exported) -> None:
    ex = exported
    timeline = otio.adapters.read_from_file(str(ex.folder / "cut.otio"))
    assert timeline.global_start_time.value == ex.tc0
    rate = float(ex.shape.rate)
    tracks = list(timeline.tracks)
    assert [t.kind for t in tracks] == ["Video", "Audio", "Audio", "Audio"]
    clips = {c.name: c for t in tracks[2:] for c in t.find_clips()}
    for cue in ex.cues:
        clip = clips[cue.label]
        assert clip.range_in_parent().start_time.value == cue.in_frame
        assert clip.duration().value == cue.frame_count
        assert clip.duration().rate == pytest.approx(rate)
        assert clip.source_range.start_time.value == ex.tc0 + cue.in_frame
        url = clip.media_reference.target_url
        assert not url.startswith("file:") and Path(url) == _clip_file(ex, cue)
    source_clip = next(iter(tracks[0].find_clips()))
    assert source_clip.media_reference.target_url == str(ex.project.require_source())
    assert [m.name for m in timeline.tracks.markers] == ["rain"]
    assert timeline.tracks.markers[0].marked_range.start_time.value == ex.bare.in_frame


# -- options ------------------------------------------------------------------------------------


def test_sequence_at_one_hour_and_relative_otio(tmp_path: Path) -> None:
    rate = Fraction(24000, 1001)
    source = make_source(tmp_path / "src.mov", rate, 48, "00:59:58:00", audio=False)
    project = make_project(tmp_path, source)
    cue, _ = add_cue_with_take(project, 2, 10, 20, 5, label="hit")
    out = tmp_path / "out"
    export_project(
        project,
        ExportRequest(
            stems_dir=out / "stems",
            xml=out / "cut.xml",
            fcpxml=out / "cut.fcpxml",
            edl=out / "cut.edl",
            otio=out / "cut.otio",
            start_at_hour=True,
            relative_paths=True,
        ),
    )
    hour = 86400  # 01:00:00:00 at 24 nominal fps
    seq = ElementTree.parse(out / "cut.xml").getroot().find("./project/children/sequence")
    assert seq is not None and seq.findtext("timecode/string") == "01:00:00:00"
    item = seq.find("./media/audio/track/clipitem")
    assert item is not None and (item.findtext("start"), item.findtext("in")) == ("10", "0")
    edl = (out / "cut.edl").read_text()
    assert "00:59:58:10 00:59:58:20 01:00:00:10 01:00:00:20" in edl
    fcp = ElementTree.parse(out / "cut.fcpxml").getroot()
    seq_x = fcp.find(".//sequence")
    assert seq_x is not None and _parse_time(seq_x.get("tcStart")) == hour / rate
    timeline = otio.adapters.read_from_file(str(out / "cut.otio"))
    assert timeline.global_start_time.value == hour
    clip = next(c for t in timeline.tracks for c in t.find_clips() if c.name == "hit")
    assert clip.media_reference.target_url == "stems/hit_Foley 2.wav"
    assert (out / clip.media_reference.target_url).is_file()
    assert cue.id in {
        c.metadata["foleydesk"]["cue_id"] for c in timeline.find_clips() if c.metadata
    }


def test_otioz_bundles_the_media(tmp_path: Path) -> None:
    source = make_source(tmp_path / "src.mp4", Fraction(25), 25, audio=False)
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 2, 12, 5, label="hit")
    bundle = tmp_path / "out" / "cut.otioz"
    export_project(project, ExportRequest(otio=bundle))
    (tmp_path / "x").mkdir()
    timeline = otio.adapters.read_from_file(str(bundle), extract_to_directory=str(tmp_path / "x"))
    names = sorted(p.name for p in (tmp_path / "x" / "media").iterdir())
    assert names == ["hit_Foley 1.wav", "src.mp4"]
    assert any(c.name == "hit" for c in timeline.find_clips())
    # without --stems the clips go to the project's exports folder
    assert (project.exports_dir / "stems" / "hit_Foley 1.wav").is_file()
