"""The five ways real footage broke FoleyDesk (issue 15, "Today"), each as a new user met it
through the command line."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import av
import pytest

from foleydesk.cli import main
from tests.footage.conftest import FootageMaker


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _new(capsys: pytest.CaptureFixture[str], video: Path, tmp: Path, name: str) -> Path:
    project = tmp / f"{name}.foleydesk"
    code, _, err = _run(capsys, "new", str(video), "-o", str(project))
    assert code == 0, err
    return project


@pytest.mark.parametrize("shape", ["12.5", "10"])
def test_odd_rate_exports_timelines_and_shows_no_12_frame_seconds(
    shape: str, footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(capsys, footage(shape), tmp_path, "cam")
    code, out, err = _run(
        capsys, "cue", "add", str(project), "--in", "0.4", "--out", "1.2", "--prompt", "door",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    out_dir = tmp_path / "out"
    code, _, err = _run(
        capsys, "export", str(project), "--xml", str(out_dir / "cut.xml"),
        "--edl", str(out_dir / "cut.edl"),
    )  # fmt: skip
    assert "internal error" not in err
    assert code == 0, err
    assert (out_dir / "cut.xml").is_file() and (out_dir / "cut.edl").is_file()

    code, out, err = _run(capsys, "cue", "list", str(project), "--json")
    cue = json.loads(out)[0]
    # 1.2 s is not "00:00:01:03" (12-frame seconds at 12.5 fps) nor "00:00:01:02" (10 fps
    # counted as itself): the app shows clock time plus the frame, and the timecode the NLE
    # will show at the sequence rate (25 for 12.5, 30 for 10).
    frames_out = round(Fraction(12, 10) * Fraction(shape))
    assert cue["out"]["display"] == f"00:00:01.200 {frames_out}f"
    assert cue["out"]["timecode"] == ("00:00:01:05" if shape == "12.5" else "00:00:01:06")


def test_2983_fps_is_conformed_to_2997_without_drift(
    footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = footage("29.83")
    project = _new(capsys, video, tmp_path, "phone")
    code, _, err = _run(capsys, "cue", "add", str(project), "--in", "39", "--out", "39.5")
    assert code == 0, err
    xml = tmp_path / "cut.xml"
    code, _, err = _run(capsys, "export", str(project), "--xml", str(xml))
    assert code == 0, err
    root = ElementTree.parse(xml).getroot()
    seq_rate = Fraction(30000, 1001)
    # The source file lasts 1194/29.83 s: at 29.97 its clip must last as long (within half a
    # frame), not 1194 frames of 29.97 (0.2 s short).
    code, out, _ = _run(capsys, "info", str(project), "--json")
    frames = json.loads(out)["source"]["frame_count"]
    assert frames == 1194
    true_duration = Fraction(frames) / Fraction(2983, 100)
    video_item = root.find(".//sequence/media/video/track/clipitem")
    assert video_item is not None
    assert video_item.findtext("rate/timebase") == "30"
    assert video_item.findtext("rate/ntsc") == "TRUE"
    item_frames = int(video_item.findtext("out") or 0) - int(video_item.findtext("in") or 0)
    assert abs(item_frames / seq_rate - true_duration) <= 1 / (2 * seq_rate)
    # The cue's marker sits at 39 s of the sequence, not at source frame 1163 read as 29.97.
    marker = root.find(".//sequence/marker")
    assert marker is not None
    at = int(marker.findtext("in") or 0) / seq_rate
    exact = Fraction(round(39 * Fraction(2983, 100))) / Fraction(2983, 100)
    assert abs(at - exact) <= 1 / (2 * seq_rate)


def test_av1_mkv_into_mov_names_the_codec_and_a_container_that_works(
    footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(capsys, footage("av1"), tmp_path, "av1")
    code, _, err = _run(capsys, "export", str(project), "--video", str(tmp_path / "x.mov"))
    assert code == 2
    assert "libdav1d" not in err and "Export a .mov instead" not in err
    assert "AV1" in err and ".mkv" in err
    assert not (tmp_path / "x.mov").exists()
    # The container it names does work: the AV1 packets are copied.
    code, _, err = _run(capsys, "export", str(project), "--video", str(tmp_path / "x.mkv"))
    assert code == 0, err
    with av.open(str(tmp_path / "x.mkv")) as container:
        assert container.streams.video[0].codec_context.codec.canonical_name == "av1"


def test_eight_mono_tracks_are_all_listed(
    footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = footage("8 mono")
    code, out, err = _run(capsys, "info", str(video))
    assert code == 0, err
    assert "1 ch at" not in out.splitlines()[-1] or "8 streams" in out
    assert "8 streams" in out
    code, out, err = _run(capsys, "info", str(video), "--json")
    streams = json.loads(out)["audio"]
    assert [s["channels"] for s in streams] == [1] * 8
    assert all(s["layout"] == "mono" for s in streams)
    project = _new(capsys, video, tmp_path, "rec")
    code, out, err = _run(capsys, "info", str(project), "--json")
    source = json.loads(out)["source"]
    assert [s["channels"] for s in source["audio_streams"]] == [1] * 8
    assert source["production_streams"] == list(range(8))


def test_mpeg2_ts_gop_timecode_is_read(
    footage: FootageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "info", str(footage("mpeg2 ts")), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["start_timecode"] == "10:00:00:00"
    assert data["timecode_source"] == "gop"
