"""CLI: `foleydesk loudness FILE` measures one file as a QC house would (BS.1770-4)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.errors import UserError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "loudness",
        help="integrated loudness, range, true peak of an audio file",
        description=(
            "Measure a WAV (or any audio file) with FFmpeg's EBU R128 meter: integrated "
            "loudness, loudness range, true peak, maximum momentary and short-term loudness."
        ),
    )
    p.add_argument("file", type=Path)
    add_json_flag(p)
    p.set_defaults(func=cmd_loudness)


def _show(value: float | None, unit: str) -> str:
    return f"{value:7.2f} {unit}" if value is not None else f"      - {unit} (silent)"


def cmd_loudness(args: argparse.Namespace) -> int:
    from foleydesk.media.loudness import measure_file

    path: Path = args.file
    if not path.is_file():
        raise UserError(f"There is no file {path}.", "Check the path.")
    result = measure_file(path)
    if args.json:
        print_json({"file": str(path), **result.to_dict()})
        return 0
    print(f"integrated       {_show(result.integrated, 'LUFS')}")
    print(f"loudness range   {_show(result.range, 'LU')}")
    print(f"true peak        {_show(result.true_peak, 'dBTP')}")
    print(f"max momentary    {_show(result.max_momentary, 'LUFS')}")
    print(f"max short-term   {_show(result.max_short_term, 'LUFS')}")
    return 0
