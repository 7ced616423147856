"""Loudness for every file of a stems folder: normalise where the export asked, measure, write
the figures into the file's bext (version 2 fields), and the report beside the stems.

The report (JSON and CSV) lists each file with its figures and what normalisation did to it,
so a QC house sees the same numbers the files carry.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foleydesk.media.atomic import atomic_output
from foleydesk.media.bwf import write_bext_loudness
from foleydesk.media.loudness import Loudness, measure_file
from foleydesk.media.normalize import LoudnessTarget, normalise_file

REPORT_JSON = "loudness.json"
REPORT_CSV = "loudness.csv"
_COLUMNS = (
    "file",
    "kind",
    "integrated_lufs",
    "range_lu",
    "true_peak_dbtp",
    "max_momentary_lufs",
    "max_short_term_lufs",
    "target",
    "gain_db",
    "applied",
)


@dataclass(frozen=True)
class LoudnessPlan:
    """What the export asked: a target (None: measure only) and which files it applies to
    (`lanes`: each lane stem on its own; `mix`: the mix)."""

    target: LoudnessTarget | None = None
    normalize: str = "lanes"

    def applies_to(self, kind: str) -> bool:
        if self.target is None:
            return False
        return (kind == "lane") if self.normalize == "lanes" else (kind == "mix")

    def key(self, kind: str) -> Any:
        """What of the plan changes a file's content (for the stems manifest)."""
        if not self.applies_to(kind) or self.target is None:
            return None
        return [self.target.integrated, self.target.true_peak]


def finish_file(
    path: Path, kind: str, plan: LoudnessPlan, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """Normalise (when the plan covers this kind of file), measure, fill the bext fields."""
    entry: dict[str, Any] = {"target": "", "gain_db": 0.0, "applied": "none"}
    measured = measure_file(path, cancel=cancel)
    if plan.applies_to(kind) and plan.target is not None:
        done = normalise_file(path, plan.target, measured, cancel)
        measured = done.after
        entry.update(target=done.target.describe(), gain_db=done.gain_db, applied=done.applied)
    write_bext_loudness(
        path,
        measured.integrated,
        measured.range,
        measured.true_peak,
        measured.max_momentary,
        measured.max_short_term,
    )
    entry["loudness"] = measured.to_dict()
    return entry


def report_rows(files: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for name, kind, entry in files:
        loud = Loudness.from_dict(entry.get("loudness", {}))
        rows.append(
            {
                "file": name,
                "kind": kind,
                "integrated_lufs": loud.integrated,
                "range_lu": loud.range,
                "true_peak_dbtp": loud.true_peak,
                "max_momentary_lufs": loud.max_momentary,
                "max_short_term_lufs": loud.max_short_term,
                "target": entry.get("target", ""),
                "gain_db": entry.get("gain_db", 0.0),
                "applied": entry.get("applied", "none"),
            }
        )
    return rows


def write_report(rows: list[dict[str, Any]], path: Path) -> list[Path]:
    """`path` ending .csv or .json writes that one; any other name writes both beside it."""
    path = Path(path)
    suffix = path.suffix.lower()
    targets = (
        [path]
        if suffix in (".csv", ".json")
        else [
            path.with_suffix(".json"),
            path.with_suffix(".csv"),
        ]
    )
    written = []
    for target in targets:
        with atomic_output(target) as tmp:
            if target.suffix.lower() == ".json":
                tmp.write_text(json.dumps({"files": rows}, indent=1), "utf-8")
            else:
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n")
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: "" if v is None else v for k, v in row.items()})
                tmp.write_text(out.getvalue(), "utf-8")
        written.append(target)
    return written
