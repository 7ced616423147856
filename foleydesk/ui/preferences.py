"""What the UI needs around the app's settings: the window's view state and the sound devices.

The audio output and the lanes of a new project are typed fields of foleydesk.settings
(settings.json). Only view state stays here, in window.ini (QSettings) in the config folder:
the window's geometry and its docks' layout are Qt's own opaque blobs, meaningless outside Qt.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings

from foleydesk.paths import config_dir
from foleydesk.settings import Settings

log = logging.getLogger(__name__)
MIN_FOLEY_LANES = 1
MAX_FOLEY_LANES = 8
GEOMETRY = "window/geometry"
STATE = "window/state"


def new_project_lanes(settings: Settings) -> int:
    """The Foley lanes a new project gets, within 1..8 (a hand-edited file may say anything)."""
    try:
        count = int(settings.foley_lanes)
    except (TypeError, ValueError):
        return Settings().foley_lanes
    return max(MIN_FOLEY_LANES, min(MAX_FOLEY_LANES, count))


def view_state() -> QSettings:
    """window.ini in the config folder (FOLEYDESK_CONFIG_DIR moves it, so tests stay out of
    $HOME)."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def save_window(geometry: QByteArray, state: QByteArray) -> None:
    store = view_state()
    store.setValue(GEOMETRY, geometry)
    store.setValue(STATE, state)


def saved_window() -> tuple[QByteArray | None, QByteArray | None]:
    """The saved geometry and dock state (None where nothing was saved yet)."""
    store = view_state()
    geometry, state = store.value(GEOMETRY), store.value(STATE)
    return (
        geometry if isinstance(geometry, QByteArray) else None,
        state if isinstance(state, QByteArray) else None,
    )


def output_devices() -> list[str]:
    """Names of the sound devices that can play stereo (call from a worker thread: importing
    sounddevice loads PortAudio). Empty when there is no PortAudio or no device."""
    try:
        import sounddevice

        devices = sounddevice.query_devices()
    except Exception as exc:
        log.info("no audio devices to list: %s", exc)
        return []
    names: list[str] = []
    for device in devices:
        if int(device.get("max_output_channels", 0)) >= 2 and device["name"] not in names:
            names.append(str(device["name"]))
    return names
