"""CLI commands of the export capability."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Adds this capability's subcommands (none yet)."""
