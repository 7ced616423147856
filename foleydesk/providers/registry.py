"""Which hosts and offerings exist, building a host's client for one offering (its base URL
from env > settings > default), and resolving `MODEL[@HOST]` as the CLI and the app name it."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING

import httpx

from foleydesk.core.model import CueKind
from foleydesk.errors import UserError
from foleydesk.providers.base import Provider
from foleydesk.providers.hosts import HOST_IDS
from foleydesk.settings import Settings

if TYPE_CHECKING:
    from foleydesk.providers.catalog import Offering

PROVIDER_IDS = HOST_IDS  # today's provider ids are host ids: `--provider ID` = its default model
DEFAULT_PROVIDER = "offline"


def base_url_for(provider_id: str, default: str, settings: Settings) -> str:
    """FOLEYDESK_<ID>_BASE_URL, else the settings, else the documented host."""
    env = os.environ.get(f"FOLEYDESK_{provider_id.upper()}_BASE_URL", "").strip()
    return env or settings.provider(provider_id).base_url or default


def upload_url_for(provider_id: str, default: str, settings: Settings) -> str:
    env = os.environ.get(f"FOLEYDESK_{provider_id.upper()}_UPLOAD_URL", "").strip()
    return env or settings.provider(provider_id).upload_url or default


def host_module(host_id: str) -> ModuleType:
    if host_id not in HOST_IDS:
        raise UserError(
            f"There is no provider '{host_id}'.",
            f"Choose one of: {', '.join(HOST_IDS)} (see 'foleydesk providers').",
        )
    return importlib.import_module(f"foleydesk.providers.hosts.{host_id}")


def offerings(host_id: str | None = None) -> list[Offering]:
    """Every offering (hosts in HOST_IDS order, each host's default model first)."""
    hosts = HOST_IDS if host_id is None else (host_id,)
    return [o for h in hosts for o in host_module(h).OFFERINGS]


def find_offering(model_id: str, host_id: str) -> Offering | None:
    return next((o for o in offerings(host_id) if o.model == model_id), None)


def default_offering(host_id: str, kind: CueKind = CueKind.FOLEY) -> Offering:
    """The host's default model for a kind of cue (its first offering that makes it)."""
    own = offerings(host_id)
    return next((o for o in own if kind in o.spec.cue_kinds), own[0])


def get_provider(
    provider_id: str,
    settings: Settings,
    client: httpx.AsyncClient | None = None,
    model_id: str = "",
) -> Provider:
    """A host's client for one offering (its default model when `model_id` is empty); hosted
    ones need the shared client to talk (None: describe only)."""
    module = host_module(provider_id)
    offering = find_offering(model_id, provider_id) if model_id else module.OFFERINGS[0]
    if offering is None:
        raise no_such_offering(model_id, provider_id)
    provider: Provider = module.make(settings, client, offering)
    return provider


def all_providers(settings: Settings, client: httpx.AsyncClient | None = None) -> list[Provider]:
    return [get_provider(pid, settings, client) for pid in PROVIDER_IDS]


def default_provider_id(settings: Settings) -> str:
    return settings.default_provider or DEFAULT_PROVIDER


def host_ready(host_id: str, settings: Settings) -> bool:
    """Whether a model could run there now: a key is set (or none is needed; a self-hosted
    server counts once its address is set)."""
    from foleydesk.secrets import has_key

    if host_id == "offline":
        return True
    if host_id == "selfhosted":
        env = os.environ.get("FOLEYDESK_SELFHOSTED_BASE_URL", "").strip()
        own = settings.provider(host_id)
        endpoints = os.environ.get("FOLEYDESK_SELFHOSTED_ENDPOINTS", "").strip()
        return bool(env or endpoints or own.base_url or own.endpoints)
    return has_key(host_id)


def serving_hosts(model_id: str) -> list[str]:
    return [o.host for o in offerings() if o.model == model_id]


def no_such_offering(model_id: str, host_id: str) -> UserError:
    hosts = serving_hosts(model_id)
    return UserError(
        f"{host_id} does not serve the model '{model_id}'.",
        f"Hosts that do: {', '.join(hosts)}." if hosts else "See 'foleydesk models'.",
    )


def resolve_offering(spec: str, settings: Settings) -> Offering:
    """`MODEL[@HOST]` -> the offering. Without a host: the first host with a key that serves
    the model; none: an error naming the hosts that serve it."""
    from foleydesk.providers.catalog import MODELS

    model_id, _, host_id = spec.strip().partition("@")
    if model_id not in MODELS:
        raise UserError(
            f"There is no model '{model_id}'.",
            f"Choose one of: {', '.join(MODELS)} (see 'foleydesk models').",
        )
    if host_id:
        host_module(host_id)
        offering = find_offering(model_id, host_id)
        if offering is None:
            raise no_such_offering(model_id, host_id)
        return offering
    hosts = serving_hosts(model_id)
    for host in hosts:
        if host_ready(host, settings):
            found = find_offering(model_id, host)
            assert found is not None
            return found
    raise UserError(
        f"No host with a key serves '{model_id}'.",
        "Add a key for one of: "
        + ", ".join(hosts)
        + " ('foleydesk keys set HOST'), or name one with --model "
        + f"{model_id}@HOST.",
    )
