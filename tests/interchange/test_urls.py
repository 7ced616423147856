"""Media paths as each NLE wants them written."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from foleydesk.interchange.urls import file_url, plain_path, write_text_atomic, xmeml_pathurl


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/Volumes/Foley é/a b.wav", "file://localhost/Volumes/Foley%20%C3%A9/a%20b.wav"),
        ("/tmp/x#1?.wav", "file://localhost/tmp/x%231%3F.wav"),
        ("/tmp/100%.wav", "file://localhost/tmp/100%25.wav"),
        # Premiere writes Windows drives as C%3a after localhost/
        (
            r"C:\Users\Zoë\Foley\take 1.wav",
            "file://localhost/C%3a/Users/Zo%C3%AB/Foley/take%201.wav",
        ),
        ("D:/Proj/日本.wav", "file://localhost/D%3a/Proj/%E6%97%A5%E6%9C%AC.wav"),
    ],
)
def test_xmeml_pathurl(path: str, expected: str) -> None:
    url = xmeml_pathurl(path)
    assert url == expected
    assert url.isascii() and " " not in url


def test_file_url_round_trips() -> None:
    path = "/Users/me/Rushes é/shot #1.mov"
    url = file_url(path)
    assert url.startswith("file:///Users/")
    assert unquote(urlparse(url).path) == path
    assert file_url(r"C:\A B\c.wav") == "file:///C:/A%20B/c.wav"


def test_plain_and_relative_paths(tmp_path: Path) -> None:
    target = tmp_path / "out" / "stems" / "a b.wav"
    assert plain_path(target) == str(target)
    assert plain_path(target, tmp_path / "out") == "stems/a b.wav"
    assert plain_path(target, tmp_path / "elsewhere") == "../out/stems/a b.wav"


def test_atomic_text_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    write_text_atomic(path, "old")

    # A lone surrogate cannot be encoded: the write fails after the temp file was opened.
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "new \ud800")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["cut.xml"]
