"""Import ahead, in a worker thread, the modules the engines load lazily on first use.

The job engine, the renderers and the exporters import their helpers (segment encoding, take
conversion, BWF writing, interchange) at the first job or the first export. Once PySide6's import
hook is installed each costs tens of milliseconds, so they are imported while the user looks at
the freshly opened project instead of on the event loop at the first click.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

WARM_UP = (
    "foleydesk.media.segments",
    "foleydesk.media.takes",
    "foleydesk.media.audio",
    "foleydesk.media.render",
    "foleydesk.media.stems",
    "foleydesk.media.bwf",
    "foleydesk.media.mux",
    "foleydesk.providers.hosts.offline",
    "foleydesk.providers.registry",
    "foleydesk.interchange.export",
    "anyio._backends._asyncio",  # httpx's first request imports it: ~35 ms on the loop
)


def warm_up() -> None:
    """Import what the engines will need (call from a worker thread)."""
    for name in WARM_UP:
        try:
            importlib.import_module(name)
        except Exception:  # a broken import shows where the module is used; the log says why
            log.exception("warm-up import of %s failed", name)
