"""UI-side preferences that are not provider settings: the audio output and project defaults.

Kept in ui.ini beside settings.json (which holds the provider settings), with the window's
geometry.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings

from foleydesk.paths import config_dir

log = logging.getLogger(__name__)
AUDIO_DEVICE = "audio/device"
FOLEY_LANES = "projects/foley_lanes"
DEFAULT_FOLEY_LANES = 2


def store() -> QSettings:
    """ui.ini in the config folder (FOLEYDESK_CONFIG_DIR moves it, so tests stay out of $HOME)."""
    return QSettings(str(config_dir() / "ui.ini"), QSettings.Format.IniFormat)


def audio_device() -> str | None:
    """The output device's name, or None for the system default."""
    value = store().value(AUDIO_DEVICE, "")
    return str(value) if value else None


def set_audio_device(name: str | None) -> None:
    store().setValue(AUDIO_DEVICE, name or "")


def foley_lanes() -> int:
    try:
        value = int(str(store().value(FOLEY_LANES, DEFAULT_FOLEY_LANES)))
    except (TypeError, ValueError):
        return DEFAULT_FOLEY_LANES
    return max(1, min(8, value))


def set_foley_lanes(count: int) -> None:
    store().setValue(FOLEY_LANES, max(1, min(8, count)))


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
