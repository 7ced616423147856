"""The CLI contract: new/info/cue on real generated media, and clear exit-2 lines for bad files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from foleydesk.cli import main

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg builds the fixtures")


def _ffmpeg(*args: str) -> None:
    assert FFMPEG is not None
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small file per container the issue names, each with known facts."""
    if FFMPEG is None:
        pytest.skip("ffmpeg builds the fixtures")
    d = tmp_path_factory.mktemp("media")
    files = {
        "mp4": d / "clip.mp4",
        "mov": d / "tc.mov",
        "mkv": d / "clip.mkv",
        "webm": d / "clip.webm",
        "audio": d / "music.m4a",
    }
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:r=48000",
        "-t",
        "4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        str(files["mp4"]),
    )
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=24000/1001",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:r=48000",
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "pcm_s24le",
        "-timecode",
        "00:59:58:00",
        str(files["mov"]),
    )
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=30000/1001",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-timecode",
        "01:00:00;00",
        str(files["mkv"]),
    )
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=50",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:r=48000",
        "-t",
        "2",
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-c:a",
        "libopus",
        "-shortest",
        str(files["webm"]),
    )
    _ffmpeg(
        "-f", "lavfi", "-i", "sine=f=440:r=48000", "-t", "2", "-c:a", "aac", str(files["audio"])
    )
    return files


@needs_ffmpeg
@pytest.mark.parametrize(
    ("kind", "duration", "rate", "timecode"),
    [
        ("mp4", "4.000", "25", "00:00:00:00"),
        ("mov", "3.003", "23.976", "00:59:58:00"),
        ("mkv", "2.002", "29.97", "01:00:00;00"),
        ("webm", "2.000", "50", "00:00:00:00"),
    ],
)
def test_new_prints_duration_rate_and_start_timecode(
    media: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    duration: str,
    rate: str,
    timecode: str,
) -> None:
    project = tmp_path / f"{kind}.foleydesk"
    assert main(["new", str(media[kind]), "-o", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"duration:        {duration} s" in out
    assert f"frame rate:      {rate}\n" in out
    assert f"start timecode:  {timecode}" in out
    assert project.is_file()
    assert (tmp_path / f"{kind} Media" / "takes").is_dir()


@needs_ffmpeg
def test_cue_timecode_counts_from_the_source_start(
    media: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "tc.foleydesk"
    assert main(["new", str(media["mov"]), "-o", str(project)]) == 0
    capsys.readouterr()
    # 00:59:59:12 is 36 frames after the 00:59:58:00 start; 2.5 s is frame 60 (59.94 -> 60).
    assert (
        main(
            [
                "cue",
                "add",
                str(project),
                "--in",
                "00:59:59:12",
                "--out",
                "2.5",
                "--prompt",
                "gravel footsteps",
                "--label",
                "steps",
            ]
        )
        == 0
    )
    cue_id = int(capsys.readouterr().out.strip())
    assert main(["cue", "list", str(project), "--json"]) == 0
    (cue,) = json.loads(capsys.readouterr().out)
    assert cue["id"] == cue_id
    assert cue["in"] == {
        "frame": 36,
        "timecode": "00:59:59:12",
        "display": "00:59:59:12",
        "seconds": 36 * 1001 / 24000,
        "seconds_exact": "3003/2000",
    }
    assert cue["out"]["frame"] == 60 and cue["out"]["timecode"] == "01:00:00:12"
    assert cue["prompt"] == "gravel footsteps" and cue["lane"] == 1

    assert main(["cue", "set", str(project), str(cue_id), "--lane", "2", "--out", "61f"]) == 0
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["cues"][0]["lane"] == 2 and info["cues"][0]["out"]["frame"] == 61
    assert info["source"]["start_timecode"] == "00:59:58:00"

    assert main(["cue", "rm", str(project), str(cue_id)]) == 0
    assert main(["cue", "list", str(project)]) == 0
    assert "no cues" in capsys.readouterr().out


@needs_ffmpeg
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--in", "00:59:57:00", "--out", "1"], "before the start of the source"),
        (["--in", "1", "--out", "9"], "ends after the source"),
        (["--in", "2", "--out", "1"], "out point must come after"),
        (["--in", "00:59:58:30", "--out", "2"], "frames only go to 23"),
        (["--in", "soon", "--out", "2"], "is not a time"),
        (["--in", "0", "--out", "1", "--lane", "9"], "There is no lane 9"),
        (["--in", "0", "--out", "1", "--lane", "0"], "There is no lane 0"),
    ],
)
def test_bad_cue_input_exits_2_with_one_clear_line(
    media: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    says: str,
) -> None:
    project = tmp_path / "tc.foleydesk"
    assert main(["new", str(media["mov"]), "-o", str(project)]) == 0
    capsys.readouterr()
    assert main(["cue", "add", str(project), *args]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


def _truncated(media: dict[str, Path], tmp_path: Path) -> Path:
    path = tmp_path / "truncated.mp4"
    data = media["mp4"].read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


@needs_ffmpeg
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda m, t: (t / "empty.mp4", (t / "empty.mp4").write_bytes(b""))[0], "is empty"),
        (
            lambda m, t: (t / "notes.mp4", (t / "notes.mp4").write_text("hello"))[0],
            "not a media file",
        ),
        (_truncated, "truncated"),
        (lambda m, t: m["audio"], "audio-only"),
        (lambda m, t: t / "missing.mp4", "does not exist"),
    ],
    ids=["empty", "text", "truncated", "audio-only", "missing"],
)
def test_bad_files_exit_2_without_traceback(
    media: dict[str, Path],
    tmp_path: Path,
    make: object,
    says: str,
) -> None:
    bad = make(media, tmp_path)  # type: ignore[operator]
    run = subprocess.run(
        [sys.executable, "-m", "foleydesk", "new", str(bad), "-o", str(tmp_path / "p.foleydesk")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    assert says in run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1
    assert not (tmp_path / "p.foleydesk").exists()


def test_unknown_command_and_bad_project_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert main(["cue", "list", str(tmp_path / "nope.foleydesk")]) == 2
    assert "No project at" in capsys.readouterr().err
    text = tmp_path / "x.mp4"
    text.write_text("x")
    assert main(["cue", "list", str(text)]) == 2


@needs_ffmpeg
def test_unwritable_output_exits_2_naming_the_path(
    media: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p.foleydesk"
    assert main(["new", str(media["mp4"]), "-o", str(project)]) == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    capsys.readouterr()
    assert main(["export", str(project), "--xml", str(blocker / "seq.xml")]) == 2
    err = capsys.readouterr().err
    assert str(blocker) in err and ".part" not in err and "internal error" not in err


@pytest.mark.parametrize(
    "bad", [["--short-side", "0"], ["--short-side", "-5"], ["--max-mb", "0"], ["--max-mb", "nan"]]
)
def test_segment_refuses_sizes_that_are_not_above_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: list[str]
) -> None:
    """A 0-pixel short side would write a 2x2 segment without a word."""
    project = str(tmp_path / "p.foleydesk")
    with pytest.raises(SystemExit) as exit_info:
        main(["segment", project, "--cue", "1", "-o", str(tmp_path / "s.mp4"), *bad])
    assert exit_info.value.code == 2
    assert "not a number above zero" in capsys.readouterr().err
    assert not (tmp_path / "s.mp4").exists()
