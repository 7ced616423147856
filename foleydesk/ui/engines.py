"""Which engines are installed: the UI drives what exists and disables what does not.

Each engine is imported lazily by module name. A missing module gives a reason a tooltip can
show, so a control is greyed out with an explanation instead of faking a result.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Engine:
    """One engine entry point: where it lives and what the user loses without it."""

    module: str
    attr: str
    purpose: str


FRAMES = Engine("foleydesk.media.frames", "FrameSource", "showing the picture")
PEAKS = Engine("foleydesk.media.peaks", "load_or_compute_peaks", "the waveform")
AUDIO = Engine("foleydesk.media.audio", "decode_audio", "reading audio")
PLAYBACK = Engine("foleydesk.playback", "PlaybackEngine", "playback")
JOBS = Engine("foleydesk.jobs.engine", "JobEngine", "generating takes")
REGISTRY = Engine("foleydesk.providers.registry", "all_providers", "the provider list")
SECRETS = Engine("foleydesk.secrets", "set_key", "storing API keys")
SETTINGS = Engine("foleydesk.settings", "load_settings", "settings")
RENDER = Engine("foleydesk.media.render", "render_cue_clip", "rendering WAV stems")
MUX = Engine("foleydesk.media.mux", "mux_video", "exporting a video")
INTERCHANGE = Engine("foleydesk.interchange", "export_timeline", "exporting a timeline")

_cache: dict[str, tuple[Any, str]] = {}


def _load(engine: Engine) -> tuple[Any, str]:
    key = f"{engine.module}:{engine.attr}"
    if key in _cache:
        return _cache[key]
    result: tuple[Any, str]
    try:
        module: ModuleType = importlib.import_module(engine.module)
        value = getattr(module, engine.attr, None)
        if value is None:
            result = (None, f"{engine.module}.{engine.attr} is not available yet")
        else:
            result = (value, "")
    except ImportError as exc:
        result = (None, f"{engine.module} is not installed ({exc.name or exc})")
    except Exception as exc:  # a half-finished engine must not take the window down
        log.exception("loading %s failed", engine.module)
        result = (None, f"{engine.module} failed to load: {exc}")
    _cache[key] = result
    return result


def get(engine: Engine) -> Any | None:
    """The engine's entry point, or None when it is not installed."""
    return _load(engine)[0]


def missing(engine: Engine) -> str:
    """A tooltip for a control that needs the engine; empty when it is there."""
    reason = _load(engine)[1]
    return f"Not available: {engine.purpose} needs {reason}." if reason else ""


def attr(module: str, name: str) -> Any | None:
    """An optional helper from an engine module (None when absent)."""
    value, _ = _load(Engine(module, name, name))
    return value


# Modules the engines import lazily on first use (the first job, the first export). Importing
# them costs tens of milliseconds each once PySide6's import hook is installed, so they are
# imported ahead, in a worker thread, instead of on the event loop at the first click.
WARM_UP = (
    "foleydesk.media.segments",
    "foleydesk.media.takes",
    "foleydesk.media.audio",
    "foleydesk.media.render",
    "foleydesk.media.stems",
    "foleydesk.media.bwf",
    "foleydesk.media.mux",
    "foleydesk.providers.offline",
    "foleydesk.providers.registry",
    "foleydesk.interchange.export",
)


def warm_up() -> None:
    """Import what the engines will need (call from a worker thread)."""
    for name in WARM_UP:
        try:
            importlib.import_module(name)
        except Exception:  # a missing engine is reported where it is used
            log.debug("warm-up import of %s failed", name, exc_info=True)


def reset() -> None:
    """Forget what was found (tests install engines between runs)."""
    _cache.clear()
