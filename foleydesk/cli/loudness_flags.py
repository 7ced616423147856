"""The export command's loudness options, and the lines that say what normalisation did."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from foleydesk.media.normalize import NORMALIZE_MODES, PRESETS, check_ceiling, parse_target
from foleydesk.media.stem_loudness import LoudnessPlan
from foleydesk.media.stems import StemExport


def add_loudness_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--loudness",
        default="none",
        metavar="TARGET",
        help=(
            f"normalise to {'|'.join(PRESETS)}|none or a number of LUFS (default none: "
            "measure only)"
        ),
    )
    p.add_argument(
        "--true-peak", type=float, default=None, metavar="DBTP", help="true-peak ceiling"
    )
    p.add_argument(
        "--normalize",
        choices=NORMALIZE_MODES,
        default="lanes",
        help="normalise each lane's stem (default) or the mix",
    )
    p.add_argument(
        "--loudness-report",
        type=Path,
        metavar="FILE",
        help="also write the loudness report here (.json, .csv, or both beside the name)",
    )


def loudness_plan(args: argparse.Namespace) -> LoudnessPlan:
    if args.true_peak is not None:
        check_ceiling(args.true_peak)
    return LoudnessPlan(parse_target(args.loudness, args.true_peak), args.normalize)


def _num(value: Any, unit: str) -> str:
    return f"{value:.1f} {unit}" if isinstance(value, int | float) else "silent"


def print_loudness_summary(stems: StemExport) -> None:
    """One line per lane stem and the mix: the figures and what normalisation did."""
    for row in stems.loudness_rows():
        if row["kind"] == "clip":
            continue
        line = (
            f"loudness   {row['file']}: {_num(row['integrated_lufs'], 'LUFS')}, "
            f"LRA {_num(row['range_lu'], 'LU')}, peak {_num(row['true_peak_dbtp'], 'dBTP')}"
        )
        if row["target"]:
            line += f" <- {row['applied']} {row['gain_db']:+.2f} dB to {row['target']}"
        print(line)
