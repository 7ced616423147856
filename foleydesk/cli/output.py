"""Shared output helpers: stable JSON on stdout, human lines otherwise."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=True, default=_default)
    sys.stdout.write("\n")


def add_json_flag(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print stable JSON (see README)")
