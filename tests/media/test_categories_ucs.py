"""Lane categories, one stem per category plus the M&E, and UCS file names."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.cli import main
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.media.bwf import read_bwf_samples
from foleydesk.media.ucs import fx_name, ucs_stem
from tests.interchange.sources import SR, add_cue_with_take, make_project, make_source, peak_index


def test_fx_name_is_short_and_has_no_separator() -> None:
    assert fx_name("Heavy_barn door slam, with rattle and echo") == "Heavy barn door slam,"
    assert len(fx_name("x" * 40)) == 25
    assert ucs_stem("DOORWood", "barn door", "FD", "My Film") == "DOORWood_barn door_FD_My Film"
    with pytest.raises(UserError):
        ucs_stem("DOOR_Wood", "x", "FD", "y")


@pytest.fixture()
def project_path(tmp_path: Path) -> Path:
    source = make_source(
        tmp_path / "shot.mov", Fraction(25), 100, "01:00:00:00", audio_clicks=(SR * 3,)
    )
    project = make_project(tmp_path, source, lanes=3)  # Foley 1-3 + Music
    add_cue_with_take(project, 1, 0, 10, 100, label="steps")
    add_cue_with_take(project, 2, 25, 35, 100, label="door slam on the old barn at night")
    add_cue_with_take(project, 3, 50, 60, 100, label="wind")
    add_cue_with_take(project, 4, 70, 80, 100, label="theme")
    path = project.path
    project.close()
    return path


def test_category_stems_and_m_and_e(
    tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lane", "set", str(project_path), "2", "--category", "sfx"]) == 0
    assert main(["lane", "set", str(project_path), "3", "--category", "ambience"]) == 0
    assert main(["lane", "list", str(project_path), "--json"]) == 0
    cats = [row["category"] for row in json.loads(capsys.readouterr().out)]
    assert cats == ["Foley", "SFX", "Ambience", "Music"]
    out = tmp_path / "stems"
    args = ["export", str(project_path), "--stems", str(out), "--category-stems", "--m-and-e"]
    assert main(args) == 0
    names = {p.name for p in out.iterdir()}
    for stem in ("Stem Foley", "Stem SFX", "Stem Ambience", "Stem Music",
                 "Stem Production dialogue", "M&E"):  # fmt: skip
        assert f"{stem}.wav" in names, stem
    with Project.open(project_path) as project:
        cue_at = {c.label or "": c.in_frame for c in project.sorted_cues()}

    sfx = read_bwf_samples(out / "Stem SFX.wav")
    door_in = cue_at["door slam on the old barn at night"]
    assert peak_index(sfx) == door_in * SR // 25 + 100  # the take's click, to the sample
    dialogue = read_bwf_samples(out / "Stem Production dialogue.wav")
    assert abs(peak_index(dialogue) - SR * 3) <= 2  # the source's own click, nothing else
    m_and_e = read_bwf_samples(out / "M&E.wav")
    assert np.abs(m_and_e[SR * 3 - 10 : SR * 3 + 10]).max() == 0  # no dialogue in the M&E
    lanes_sum = sum(
        read_bwf_samples(out / f"Stem {c}.wav") for c in ("Foley", "SFX", "Ambience", "Music")
    )
    np.testing.assert_allclose(m_and_e, lanes_sum, atol=1e-6)


def test_ucs_names(tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "stems"
    args = ["export", str(project_path), "--stems", str(out), "--naming", "ucs"]
    assert main(args) == 2  # no CatIDs yet: refused before anything is written
    err = capsys.readouterr().err
    assert "steps" in err and "CatID" in err and not out.exists()
    assert main(["lane", "set", str(project_path), "1", "--ucs", "FOLYFeet"]) == 0
    assert main(["lane", "set", str(project_path), "2", "--ucs", "DOORWood"]) == 0
    assert main(["lane", "set", str(project_path), "3", "--ucs", "AMBWind"]) == 0
    assert main(["lane", "set", str(project_path), "4", "--ucs", "MUSCScor"]) == 0
    assert main(["cue", "set", str(project_path), "1", "--ucs", "FOLYShoe"]) == 0
    assert main([*args, "--creator-id", "JD", "--source-id", "Reel1"]) == 0
    names = {p.name for p in out.iterdir()}
    assert "FOLYShoe_steps_JD_Reel1.wav" in names  # the cue's CatID wins over its lane's
    assert "DOORWood_door slam on the old barn_JD_Reel1.wav" in names  # FXName: 25 chars
    assert "AMBWind_wind_JD_Reel1.wav" in names
    assert main(["lane", "set", str(project_path), "1", "--ucs", "FOLY Feet"]) == 2
    assert main(["lane", "set", str(project_path), "1", "--category", "loud"]) == 2
    assert "not a category" in capsys.readouterr().err
