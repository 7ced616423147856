"""The providers the inspector and Settings offer, offline first.

The registry pulls in httpx and every host module (~80 ms), so it is imported when a project or
the Settings dialog needs the list, not when the window module loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from foleydesk import secrets
from foleydesk.settings import Settings

if TYPE_CHECKING:
    from foleydesk.providers.base import Provider


def all_providers(settings: Settings) -> list[Provider]:
    """Every provider the app can use, offline first, then by name."""
    from foleydesk.providers.registry import all_providers as registry_all

    return sorted(registry_all(settings), key=lambda p: (p.id != "offline", p.name))


def default_provider_id(settings: Settings) -> str:
    from foleydesk.providers.registry import default_provider_id as registry_default

    return registry_default(settings)


def has_key(provider: Provider) -> bool:
    """True when the provider needs no key or one is set (environment or keyring)."""
    return not provider.capabilities.needs_key or secrets.has_key(provider.id)
