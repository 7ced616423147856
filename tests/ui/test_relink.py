"""Relink and the missing source, with the real window: a rewrap of the same media (other
container) is taken after the editor is told what differs and says yes; other media is refused
in words; a source that comes back by itself takes the banner away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av

from tests.media.mediagen import make_video


def remux(source: Path, target: Path) -> Path:
    """The same packets in another container (what a rewrap is)."""
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        streams = {}
        for stream in inp.streams:
            streams[stream.index] = out.add_stream_from_template(stream)
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return target


def open_with_missing_source(window: Any, run: Any, video: Path, tmp_path: Path) -> Path:
    assert run(window.open_async(video))
    project_path = window.session.project.path
    run(window.close_session())
    away = tmp_path / "away"
    away.mkdir()
    video.rename(away / video.name)
    assert run(window.open_async(project_path))
    assert "was not found" in window.banner.text
    return away / video.name


def test_a_rewrap_is_accepted_after_saying_what_differs(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    moved = open_with_missing_source(window, run, fresh_video, tmp_path)
    rewrap = remux(moved, tmp_path / "scene rewrap.mov")
    task = window.tasks.spawn(window._relink(rewrap), "relink")
    qtbot.waitUntil(lambda: window.relink_question is not None, timeout=10000)
    box = window.relink_question
    qtbot.waitUntil(box.isVisible, timeout=3000)
    text = box.text()
    assert "50 frames at 25 fps" in text
    assert "container" in text and "file size" in text
    use = next(b for b in box.buttons() if b.text() == "Use it")
    use.click()
    qtbot.waitUntil(task.done, timeout=20000)
    session = window.session
    assert session.project.source_path == rewrap.resolve()
    assert window.banner.text == ""
    assert window.playback_blocker == ""


def test_other_media_is_refused_in_words(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    open_with_missing_source(window, run, fresh_video, tmp_path)
    other = make_video(tmp_path / "other.mp4", frames=40)
    run(window._relink(other))
    assert "not the same media" in window.banner.text
    assert "40 frames, not 50" in window.banner.text
    assert window.relink_question is None
    assert window.session.project.source_path is None


def test_the_banner_goes_when_the_source_comes_back(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    moved = open_with_missing_source(window, run, fresh_video, tmp_path)
    assert not window.transport.play_button.isEnabled()
    moved.rename(fresh_video)
    qtbot.waitUntil(lambda: window.banner.text == "", timeout=10000)
    qtbot.waitUntil(lambda: window.playback_blocker == "", timeout=10000)
    assert window.session.project.source_path == fresh_video.resolve()
    assert window.transport.play_button.isEnabled() or window.player is not None
