"""Where FoleyDesk keeps its settings, logs and caches on each platform (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from foleydesk import APP_NAME


def _override(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def config_dir() -> Path:
    """Settings (FOLEYDESK_CONFIG_DIR overrides, which tests use to stay out of $HOME)."""
    return _override("FOLEYDESK_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME, False))


def log_dir() -> Path:
    return _override("FOLEYDESK_LOG_DIR") or Path(platformdirs.user_log_dir(APP_NAME, False))


def data_dir() -> Path:
    """Demo project and other app-made files."""
    return _override("FOLEYDESK_DATA_DIR") or Path(platformdirs.user_data_dir(APP_NAME, False))


def log_file() -> Path:
    return log_dir() / "foleydesk.log"
