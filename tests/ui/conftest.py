"""UI test set-up: offscreen Qt, a qasync loop driven by pytest-qt, generated media, a window."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from foleydesk.ui.compat import attach_running_loop, detach_running_loop
from tests.media.mediagen import clicks, make_video

T = TypeVar("T")
FRAMES = 50  # 2 s at 25 fps


@pytest.fixture(scope="session")
def ui_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ui-media")


@pytest.fixture(scope="session")
def coded_video(ui_media: Path) -> Path:
    """320x240, 25 fps, 50 frames; each frame shows its index as a binary code; clicks in audio."""
    return make_video(
        ui_media / "coded.mp4",
        frames=FRAMES,
        audio_data=clicks(2 * 48000, 48000, (24000, 72000)),
    )


@pytest.fixture()
def fresh_video(coded_video: Path, tmp_path: Path) -> Path:
    """A private copy, so each test gets its own project beside it."""
    target = tmp_path / "scene.mp4"
    target.write_bytes(coded_video.read_bytes())
    return target


@pytest.fixture(scope="session")
def _session_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the session (a second attached loop never gets its callbacks)."""
    from foleydesk.ui.theme import apply_theme

    apply_theme(qapp)
    running = attach_running_loop(qapp)
    yield running
    detach_running_loop(running)


@pytest.fixture(autouse=True)
def loop(_session_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The session's loop, marked running on this thread during each UI test (as in the app)
    and not after: the tests of other folders that run later see no loop, as the CLI does,
    and the loop guard judges their heavy calls by that."""
    asyncio.events._set_running_loop(_session_loop)
    yield _session_loop
    asyncio.events._set_running_loop(None)


class Runner:
    """Run a coroutine on the qasync loop while pytest-qt spins Qt's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, qtbot: Any) -> None:
        self.loop = loop
        self.qtbot = qtbot

    def __call__(self, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        task = self.loop.create_task(coro)
        self.qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()


@pytest.fixture()
def run(loop: asyncio.AbstractEventLoop, qtbot: Any) -> Runner:
    return Runner(loop, qtbot)


@pytest.fixture()
def window(qtbot: Any, run: Runner) -> Iterator[Any]:
    from foleydesk.ui.main_window import MainWindow

    win = MainWindow()
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    run(win.close_session())
    run(win.tasks.cancel_all())
    win.close()
    win.deleteLater()
    qtbot.wait(10)
