"""The app's settings: typed, versioned, one small JSON file in the config folder.

What the user may want to change about providers and the job engine lives here (base URLs, the
default provider, per-provider concurrency and rate limits, polling pace), and the app's own
preferences (the audio output, the lanes a new project gets). Keys never do (they are in the OS
keyring, see secrets.py); the window's size and dock layout are view state the UI keeps itself.
Older files are migrated forward on load (a field a file lacks takes its default); a file from a
newer FoleyDesk is read for the fields this version knows and never overwritten blindly.

The UI reads `load_settings()`, edits the dataclasses, and calls `save_settings()`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from foleydesk.media.atomic import atomic_output
from foleydesk.paths import config_dir

log = logging.getLogger(__name__)

SETTINGS_VERSION = 2
VIEWER_PROXY_CHOICES = ("auto", "always", "off")
SETTINGS_FILE = "settings.json"
DEFAULT_FOLEY_LANES = 2


@dataclass
class ProviderSettings:
    """Per-provider overrides; None means "the provider's own default"."""

    base_url: str | None = None  # scheme://host[:port] only; the documented paths follow it
    upload_url: str | None = None
    concurrency: int | None = None  # tasks at the host at once
    per_minute: int | None = None  # submits per minute
    per_day: int | None = None  # submits per day
    max_seconds: float | None = None  # the longest range the host takes (hosts change)
    api_style: str | None = None  # a host with two documented APIs: the one that answered
    # Self-hosted GPU boxes: [{"url": ..., "model": "mmaudio", "concurrency": 1}, ...]
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    model_version: str | None = None  # a community model's version hash (Replicate)
    enabled: bool = True


@dataclass
class Settings:
    """Everything in settings.json. `providers` is keyed by provider id (see providers.registry)."""

    version: int = SETTINGS_VERSION
    default_provider: str | None = None  # None: "offline" (runs here, needs no key)
    providers: dict[str, ProviderSettings] = field(default_factory=dict)
    poll_initial_seconds: float = 1.0
    poll_factor: float = 1.5
    poll_max_seconds: float = 15.0
    poll_give_up_seconds: float = 1800.0  # no readable answer this long: the job fails
    retry_attempts: int = 6  # GET, upload and download attempts before a job fails
    retry_base_seconds: float = 1.0
    max_download_bytes: int = 500 * 1024 * 1024
    audio_device: str | None = None  # the output device's name; None: the system default
    foley_lanes: int = DEFAULT_FOLEY_LANES  # Foley lanes a new project gets
    viewer_proxy: str = "auto"  # "auto" | "always" | "off": an all-intra copy for exact seeks
    o_makes_cue: bool = False  # O with an In mark set also makes the cue (else Enter does)
    # At rates without SMPTE timecode (12.5, 29.83, VFR): show the timecode the NLE will show
    # at the sequence rate instead of clock time and frame number.
    conformed_timecode: bool = False
    marker_cue_seconds: float = 2.0  # length of a cue made from an NLE marker without one

    def provider(self, provider_id: str) -> ProviderSettings:
        """The provider's settings (a fresh default entry is stored when it had none)."""
        return self.providers.setdefault(provider_id, ProviderSettings())


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file's dict up to SETTINGS_VERSION (version 0 = a file without one)."""
    version = int(data.get("version", 0))
    if version < 1:
        data.setdefault("providers", {})
        data["version"] = 1
    if version < 2:
        data.setdefault("viewer_proxy", "auto")
        data["version"] = 2
    if data.get("viewer_proxy") not in VIEWER_PROXY_CHOICES:
        data["viewer_proxy"] = "auto"  # hand-edited or from a newer FoleyDesk: the safe choice
    return data


def _from_dict(data: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    provider_known = {f.name for f in fields(ProviderSettings)}
    values = {k: v for k, v in data.items() if k in known and k != "providers"}
    settings = Settings(**values)
    for provider_id, entry in (data.get("providers") or {}).items():
        if isinstance(entry, dict):
            settings.providers[str(provider_id)] = ProviderSettings(
                **{k: v for k, v in entry.items() if k in provider_known}
            )
    settings.version = SETTINGS_VERSION
    return settings


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or defaults when there is no file or it cannot be read."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    if int(data.get("version", 0)) > SETTINGS_VERSION:
        log.warning("settings file %s is from a newer FoleyDesk; reading known fields", path)
    try:
        return _from_dict(_migrate(data))
    except (TypeError, ValueError) as exc:
        log.warning("settings file %s has bad values (%s); using defaults", path, exc)
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically (temp file then rename) so a crash never leaves half a settings file."""
    path = path or settings_path()
    data = asdict(settings)
    data["version"] = SETTINGS_VERSION
    with atomic_output(path, prefix=".settings-", suffix=".json") as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    return path
