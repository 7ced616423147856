"""Every footage shape through the whole loop as a user runs it: `new`, `info`, a cue,
`generate` offline, `export` of every format; then every file read back by something other
than our writer: OTIO for .otio and FCP7 XML, pycmx (an independent CMX3600 parser) for the
EDL, xmllint with Apple's DTD for FCPXML, our BWF reader for the stems' TimeReference, PyAV
for the muxed video. Positions are checked in seconds against the cue's exact time."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import av
import opentimelineio as otio
import pycmx
import pytest

from foleydesk.cli import main
from foleydesk.core.timebase import time_to_sample
from foleydesk.core.timecode import TimecodeFormat
from foleydesk.interchange.sequence import parse_sequence_rate
from foleydesk.media.bwf import read_bwf_info
from tests.footage.conftest import FootageMaker
from tests.footage.shapes import SHAPES, Shape

CUE_IN, CUE_OUT = "0.2", "0.4"
FAST_SETTINGS = {
    "version": 1,
    "poll_initial_seconds": 0.05,
    "poll_max_seconds": 0.2,
    "retry_base_seconds": 0.05,
}
# Apple's FCPXML DTDs are "All rights reserved", so the repository carries none: point this at
# a folder holding FCPXMLv1_9.dtd (CommandPost and others carry copies) to validate against it.
DTD_DIR = os.environ.get("FOLEYDESK_FCPXML_DTD_DIR", "")


@dataclass
class Run:
    shape: Shape
    folder: Path
    project: Path
    info: dict  # type: ignore[type-arg]
    cue: dict  # type: ignore[type-arg]
    export_code: int
    export_out: str
    export_err: str
    outputs: dict[str, Path]

    @property
    def seq(self) -> Fraction:
        return parse_sequence_rate(self.shape.sequence_rate).rate

    @property
    def half_frame(self) -> Fraction:
        return 1 / (2 * self.seq)

    @property
    def cue_in(self) -> Fraction:
        return Fraction(self.cue["in"]["seconds_exact"])

    @property
    def cue_out(self) -> Fraction:
        return Fraction(self.cue["out"]["seconds_exact"])


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _video_name(shape: Shape) -> str:
    return "cut.mkv" if shape.name in ("av1", "vp9") else "cut.mov"


@pytest.fixture(scope="module", params=list(SHAPES), ids=list(SHAPES))
def run(
    request: pytest.FixtureRequest,
    footage: FootageMaker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Run]:
    shape = SHAPES[request.param]
    folder = tmp_path_factory.mktemp(f"shape-{shape.file.split('.')[0]}")
    config = folder / "config"
    config.mkdir()
    (config / "settings.json").write_text(json.dumps(FAST_SETTINGS))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOLEYDESK_CONFIG_DIR", str(config))
        video = folder / shape.file
        shutil.copy(footage(shape.name), video)
        project = folder / "reel.foleydesk"
        code, _, err = _cli("new", str(video), "-o", str(project))
        assert code == 0, err
        code, out, err = _cli("info", str(project), "--json")
        assert code == 0, err
        info = json.loads(out)
        code, out, err = _cli(
            "cue", "add", str(project), "--in", CUE_IN, "--out", CUE_OUT,
            "--prompt", "door", "--json",
        )  # fmt: skip
        assert code == 0, err
        cue = json.loads(out)
        code, out, err = _cli("generate", str(project), "--all", "--wait", "--json")
        assert code == 0, err
        assert [row["state"] for row in json.loads(out)] == ["done"]
        out_dir = folder / "out"
        outputs = {
            "stems": out_dir / "stems",
            "video": out_dir / _video_name(shape),
            "xml": out_dir / "cut.xml",
            "fcpxml": out_dir / "cut.fcpxml",
            "edl": out_dir / "cut.edl",
            "otio": out_dir / "cut.otio",
            "aaf": out_dir / "cut.aaf",
        }
        code, out, err = _cli(
            "export", str(project), "--stems", str(outputs["stems"]),
            "--video", str(outputs["video"]), "--xml", str(outputs["xml"]),
            "--fcpxml", str(outputs["fcpxml"]), "--edl", str(outputs["edl"]),
            "--otio", str(outputs["otio"]), "--aaf", str(outputs["aaf"]),
        )  # fmt: skip
        yield Run(shape, folder, project, info, cue, code, out, err, outputs)


def test_info_names_rate_timecode_and_every_stream(run: Run) -> None:
    source = run.info["source"]
    assert run.info["sequence_rate"] == run.shape.sequence_rate
    assert source["start_timecode"] == run.shape.start_tc
    assert [s["channels"] for s in source["audio_streams"]] == list(run.shape.audio_channels)
    if "interlaced" in run.shape.tags:
        assert source["field_order"] in ("tt", "tb")
    if "anamorphic" in run.shape.tags:
        assert source["sample_aspect"] == "64/45"


def test_export_writes_every_file(run: Run) -> None:
    assert "internal error" not in run.export_err
    assert run.export_code == 0, run.export_err
    for name, path in run.outputs.items():
        assert path.exists(), name
    assert f"timelines at {run.shape.sequence_rate} fps" in run.export_out


def test_stem_time_reference_is_exact_in_samples(run: Run) -> None:
    clip = next(p for p in run.outputs["stems"].glob("cue1_*.wav"))
    start = TimecodeFormat.for_rate(
        parse_sequence_rate(run.info["source"]["timecode_rate"]).rate,
        run.info["source"]["drop_frame"],
    ).to_frames(run.shape.start_tc)
    origin = Fraction(start) / parse_sequence_rate(run.info["source"]["timecode_rate"]).rate
    assert read_bwf_info(clip).time_reference == time_to_sample(origin + run.cue_in)


def _check_timeline(run: Run, timeline: otio.schema.Timeline) -> None:
    """The cue's clip starts at the cue's exact time, the source clip lasts as the file does,
    both within half a sequence frame, counted in seconds from the sequence's start."""
    clips = list(timeline.find_clips())
    stem = next(c for c in clips if c.name.startswith("cue") or "door" in c.name.lower())
    at = Fraction(stem.range_in_parent().start_time.to_seconds())
    assert abs(at - run.cue_in) <= run.half_frame + Fraction(1, 10_000)
    length = Fraction(stem.source_range.duration.to_seconds())
    assert abs(length - (run.cue_out - run.cue_in)) <= 2 * run.half_frame + Fraction(1, 10_000)
    source = clips[0]
    duration = Fraction(run.info["source"]["duration_exact"])
    got = Fraction(source.source_range.duration.to_seconds())
    assert abs(got - duration) <= run.half_frame + Fraction(1, 10_000)
    assert abs(source.source_range.duration.rate - float(run.seq)) < 1e-6


def test_otio_reads_back_at_the_cue_time(run: Run) -> None:
    timeline = otio.adapters.read_from_file(str(run.outputs["otio"]))
    _check_timeline(run, timeline)


def test_aaf_reads_back_at_the_cue_time(run: Run) -> None:
    timeline = otio.adapters.read_from_file(str(run.outputs["aaf"]))
    (clip,) = list(timeline.find_clips())  # the AAF holds the takes only
    at = Fraction(clip.range_in_parent().start_time.to_seconds())
    assert abs(at - run.cue_in) <= run.half_frame + Fraction(1, 10_000)
    assert abs(clip.source_range.start_time.rate - float(run.seq)) < 1e-3


def test_fcp7_xml_reads_back_at_the_cue_time(run: Run) -> None:
    timeline = otio.adapters.read_from_file(str(run.outputs["xml"]), adapter_name="fcp_xml")
    _check_timeline(run, timeline)
    root = ElementTree.parse(run.outputs["xml"]).getroot()
    seq = parse_sequence_rate(run.shape.sequence_rate)
    assert root.findtext(".//sequence/rate/timebase") == str(seq.timebase)
    assert root.findtext(".//sequence/rate/ntsc") == ("TRUE" if seq.ntsc else "FALSE")
    chars = root.find(".//sequence/media/video/format/samplecharacteristics")
    assert chars is not None
    interlaced = "interlaced" in run.shape.tags
    assert chars.findtext("fielddominance") == ("upper" if interlaced else "none")
    anamorphic = "anamorphic" in run.shape.tags
    assert chars.findtext("pixelaspectratio") == ("PAL-601" if anamorphic else "square")
    assert chars.findtext("anamorphic") == ("TRUE" if anamorphic else "FALSE")


def test_fcpxml_is_valid_and_places_the_cue(run: Run) -> None:
    path = run.outputs["fcpxml"]
    if DTD_DIR:
        dtd = Path(DTD_DIR) / "FCPXMLv1_9.dtd"
        result = subprocess.run(
            ["xmllint", "--noout", "--dtdvalid", str(dtd), str(path)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
    root = ElementTree.parse(path).getroot()
    fmt = root.find("resources/format")
    assert fmt is not None
    frame = Fraction(fmt.get("frameDuration", "0s").rstrip("s"))
    assert frame == 1 / run.seq
    interlaced = "interlaced" in run.shape.tags
    assert fmt.get("fieldOrder") == ("upper first" if interlaced else "progressive")
    if "anamorphic" in run.shape.tags:
        assert (fmt.get("paspH"), fmt.get("paspV")) == ("64", "45")
    parent = root.find(".//spine/asset-clip")
    assert parent is not None
    lane = parent.find("asset-clip")
    assert lane is not None
    at = Fraction(lane.get("offset", "0s").rstrip("s")) - Fraction(
        parent.get("start", "0s").rstrip("s")
    )
    assert abs(at - run.cue_in) <= run.half_frame


def test_edl_parses_with_pycmx_at_the_cue_time(run: Run) -> None:
    with open(run.outputs["edl"], encoding="utf-8") as handle:
        edl = pycmx.parse_cmx3600(handle)
    edits = [edit for event in edl.events for edit in event.edits]
    assert len(edits) == 1
    seq = parse_sequence_rate(run.shape.sequence_rate)
    tc = seq.timecode
    record_in = tc.to_frames(edits[0].record_in)
    start = tc.to_frames(run.shape.start_tc) if run.shape.start_tc else 0
    at = Fraction(record_in - start) / seq.rate
    assert abs(at - run.cue_in) <= run.half_frame
    fcm = run.outputs["edl"].read_text(encoding="utf-8").splitlines()[1]
    assert fcm == ("FCM: DROP FRAME" if seq.drop_frame else "FCM: NON-DROP FRAME")


def test_muxed_video_keeps_the_picture_and_every_production_stream(run: Run) -> None:
    with av.open(str(run.outputs["video"])) as container:
        titles = [
            s.metadata.get("title") or s.metadata.get("handler_name")
            for s in container.streams.audio
        ]
    assert titles[0] == "Mix"
    copied = [t for t in titles if t and t.startswith("Production")]
    assert len(copied) == len(run.shape.audio_channels)
