"""Viewer proxies in the window: built in the background with progress in the status bar, the
same frames on screen afterwards (read from the pixels), and a clean stop when the project
closes mid-build."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foleydesk.media.proxy import build_proxy, load_proxy, proxy_path
from foleydesk.settings import load_settings, save_settings
from foleydesk.threads import BACKGROUND_NICE
from foleydesk.ui import proxy_builder
from tests.media.mediagen import make_video, read_code

WIDTH, HEIGHT = 640, 360
FRAMES = 125  # 5 s at 25 fps, one keyframe: every exact seek decodes from frame 0
PROGRESS = re.compile(r"^Building viewer proxy\u2026 (\d+) %$")


@pytest.fixture(scope="session")
def long_gop_clip(ui_media: Path) -> Path:
    return make_video(
        ui_media / "long_gop.mp4", size=(WIDTH, HEIGHT), frames=FRAMES, gop=250, audio_codec=None
    )


@pytest.fixture()
def clip(long_gop_clip: Path, tmp_path: Path) -> Path:
    target = tmp_path / "long.mp4"
    target.write_bytes(long_gop_clip.read_bytes())
    return target


@pytest.fixture()
def proxy_setting() -> Iterator[Any]:
    def set_to(value: str) -> None:
        settings = load_settings()
        settings.viewer_proxy = value
        save_settings(settings)

    yield set_to
    set_to("auto")


def shown_frame(window: Any) -> int:
    """The frame index the viewer shows, read from the picture's own pixels."""
    image = window.viewer.image
    assert image is not None
    rgb = image.convertToFormat(image.Format.Format_RGB888)
    arr = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    arr = arr[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
    return read_code(arr, scale=rgb.width() / WIDTH)


def seek_and_read(window: Any, qtbot: Any, frame: int) -> tuple[int, int]:
    window.seek(frame)
    qtbot.waitUntil(lambda: window.viewer.frame_index == frame, timeout=10000)
    return window.viewer.frame_index, shown_frame(window)


def record_status(window: Any) -> list[str]:
    """The proxy label's text at every progress report (hooked in before the build starts)."""
    texts: list[str] = []

    def hook(_session: object) -> None:
        window.proxies.progress_changed.connect(
            lambda _f: texts.append(
                window.proxy_status.text() if not window.proxy_status.isHidden() else ""
            )
        )

    window.project_opened.connect(hook)
    return texts


def test_opening_builds_a_proxy_and_seeks_show_the_same_frames(
    window: Any, run: Any, qtbot: Any, clip: Path, proxy_setting: Any
) -> None:
    proxy_setting("always")
    texts = record_status(window)
    assert run(window.open_async(clip))
    project = window.session.project
    before = [seek_and_read(window, qtbot, f) for f in (37, 0, 124)]
    assert before == [(37, 37), (0, 0), (124, 124)]

    qtbot.waitUntil(lambda: window.viewer_proxy is not None, timeout=20000)
    path = window.viewer_proxy
    assert path == proxy_path(project) == load_proxy(project)
    building = [int(m.group(1)) for t in texts if (m := PROGRESS.match(t))]
    assert building and building[0] == 0 and building == sorted(building), texts
    assert texts[-1] == "" and window.proxy_status.isHidden()  # the label goes when done
    assert "Viewer proxy ready" in window.status.currentMessage()
    assert not window.menu_actions.build_proxy.isEnabled()

    after = [seek_and_read(window, qtbot, f) for f in (124, 37, 0)]
    assert dict(after) == dict(before)
    assert window.loader.reading_proxy == path  # the picture came from the proxy...
    width, height = window.viewer.wanted_size()
    assert width <= WIDTH and height <= HEIGHT  # ...which is big enough to serve it
    qtbot.waitUntil(lambda: window.player is not None and window.player.ready, timeout=10000)
    assert window.player.engine.proxy == path  # the player reads it from its next seek on


def test_closing_mid_build_leaves_no_file_and_no_error(
    window: Any, run: Any, qtbot: Any, clip: Path, proxy_setting: Any, loop: Any
) -> None:
    proxy_setting("always")
    closing: list[Any] = []

    def close_at_first_report(fraction: object) -> None:
        if fraction is not None and not closing:
            closing.append(loop.create_task(window.close_session()))

    window.project_opened.connect(
        lambda _s: window.proxies.progress_changed.connect(close_at_first_report)
    )
    assert run(window.open_async(clip))
    cache = window.session.project.cache_dir
    qtbot.waitUntil(lambda: bool(closing) and closing[0].done(), timeout=10000)
    closing[0].result()
    assert window.session is None and window.proxies is None
    assert window.proxy_status.isHidden()
    time.sleep(0.1)
    qtbot.wait(50)
    assert not list(cache.glob("*.mov")), list(cache.iterdir())
    assert window.banner.isHidden(), window.banner.text


def test_build_now_from_the_view_menu_when_the_setting_is_off(
    window: Any, run: Any, qtbot: Any, clip: Path, proxy_setting: Any
) -> None:
    proxy_setting("off")
    assert run(window.open_async(clip))
    qtbot.waitUntil(lambda: window.menu_actions.build_proxy.isEnabled(), timeout=5000)
    qtbot.wait(200)
    assert window.viewer_proxy is None and not list(window.session.project.cache_dir.glob("*.mov"))
    window.menu_actions.build_proxy.trigger()
    assert not window.menu_actions.build_proxy.isEnabled()
    qtbot.waitUntil(lambda: window.viewer_proxy is not None, timeout=20000)
    assert seek_and_read(window, qtbot, 61) == (61, 61)
    assert window.loader.reading_proxy == window.viewer_proxy


def test_a_build_holds_while_the_picture_plays_and_goes_on_after(
    window: Any, run: Any, qtbot: Any, clip: Path, proxy_setting: Any
) -> None:
    """Building a proxy takes a core; on two cores the playing picture stuttered (issue 17)."""
    proxy_setting("off")
    assert run(window.open_async(clip))
    qtbot.waitUntil(lambda: window.player is not None and window.player.ready, timeout=10000)
    qtbot.waitUntil(lambda: window.menu_actions.build_proxy.isEnabled(), timeout=5000)
    window.toggle_play()  # Space: the picture plays
    qtbot.waitUntil(lambda: window.player.playing, timeout=3000)
    window.menu_actions.build_proxy.trigger()
    qtbot.waitUntil(lambda: window.proxies.held, timeout=5000)
    qtbot.waitUntil(lambda: "paused while playing" in window.proxy_status.text(), timeout=3000)
    qtbot.wait(1000)
    assert window.viewer_proxy is None and window.proxies.held  # nothing built while playing
    window.toggle_play()  # stopped: the build goes on
    qtbot.waitUntil(lambda: window.viewer_proxy is not None, timeout=20000)
    assert window.proxy_status.isHidden()


def test_settings_dialog_saves_the_proxy_choice(qtbot: Any, proxy_setting: Any) -> None:
    from foleydesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert dialog.proxy_combo.currentData() == "auto"
    dialog.proxy_combo.setCurrentIndex(dialog.proxy_combo.findData("always"))
    with qtbot.waitSignal(dialog.saved, timeout=3000):
        dialog._save()
    assert load_settings().viewer_proxy == "always"


def _nice_here() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_the_proxy_is_encoded_at_background_priority(
    window: Any, run: Any, qtbot: Any, clip: Path, proxy_setting: Any, monkeypatch: Any
) -> None:
    """The heaviest work the app does yields the CPU to the loop and the picture."""
    seen: list[int] = []

    def build_and_note(*args: Any, **kwargs: Any) -> Any:
        seen.append(_nice_here())
        return build_proxy(*args, **kwargs)

    monkeypatch.setattr(proxy_builder, "build_proxy", build_and_note)
    proxy_setting("always")
    assert run(window.open_async(clip))
    qtbot.waitUntil(lambda: window.viewer_proxy is not None, timeout=20000)
    assert seen == [max(_nice_here(), BACKGROUND_NICE)]
