"""A viewer proxy changes where frames are decoded, never which frame is shown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from foleydesk.media.proxy import build_proxy
from foleydesk.playback import PlaybackEngine
from tests.playback.conftest import ProjectFactory
from tests.playback.mediagen import frame_code

SIZE = (160, 96)
SEEKS = (Fraction(0), Fraction(37, 25), Fraction(75, 50), Fraction(160, 25), Fraction(199, 25))


@pytest.fixture(scope="session")
def source_proxy(source_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_proxy(source_video, tmp_path_factory.mktemp("proxy") / "proxy.mov", 160)


@pytest.fixture
def engine(make_project: ProjectFactory) -> Iterator[PlaybackEngine]:
    playback = PlaybackEngine(make_project(), use_device=False)
    yield playback
    playback.close()


def shown_at(engine: PlaybackEngine, t: Fraction) -> tuple[int, int]:
    engine.seek(t)
    engine.current_frame(SIZE)
    assert engine.wait_frame_ready()
    shown = engine.current_frame(SIZE)
    assert shown is not None
    return shown.index, frame_code(shown.rgb)


def test_seeks_show_the_same_frames_with_and_without_the_proxy(
    engine: PlaybackEngine, make_project: ProjectFactory, source_proxy: Path
) -> None:
    plain = [shown_at(engine, t) for t in SEEKS]
    assert engine.reading_proxy is None
    assert plain == [(0, 0), (37, 37), (37, 37), (160, 160), (199, 199)]
    with PlaybackEngine(make_project(), use_device=False, proxy=source_proxy) as proxied:
        assert [shown_at(proxied, t) for t in SEEKS] == plain
        assert proxied.reading_proxy == source_proxy


def test_use_proxy_switches_at_the_next_seek_and_play_stays_on_the_clock(
    engine: PlaybackEngine, source_proxy: Path
) -> None:
    assert shown_at(engine, Fraction(1)) == (25, 25)
    engine.use_proxy(source_proxy)
    assert engine.proxy == source_proxy
    assert shown_at(engine, Fraction(2)) == (50, 50)
    assert engine.reading_proxy == source_proxy
    engine.play()
    wrong: list[tuple[int, int]] = []
    seen: set[int] = set()
    began = time.monotonic()
    while time.monotonic() - began < 0.6:
        position = engine.position
        shown = engine.current_frame(SIZE)
        if shown is not None and shown.time <= position:
            seen.add(shown.index)
            if frame_code(shown.rgb) != shown.index or shown.index > int(position * 25):
                wrong.append((shown.index, frame_code(shown.rgb)))
        time.sleep(0.01)
    engine.pause()
    assert not wrong, wrong[:5]
    assert len(seen) >= 9  # ~15 frames in 0.6 s
    engine.use_proxy(None)
    assert shown_at(engine, Fraction(3)) == (75, 75)
    assert engine.reading_proxy is None
