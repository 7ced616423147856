"""The transport's volume slider reaches the playback engine's mix (what the editor hears)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def test_volume_slider_scales_what_is_heard(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    assert run(window.open_async(fresh_video))
    qtbot.waitUntil(lambda: window.player is not None and window.player.ready, timeout=10000)
    slider = window.transport.volume
    assert slider.isEnabled()
    assert slider.value() == 100  # unity by default: playback sounds like the export
    mixer = window.player.engine.mixer
    unity = mixer.plan.source_gain
    assert unity == pytest.approx(1.0)  # the source's own sound at 0 dB

    slider.setValue(50)
    assert mixer.plan.source_gain == pytest.approx(unity * 0.5)
    slider.setValue(0)
    assert mixer.plan.source_gain == 0.0
    slider.setValue(100)
    assert mixer.plan.source_gain == pytest.approx(unity)


def test_loudness_meter_shows_while_playing(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    from PySide6.QtCore import Qt

    assert run(window.open_async(fresh_video))
    qtbot.waitUntil(lambda: window.player is not None and window.player.ready, timeout=10000)
    meter = window.loudness_meter
    assert meter.text() == ""
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: meter.text().startswith("M "), timeout=5000)
    text = meter.text()
    assert "LUFS" in text and "dBTP" in text and meter.isVisible()
    qtbot.keyClick(window.timeline, Qt.Key.Key_Space)
