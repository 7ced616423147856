"""Loudness measured through PyAV's ebur128 agrees with ffmpeg's command line; normalisation
reaches the target under the ceiling, says what it did and moves nothing in time."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from foleydesk.cli import main
from foleydesk.media.bwf import read_bwf_info, read_bwf_samples, write_bwf
from foleydesk.media.loudness import measure_file
from foleydesk.media.normalize import PRESETS, normalise_file
from tests.interchange.sources import add_cue_with_take, make_project, make_source
from tests.media.loudness_ref import ffmpeg_ebur128

SR = 48_000


def noise(seconds: float, level: float, seed: int = 1) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((int(seconds * SR), 2)) * level).astype(np.float32)


def programme() -> npt.NDArray[np.float32]:
    """Loud, then quiet, then a burst: a real loudness range and a clear true peak."""
    audio = np.concatenate([noise(6, 0.1), noise(6, 0.01, 2), noise(3, 0.2, 3)])
    audio[int(4.5 * SR)] = [0.8, -0.7]
    return audio


@pytest.mark.parametrize("subtype", ["pcm24", "float32"])
def test_measurement_agrees_with_ffmpeg(tmp_path: Path, subtype: str) -> None:
    path = write_bwf(tmp_path / "p.wav", programme(), SR, 0, Fraction(25), False, subtype)  # type: ignore[arg-type]
    ours = measure_file(path)
    ref = ffmpeg_ebur128(path)
    assert ours.integrated is not None and abs(ours.integrated - ref["integrated"]) <= 0.3
    assert abs(ours.range - ref["range"]) <= 0.3
    assert ours.true_peak is not None and abs(ours.true_peak - ref["true_peak"]) <= 0.3
    assert ours.max_momentary is not None and ours.max_short_term is not None
    assert ours.max_momentary >= ours.max_short_term >= ours.integrated - 1


def test_silence_is_reported_as_unmeasurable(tmp_path: Path) -> None:
    path = write_bwf(
        tmp_path / "s.wav", np.zeros((SR * 2, 2), np.float32), SR, 0, Fraction(25), False
    )
    result = measure_file(path)
    assert result.integrated is None and result.true_peak is None


def test_gain_only_when_the_peak_stays_under_the_ceiling(tmp_path: Path) -> None:
    audio = noise(8, 0.02)
    path = write_bwf(tmp_path / "q.wav", audio, SR, 12345, Fraction(25), False)
    done = normalise_file(path, PRESETS["ebu-r128"])
    assert done.applied == "gain only" and not done.limiter
    ref = ffmpeg_ebur128(path)
    assert abs(ref["integrated"] - -23.0) <= 0.3
    after = read_bwf_samples(path)
    gain = 10 ** (done.gain_db / 20)
    np.testing.assert_allclose(after, audio * gain, atol=2e-6)  # pure gain, same samples
    assert read_bwf_info(path).time_reference == 12345  # header kept


def test_limiter_only_when_gain_would_pass_the_ceiling(tmp_path: Path) -> None:
    audio = noise(8, 0.02)
    click_at = 3 * SR + 123
    audio[click_at] = [0.9, 0.9]  # a click the gain would push far over -1 dBTP
    path = write_bwf(tmp_path / "c.wav", audio, SR, 0, Fraction(25), False)
    done = normalise_file(path, PRESETS["streaming-14"])
    assert done.applied == "gain + true-peak limiter"
    ref = ffmpeg_ebur128(path)
    assert ref["true_peak"] <= -1.0 + 0.1
    assert abs(ref["integrated"] - -14.0) <= 1.0  # limiting a click barely moves loudness
    after = read_bwf_samples(path)
    assert len(after) == len(audio)
    assert int(np.argmax(np.abs(after[:, 0]))) in range(click_at - 2, click_at + 3)  # not moved


def test_cli_measures_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_bwf(tmp_path / "p.wav", programme(), SR, 0, Fraction(25), False)
    assert main(["loudness", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert abs(data["integrated"] - ffmpeg_ebur128(path)["integrated"]) <= 0.3
    assert main(["loudness", str(path)]) == 0
    assert "true peak" in capsys.readouterr().out
    (tmp_path / "junk.wav").write_bytes(b"not a wav at all")
    assert main(["loudness", str(tmp_path / "junk.wav")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "junk.wav" in err and "Traceback" not in err
    assert main(["loudness", str(tmp_path / "none.wav")]) == 2


@pytest.fixture()
def project_path(tmp_path: Path) -> Path:
    source = make_source(tmp_path / "shot.mov", Fraction(25), 250, "10:00:00:00", audio=False)
    project = make_project(tmp_path, source)
    quiet = noise(4, 0.01)
    loud = noise(4, 0.05, 7)
    loud[SR] = [0.95, 0.95]
    add_cue_with_take(project, 1, 25, 125, 0, label="wind", samples=quiet)
    add_cue_with_take(project, 2, 50, 150, 0, label="hits", samples=loud)
    path = project.path
    project.close()
    return path


def test_export_normalises_lanes_and_writes_bext_and_report(
    tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stems = tmp_path / "stems"
    report = tmp_path / "qc" / "report"
    code = main(
        ["export", str(project_path), "--stems", str(stems), "--loudness", "ebu-r128",
         "--loudness-report", str(report)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "Foley 1.wav" in printed and "gain only" in printed
    for lane in ("Foley 1.wav", "Foley 2.wav"):
        ref = ffmpeg_ebur128(stems / lane)
        assert abs(ref["integrated"] - -23.0) <= 0.3, lane
        assert ref["true_peak"] <= -1.0 + 0.1, lane
        info = read_bwf_info(stems / lane)
        assert info.version == 2
        assert info.loudness[0] is not None and abs(info.loudness[0] - ref["integrated"]) <= 0.3
        assert info.loudness[2] is not None and abs(info.loudness[2] - ref["true_peak"]) <= 0.3
    rows = json.loads((stems / "loudness.json").read_text())["files"]
    by_name = {r["file"]: r for r in rows}
    assert by_name["Foley 1.wav"]["applied"] == "gain only"
    assert by_name["Mix.wav"]["applied"] == "none"  # lanes mode leaves the mix as mixed
    assert (report.with_suffix(".csv")).read_text().startswith("file,kind,integrated_lufs")
    assert json.loads(report.with_suffix(".json").read_text())["files"] == rows


def test_default_changes_nothing_and_mix_mode(tmp_path: Path, project_path: Path) -> None:
    plain, mixed = tmp_path / "plain", tmp_path / "mixed"
    assert main(["export", str(project_path), "--stems", str(plain)]) == 0
    assert main(["export", str(project_path), "--stems", str(plain), "--loudness", "none"]) == 0
    assert main(
        ["export", str(project_path), "--stems", str(mixed), "--loudness", "-20",
         "--true-peak", "-3", "--normalize", "mix"]
    ) == 0  # fmt: skip
    np.testing.assert_array_equal(
        read_bwf_samples(plain / "Foley 1.wav"), read_bwf_samples(mixed / "Foley 1.wav")
    )
    ref = ffmpeg_ebur128(mixed / "Mix.wav")
    assert abs(ref["integrated"] - -20.0) <= 0.3 and ref["true_peak"] <= -3.0 + 0.1
    rows = json.loads((mixed / "loudness.json").read_text())["files"]
    assert {r["file"]: r["target"] for r in rows}["Mix.wav"].startswith("custom (-20 LUFS, -3 dBTP")


def test_mediainfo_reads_the_bext(tmp_path: Path, project_path: Path) -> None:
    stems = tmp_path / "stems"
    assert main(["export", str(project_path), "--stems", str(stems)]) == 0
    text = subprocess.run(
        ["mediainfo", "-f", str(stems / "wind_Foley 1.wav")], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert "FoleyDesk" in text
    assert "wind: steps" in text  # Description: label and prompt


@pytest.mark.parametrize(
    "args",
    [
        ["--loudness", "loud"],
        ["--loudness", "ebu-r128", "--true-peak", "3"],
        ["--loudness", "+5"],
        ["--loudness-report", "r.json", "--video", "x.mp4"],
    ],
)
def test_bad_loudness_options_are_one_line(
    tmp_path: Path, project_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    extra = [] if "--video" in args else ["--stems", str(tmp_path / "s")]
    assert main(["export", str(project_path), *extra, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "s").exists()
