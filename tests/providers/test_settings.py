"""Settings: typed, versioned, atomic; base URLs from env > settings > the documented host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foleydesk.errors import UserError
from foleydesk.providers.http import check_base_url
from foleydesk.providers.registry import get_provider
from foleydesk.settings import (
    SETTINGS_VERSION,
    ProviderSettings,
    Settings,
    load_settings,
    save_settings,
)


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(default_provider="qubico", poll_max_seconds=10.0)
    settings.providers["qubico"] = ProviderSettings(base_url="https://q.example", concurrency=2)
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded == settings
    assert json.loads(path.read_text())["version"] == SETTINGS_VERSION
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left


def test_old_new_and_broken_files(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"default_provider": "piapi"}))  # version 0: no version field
    assert load_settings(path).default_provider == "piapi"
    path.write_text(json.dumps({"version": 99, "default_provider": "eachlabs", "future": 1}))
    assert load_settings(path).default_provider == "eachlabs"  # known fields still read
    path.write_text("{not json")
    assert load_settings(path) == Settings()


def test_base_url_comes_from_env_then_settings_then_the_docs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FOLEYDESK_PIAPI_BASE_URL", raising=False)
    settings = Settings()

    def base(settings: Settings) -> str:
        return str(get_provider("piapi", settings).base_url)

    assert base(settings) == "https://api.piapi.ai"
    settings.provider("piapi").base_url = "https://proxy.example:8443"
    assert base(settings) == "https://proxy.example:8443"
    monkeypatch.setenv("FOLEYDESK_PIAPI_BASE_URL", "http://127.0.0.1:9999")
    assert base(settings) == "http://127.0.0.1:9999"


def test_settings_limits_apply() -> None:
    settings = Settings()
    settings.provider("qubico").concurrency = 2
    settings.provider("qubico").max_seconds = 12.5
    caps = get_provider("qubico", settings).capabilities
    assert caps.concurrency == 2 and float(caps.max_duration) == 12.5
    assert caps.per_minute == 20 and caps.per_day == 500


def test_a_base_url_is_scheme_host_and_port() -> None:
    assert check_base_url("https://api.piapi.ai/") == "https://api.piapi.ai"
    with pytest.raises(UserError, match="path after the host"):
        check_base_url("https://api.piapi.ai/api/v1")
