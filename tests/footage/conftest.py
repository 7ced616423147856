"""Footage shapes built once per test run, on first use (each takes well under a second)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.footage.shapes import SHAPES

FootageMaker = Callable[[str], Path]


@pytest.fixture(scope="session")
def footage(tmp_path_factory: pytest.TempPathFactory) -> FootageMaker:
    """footage("12.5") -> the path of that shape's file, made on first use."""
    folder = tmp_path_factory.mktemp("footage")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            shape = SHAPES[name]
            made[name] = shape.make(folder / shape.file)
        return made[name]

    return get
