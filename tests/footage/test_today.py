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
from tests.footage.shapes import TIMECODE_PLACES


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


@pytest.mark.parametrize("place", list(TIMECODE_PLACES))
def test_start_timecode_from_every_place(
    place: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, name, label, where = TIMECODE_PLACES[place]
    code, out, err = _run(capsys, "info", str(make(tmp_path / name)), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["start_timecode"], data["timecode_source"]) == (label, where)


def test_start_tc_set_and_changed_keeps_every_cue_on_its_frame(
    footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "cam.foleydesk"
    code, _, err = _run(
        capsys, "new", str(footage("12.5")), "-o", str(project), "--start-tc", "01:00:00:00"
    )
    assert code == 0, err
    _run(capsys, "cue", "add", str(project), "--in", "01:00:00:10", "--out", "1.2")
    code, out, _ = _run(capsys, "cue", "list", str(project), "--json")
    cue = json.loads(out)[0]
    # 01:00:00:10 at 25 (the sequence rate of a 12.5 fps clip) is 0.4 s: source frame 5.
    assert cue["in"]["frame"] == 5 and cue["in"]["timecode"] == "01:00:00:10"
    assert cue["in"]["display"] == "01:00:00.400 5f"
    edl = tmp_path / "cut.edl"
    code, _, err = _run(capsys, "start-tc", str(project), "10:00:00:00")
    assert code == 0, err
    code, out, _ = _run(capsys, "cue", "list", str(project), "--json")
    cue = json.loads(out)[0]
    assert cue["in"]["frame"] == 5 and cue["in"]["timecode"] == "10:00:00:10"
    code, _, err = _run(capsys, "start-tc", str(project), "10:00:00;00")
    assert code == 2 and "Drop-frame" in err
    code, _, err = _run(capsys, "export", str(project), "--xml", str(tmp_path / "cut.xml"))
    assert code == 0, err
    root = ElementTree.parse(tmp_path / "cut.xml").getroot()
    assert root.findtext(".//sequence/timecode/string") == "10:00:00:00"
    assert not edl.exists()


def test_a_failed_file_is_named_and_the_rest_is_written(
    footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(capsys, footage("vp9"), tmp_path, "vp9")
    _run(capsys, "cue", "add", str(project), "--in", "0.1", "--out", "0.3")
    code, out, err = _run(
        capsys, "export", str(project), "--video", str(tmp_path / "x.mov"),
        "--xml", str(tmp_path / "cut.xml"),
    )  # fmt: skip
    assert code == 2
    assert f"wrote      {tmp_path / 'cut.xml'}" in out
    assert f"not written {tmp_path / 'x.mov'}: VP9 video cannot be copied into .mov" in err
    assert "internal error" not in err and "Traceback" not in err
    assert not (tmp_path / "x.mov").exists()


@pytest.mark.parametrize(
    ("shape", "suffix", "works"),
    [
        ("av1", ".mp4", True),
        ("vp9", ".mp4", True),
        ("mpeg2 ts", ".mp4", True),
        ("mpeg2 ts", ".mov", True),
        ("hdr10", ".mp4", True),
        ("hdr10", ".mov", True),
        ("dnxhd", ".mov", True),
        ("prores4444", ".mov", True),
        ("dnxhd", ".mp4", False),
        ("prores4444", ".mp4", False),
    ],
)
def test_muxing_goes_by_codec(
    shape: str,
    suffix: str,
    works: bool,
    footage: FootageMaker,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = _new(capsys, footage(shape), tmp_path, "p")
    out = tmp_path / f"cut{suffix}"
    code, _, err = _run(capsys, "export", str(project), "--video", str(out))
    if works:
        assert code == 0, err
        with av.open(str(out)) as container, av.open(str(footage(shape))) as source:
            got = container.streams.video[0].codec_context.codec.canonical_name
            assert got == source.streams.video[0].codec_context.codec.canonical_name
    else:
        assert code == 2 and ".mov or .mkv" in err and not out.exists()


def test_chosen_sequence_rate_counts_typed_timecode(
    footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "cam.foleydesk"
    code, _, err = _run(
        capsys, "new", str(footage("12.5")), "-o", str(project), "--start-tc", "01:00:00:00"
    )
    assert code == 0, err
    xml = tmp_path / "cut.xml"
    code, out, err = _run(
        capsys, "export", str(project), "--xml", str(xml), "--sequence-rate", "30"
    )
    assert code == 0, err
    assert "timelines at 30 fps" in out
    root = ElementTree.parse(xml).getroot()
    assert root.findtext(".//sequence/rate/timebase") == "30"
    assert root.findtext(".//sequence/timecode/string") == "01:00:00:00"
    # Remembered: info says 30, the start is still 01:00:00:00 (now counted at 30), and a
    # typed timecode reads at 30 (15 frames = 0.5 s = frame 6 of the 12.5 fps picture).
    code, out, _ = _run(capsys, "info", str(project), "--json")
    data = json.loads(out)
    assert data["sequence_rate"] == "30"
    assert data["source"]["start_timecode"] == "01:00:00:00"
    code, out, err = _run(
        capsys, "cue", "add", str(project), "--in", "01:00:00:15", "--out", "1.2", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["in"]["frame"] == 6
    code, _, err = _run(capsys, "export", str(project), "--xml", str(xml), "--sequence-rate", "31")
    assert code == 2 and "not a rate an NLE sequence has" in err
