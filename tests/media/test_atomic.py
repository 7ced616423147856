"""A file written through atomic_output is there whole or not at all."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from foleydesk.media.atomic import atomic_output


def test_complete_file_appears_readable_under_its_name(tmp_path: Path) -> None:
    target = tmp_path / "new folder" / "take.wav"
    with atomic_output(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".take.wav.")
        tmp.write_bytes(b"RIFF")
        assert not target.exists()
    assert target.read_bytes() == b"RIFF"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["take.wav"]


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "peaks.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["peaks.npz"]
