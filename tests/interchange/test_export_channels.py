"""The timelines agree with the files about channels: a mono cue clip is a mono clip in the
xmeml (Premiere), the FCPXML (Resolve, Final Cut Pro), the OTIO and the AAF, as ffprobe reads
the file itself; a stereo one is stereo everywhere."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import aaf2
import numpy as np
import opentimelineio as otio
import pytest

from foleydesk.interchange.aaf import AafOptions, write_aaf
from foleydesk.interchange.export import ExportReport, ExportRequest, export_project
from foleydesk.interchange.timeline import build_timeline
from foleydesk.interchange.urls import xmeml_pathurl
from foleydesk.media.bwf import read_bwf_samples
from foleydesk.media.stems import export_stems
from tests.interchange.sources import CLICK, SR, add_cue_with_take, make_project, make_source
from tests.media.test_channels import ffprobe_channels

FRAME = SR // 25


def _take(length: int, channels: int, at: int) -> np.ndarray:
    out = np.zeros((length, channels), np.float32)
    out[at : at + len(CLICK), 0] = CLICK
    if channels == 2:
        out[at + 500 : at + 500 + len(CLICK), 1] = CLICK
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportReport, dict[str, Path]]:
    root = tmp_path_factory.mktemp("chexport")
    source = make_source(root / "shot.mov", Fraction(25), 80, "10:00:00:00", audio=False)
    project = make_project(root, source)
    # "step" (mono, centre) and "car" (stereo) on lane 1; "tap" (mono, panned) on lane 2.
    for label, lane, cue_in, channels in (("step", 1, 5, 1), ("car", 1, 30, 2), ("tap", 2, 50, 1)):
        _, take = add_cue_with_take(
            project,
            lane,
            cue_in,
            cue_in + 10,
            0,
            label=label,
            samples=_take(10 * FRAME, channels, 2 * FRAME),
        )
        if label == "tap":
            project.update_take(take.id, pan=0.5)
    out = root / "out"
    report = export_project(
        project,
        ExportRequest(
            stems_dir=out / "stems",
            xml=out / "cut.xml",
            fcpxml=out / "cut.fcpxml",
            otio=out / "cut.otio",
            aaf=out / "cut.aaf",
        ),
    )
    assert report.stems is not None and not report.failed
    files = {project.cue(cue_id).label: f.path for cue_id, f in report.stems.clips.items()}
    return report, files


EXPECTED = {"step": 1, "car": 2, "tap": 2}


def test_clip_files_are_mono_or_stereo_as_their_takes(
    exported: tuple[ExportReport, dict[str, Path]],
) -> None:
    _, files = exported
    assert {label: ffprobe_channels(path) for label, path in files.items()} == {
        label: [n] for label, n in EXPECTED.items()
    }
    step = read_bwf_samples(files["step"])
    assert int(np.argmax(np.abs(step[:, 0]))) == 2 * FRAME  # heard at its sample, in its channel


def test_xmeml_channel_counts_agree_with_the_files(
    exported: tuple[ExportReport, dict[str, Path]],
) -> None:
    report, files = exported
    root = ElementTree.parse(next(p for p in report.files if p.suffix == ".xml")).getroot()
    by_url = {xmeml_pathurl(str(path)): label for label, path in files.items()}
    files_by_id: dict[str, ElementTree.Element] = {}
    for file_e in root.iter("file"):
        if file_e.findtext("pathurl"):
            files_by_id[file_e.get("id", "")] = file_e
    seen: dict[str, tuple[int, str]] = {}
    for item in root.iter("clipitem"):
        file_ref = item.find("file")
        if file_ref is None:
            continue
        file_e = files_by_id.get(file_ref.get("id", ""))
        assert file_e is not None
        label = by_url.get(file_e.findtext("pathurl") or "")
        if label is None:
            continue  # the source video
        count = int(file_e.findtext("media/audio/channelcount") or 0)
        seen[label] = (count, item.get("premiereChannelType", ""))
    assert seen == {label: (n, "mono" if n == 1 else "stereo") for label, n in EXPECTED.items()}
    back = otio.adapters.read_from_file(
        str(next(p for p in report.files if p.suffix == ".xml")), adapter_name="fcp_xml"
    )
    assert {c.name for c in back.find_clips()} >= set(EXPECTED)


def test_fcpxml_assets_declare_the_file_channels(
    exported: tuple[ExportReport, dict[str, Path]],
) -> None:
    report, files = exported
    root = ElementTree.parse(next(p for p in report.files if p.suffix == ".fcpxml")).getroot()
    declared = {}
    for asset in root.iter("asset"):
        src = asset.find("media-rep")
        assert src is not None
        name = Path(otio.url_utils.filepath_from_url(src.get("src", ""))).name
        declared[name] = int(asset.get("audioChannels", "0"))
    for label, path in files.items():
        assert declared[path.name] == ffprobe_channels(path)[0] == EXPECTED[label]


def test_otio_and_aaf_agree_with_the_files(
    exported: tuple[ExportReport, dict[str, Path]],
) -> None:
    report, files = exported
    timeline = otio.adapters.read_from_file(
        str(next(p for p in report.files if p.suffix == ".otio"))
    )
    channels = {
        c.name: c.metadata["foleydesk"]["channels"]
        for c in timeline.find_clips()
        if "channels" in c.metadata.get("foleydesk", {}) and c.name in EXPECTED
    }
    for label, path in files.items():
        assert channels[label] == ffprobe_channels(path)[0] == EXPECTED[label]
    aaf_path = next(p for p in report.files if p.suffix == ".aaf")
    described: dict[str, int] = {}  # linked file name -> the Channels its descriptor says
    with aaf2.open(str(aaf_path)) as f:
        for master in f.content.mastermobs():
            file_mob = master.slots[0].segment.mob
            descriptor = file_mob.descriptor
            url = descriptor["Locator"].value[0]["URLString"].value
            name = Path(otio.url_utils.filepath_from_url(url)).name
            described[name] = int(descriptor["Channels"].value)
    assert described == {path.name: ffprobe_channels(path)[0] for path in files.values()}
    assert {label: described[path.name] for label, path in files.items()} == EXPECTED


def test_embedded_aaf_carries_a_mono_clip_as_mono(tmp_path: Path) -> None:
    source = make_source(tmp_path / "shot.mov", Fraction(25), 40, "10:00:00:00", audio=False)
    project = make_project(tmp_path, source)
    cue, _ = add_cue_with_take(
        project, 1, 5, 15, 0, label="step", samples=_take(10 * FRAME, 1, 2 * FRAME)
    )
    stems = export_stems(project, tmp_path / "stems")
    path = write_aaf(
        project, build_timeline(project, stems), stems, tmp_path / "e.aaf", AafOptions(embed=True)
    )
    with aaf2.open(str(path)) as f:
        master = next(m for m in f.content.mastermobs() if m.name == "step")
        file_mob = master.slots[0].segment.mob
        assert int(file_mob.descriptor["Channels"].value) == 1
        file_mob.export_audio(str(tmp_path / "back.wav"))
    assert ffprobe_channels(tmp_path / "back.wav") == [1]
    back = read_bwf_samples(tmp_path / "back.wav")
    np.testing.assert_array_equal(back, read_bwf_samples(stems.clips[cue.id].path))
    assert int(np.argmax(np.abs(back[:, 0]))) == 2 * FRAME
