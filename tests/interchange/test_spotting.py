"""The spotting sheet: CSV for a database, PDF a supervisor prints, both sorted by timecode with
the project, source, rate and start timecode in the header. The PDF is read back by poppler."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from foleydesk.cli import main
from foleydesk.core.model import Cue
from tests.interchange.sources import add_cue_with_take, make_project, make_source


@pytest.fixture()
def project_path(tmp_path: Path) -> Path:
    source = make_source(tmp_path / "reel.mov", Fraction(30000, 1001), 600, "01:00:00;00")
    project = make_project(tmp_path, source, name="Lighthouse R3")
    # Added out of order: the sheet sorts by timecode.
    later, take = add_cue_with_take(project, 2, 300, 330, 10, label="door")
    project.update_cue(later.id, prompt="iron door slams", negative_prompt="voices")
    project.update_take(take.id, model_id="mmaudio", params={"seed": 99})
    for i in range(60):  # enough rows for a second page
        lane = project.lane_by_number(1).id
        project.add_cue(Cue(0, lane, i * 9, i * 9 + 8, label=f"step {i}", prompt="boots on wood"))
    path = project.path
    project.close()
    return path


def _text(pdf: Path, page: int) -> str:
    run = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return run.stdout


def test_csv_sheet(tmp_path: Path, project_path: Path) -> None:
    out = tmp_path / "spot.csv"
    assert main(["export", str(project_path), "--spotting", str(out)]) == 0
    lines = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert lines[:4] == [
        ["Project", "Lighthouse R3"],
        ["Source", "reel.mov"],
        ["Rate", "29.97 DF fps"],
        ["Start TC", "01:00:00;00"],
    ]
    header, rows = lines[5], lines[6:]
    assert header[:6] == ["#", "Lane", "Category", "In", "Out", "Duration"]
    assert len(rows) == 61
    ins = [r[3] for r in rows]
    assert ins == sorted(ins)  # by timecode (same format, so text order is time order)
    door = next(r for r in rows if r[6] == "door")
    assert door[3] == "01:00:10;00" and door[4] == "01:00:11;00"  # frame 300 at 29.97 DF
    assert door[7:12] == ["iron door slams", "voices", "mmaudio@offline", "take 1, seed 99",
                          "chosen"]  # fmt: skip
    assert door[1:3] == ["Foley 2", "Foley"]
    assert rows[0][11] == "no takes"


@pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfinfo")),
    reason="poppler's pdftotext/pdfinfo not installed (Debian poppler-utils, brew poppler)",
)
def test_pdf_sheet_paginates_and_repeats_its_header(tmp_path: Path, project_path: Path) -> None:
    out = tmp_path / "spot.pdf"
    assert main(["export", str(project_path), "--spotting", str(out)]) == 0
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    assert pages >= 2
    for page in range(1, pages + 1):
        text = _text(out, page)
        assert "Spotting sheet: Lighthouse R3" in text
        assert "Start TC: 01:00:00;00" in text and "29.97 DF fps" in text
        assert "Negative prompt" in text and "Model@host" in text  # the column header again
        assert f"page {page} of {pages}" in text
    assert "iron door slams" in "".join(_text(out, p) for p in range(1, pages + 1))


def test_bad_spotting_name(
    tmp_path: Path, project_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(project_path), "--spotting", str(tmp_path / "s.xlsx")]) == 2
    err = capsys.readouterr().err
    assert ".csv or .pdf" in err and err.count("\n") == 1
