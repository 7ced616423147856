"""The issue's CLI test: generate through a host emulator whose audio is a click on every motion
onset, trim the cue 30 frames earlier and 12 frames later, export stems: every click stays at its
source time within 1 ms, and the stem is silent where nothing was generated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from foleydesk.cli import main
from foleydesk.core.project import Project
from foleydesk.media.takes import read_wav
from tests.fakes.clips import make_clip
from tests.fakes.harness import start_host
from tests.jobs.test_cli import fast  # noqa: F401  (fixture)

FPS = 25
SPF = 48000 // FPS


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _clicks(samples: np.ndarray) -> list[int]:
    loud = np.flatnonzero(np.abs(samples).max(axis=1) > 0.2)
    return [int(s) for i, s in enumerate(loud) if i == 0 or s - loud[i - 1] > 480]


def _export(capsys: pytest.CaptureFixture[str], project: Path, folder: Path) -> np.ndarray:
    _run(capsys, "export", str(project), "--stems", str(folder))
    stem = folder / "Foley 1.wav"
    samples, rate = read_wav(stem)
    assert rate == 48000
    return samples


def test_trimmed_cue_keeps_every_click_on_its_picture(
    tmp_path: Path,
    fast: None,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shot = make_clip(tmp_path / "shot.mp4", frames=150, fps=FPS, jumps=(50, 70, 90))
    project = shot.with_suffix(".foleydesk")
    server = start_host(monkeypatch, "wavespeed")
    with server:
        _check_trim_and_new_part(capsys, project, tmp_path)


def _check_trim_and_new_part(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    shot = project.with_suffix(".mp4")
    _run(capsys, "new", str(shot))
    _run(capsys, "cue", "add", str(project), "--in", "45f", "--out", "100f",
         "--prompt", "knocks", "--provider", "wavespeed")  # fmt: skip
    _run(capsys, "generate", str(project), "--cue", "1", "--wait")
    before = _export(capsys, project, tmp_path / "before")
    clicks = _clicks(before)
    assert len(clicks) == 3  # one per jump, as the host heard them
    for click, jump in zip(clicks, (50, 70, 90), strict=True):
        assert abs(click - jump * SPF) < 2 * SPF  # near its picture (the host's own estimate)

    _run(capsys, "cue", "set", str(project), "1", "--in", "15f", "--out", "112f")
    with Project.open(project) as p:
        take = p.takes[p.cue(1).chosen_take_id or 0]
        assert (take.anchor_in_frame, take.anchor_out_frame, take.moved_frames) == (45, 100, 0)
    after = _export(capsys, project, tmp_path / "after")
    moved = _clicks(after)
    assert len(moved) == 3
    for old, new in zip(clicks, moved, strict=True):
        assert abs(new - old) <= 48  # within 1 ms of where they were
    assert not after[15 * SPF : 45 * SPF].any()  # not generated: silence
    assert not after[100 * SPF : 112 * SPF].any()
    assert np.abs(after[45 * SPF : 100 * SPF]).max() > 0.2  # the take is still there

    # generate --new-part: only the hatched part is generated and joined; the old take's clicks
    # after the seam stay where they were, sample for sample.
    _run(capsys, "generate", str(project), "--cue", "1", "--new-part", "--wait")
    joined = _export(capsys, project, tmp_path / "joined")
    assert np.abs(joined[15 * SPF : 45 * SPF]).max() > 0  # no longer silent
    assert np.abs(joined[100 * SPF : 112 * SPF]).max() > 0
    assert _clicks(joined[60 * SPF :]) == [c - 60 * SPF for c in moved if c >= 60 * SPF]
    with Project.open(project) as p:
        take = p.takes[p.cue(1).chosen_take_id or 0]
        assert (take.anchor_in_frame, take.anchor_out_frame) == (15, 112)  # both sides
        assert take.problems == ""  # the seams did not clip
    code = main(["generate", str(project), "--cue", "1", "--new-part"])
    _out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "already generated" in err
