"""The providers the inspector offers, from the registry when it is installed.

Without the registry only the offline provider module is used; a provider that cannot be built
is left out rather than faked.
"""

from __future__ import annotations

import logging
from typing import Any

from foleydesk.ui import engines

log = logging.getLogger(__name__)


def load_settings() -> Any | None:
    loader = engines.get(engines.SETTINGS)
    if loader is None:
        return None
    try:
        return loader()
    except Exception:
        log.exception("settings could not be loaded")
        return None


def all_providers(settings: Any | None = None) -> list[Any]:
    """Every provider the app can use, offline first."""
    registry_all = engines.get(engines.REGISTRY)
    if registry_all is not None:
        try:
            found = list(
                registry_all(settings) if _takes_settings(registry_all) else registry_all()
            )
            return sorted(found, key=lambda p: (p.id != "offline", p.name))
        except Exception:
            log.exception("provider registry failed")
    offline = engines.attr("foleydesk.providers.offline", "OfflineProvider")
    return [offline()] if offline is not None else []


def _takes_settings(fn: Any) -> bool:
    import inspect

    try:
        return bool(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False


def provider_by_id(provider_id: str | None, settings: Any | None = None) -> Any | None:
    for provider in all_providers(settings):
        if provider.id == provider_id:
            return provider
    return None


def default_provider_id(settings: Any | None) -> str:
    chosen = getattr(settings, "default_provider", None) if settings is not None else None
    return str(chosen) if chosen else "offline"


def has_key(provider: Any) -> bool:
    if not getattr(provider.capabilities, "needs_key", True):
        return True
    check = engines.attr("foleydesk.secrets", "has_key")
    if check is None:
        return False
    try:
        return bool(check(provider.id))
    except Exception:
        return False
