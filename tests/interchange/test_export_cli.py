"""`foleydesk export`: every output from one command, clear errors for bad requests."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import pytest

from foleydesk.cli import main
from foleydesk.media.bwf import read_bwf_info
from tests.interchange.sources import add_cue_with_take, make_project, make_source


@pytest.fixture()
def project_path(tmp_path: Path) -> Path:
    source = make_source(tmp_path / "shot.mov", Fraction(25), 50, "10:00:00:00")
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 5, 15, 10, label="door")
    add_cue_with_take(project, 2, 20, 40, 10, label="steps", offset=-100)
    path = project.path
    project.close()
    return path


def test_export_everything(
    tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "export",
            str(project_path),
            "--stems", str(out / "stems"),
            "--video", str(out / "cut.mov"),
            "--audio", "tracks",
            "--xml", str(out / "cut.xml"),
            "--fcpxml", str(out / "cut.fcpxml"),
            "--edl", str(out / "cut.edl"),
            "--otio", str(out / "cut.otio"),
            "--handles", "0.2",
            "--float",
        ]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    for name in ("cut.mov", "cut.xml", "cut.fcpxml", "cut.edl", "cut.otio", "door_Foley 1.wav"):
        assert (out / name).is_file() or (out / "stems" / name).is_file()
        assert name in printed
    door = read_bwf_info(out / "stems" / "door_Foley 1.wav")
    assert door.float_samples and door.time_reference == (900_000 + 5) * 1920
    with av.open(str(out / "cut.mov")) as container:
        # mix, original, two lanes, and the source's production stream copied as it is
        assert len(container.streams.audio) == 5

    # Again, as JSON, with the same stem format: nothing changed, so every stem is reused.
    stems = str(out / "stems")
    code = main(
        ["export", str(project_path), "--stems", stems, "--handles", "0.2", "--float", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["written"] == []
    assert len(data["unchanged"]) == 5  # two clips, two lane stems, the mix
    steps = next(c for c in data["clips"].values() if "steps" in c["file"])
    assert steps["start_frame"] == 19  # one frame of handle holds the -100 sample offset
    # 24-bit is another file content: everything is rendered again.
    assert main(["export", str(project_path), "--stems", stems, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["written"]) == 5


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "Nothing to export"),
        (["--xml", "cut.txt"], "--xml needs a file ending in .xml"),
        (["--video", "cut.avi"], "cannot write a .avi video"),
        (["--otio", "cut.json"], ".otio or .otioz"),
        (["--stems", "s", "--handles", "-1"], "--handles must be 0 or more"),
    ],
)
def test_bad_requests_are_clear(
    tmp_path: Path,
    project_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    args = [a if not a.startswith("cut") else str(tmp_path / a) for a in extra]
    assert main(["export", str(project_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("cut*"))


def test_missing_source_is_a_clear_error(
    tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shot.mov").rename(tmp_path / "elsewhere.mov")
    assert main(["export", str(project_path), "--video", str(tmp_path / "v.mp4")]) == 2
    assert "shot.mov was not found" in capsys.readouterr().err
    assert not (tmp_path / "v.mp4").exists()


def test_renaming_a_cue_leaves_no_old_stem_and_spares_other_files(
    tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stems = tmp_path / "out" / "stems"
    assert main(["export", str(project_path), "--stems", str(stems)]) == 0
    assert (stems / "door_Foley 1.wav").is_file()
    mine = stems / "my notes.txt"  # a file the editor put there: never ours to delete
    mine.write_text("keep me")
    yours = stems / "door_Foley 1 (my copy).wav"
    yours.write_bytes((stems / "door_Foley 1.wav").read_bytes())
    assert main(["cue", "set", str(project_path), "1", "--label", "slam"]) == 0
    assert main(["export", str(project_path), "--stems", str(stems)]) == 0
    capsys.readouterr()
    assert (stems / "slam_Foley 1.wav").is_file()
    assert not (stems / "door_Foley 1.wav").exists()
    assert mine.read_text() == "keep me" and yours.is_file()
