"""Which providers exist, and building one with its base URL from env > settings > default."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx

from foleydesk.errors import UserError
from foleydesk.providers.base import Provider
from foleydesk.settings import Settings

PROVIDER_IDS = ("offline", "piapi", "qubico", "eachlabs", "wavespeed", "selfhosted")
DEFAULT_PROVIDER = "offline"

Factory = Callable[[Settings, httpx.AsyncClient | None], Provider]


def base_url_for(provider_id: str, default: str, settings: Settings) -> str:
    """FOLEYDESK_<ID>_BASE_URL, else the settings, else the documented host."""
    env = os.environ.get(f"FOLEYDESK_{provider_id.upper()}_BASE_URL", "").strip()
    return env or settings.provider(provider_id).base_url or default


def upload_url_for(provider_id: str, default: str, settings: Settings) -> str:
    env = os.environ.get(f"FOLEYDESK_{provider_id.upper()}_UPLOAD_URL", "").strip()
    return env or settings.provider(provider_id).upload_url or default


def _factories() -> dict[str, Factory]:
    from foleydesk.providers.hosts import eachlabs, offline, piapi, qubico, selfhosted, wavespeed

    return {
        "offline": lambda settings, client: offline.OfflineProvider(),
        "piapi": piapi.PiapiProvider,
        "qubico": qubico.QubicoProvider,
        "eachlabs": eachlabs.EachlabsProvider,
        "wavespeed": wavespeed.WavespeedProvider,
        "selfhosted": selfhosted.SelfhostedProvider,
    }


def get_provider(
    provider_id: str, settings: Settings, client: httpx.AsyncClient | None = None
) -> Provider:
    """A provider instance; hosted ones need the shared client to talk (None: describe only)."""
    factories = _factories()
    if provider_id not in factories:
        raise UserError(
            f"There is no provider '{provider_id}'.",
            f"Choose one of: {', '.join(PROVIDER_IDS)} (see 'foleydesk providers').",
        )
    return factories[provider_id](settings, client)


def all_providers(settings: Settings, client: httpx.AsyncClient | None = None) -> list[Provider]:
    return [get_provider(pid, settings, client) for pid in PROVIDER_IDS]


def default_provider_id(settings: Settings) -> str:
    return settings.default_provider or DEFAULT_PROVIDER
