"""Keys are read from the keyring at most every few seconds; a change made here is seen at once."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from foleydesk import secrets


class CountingKeyring(KeyringBackend):
    priority = 0  # type: ignore[assignment]  # never chosen by keyring's own search

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingKeyring]:
    monkeypatch.delenv(secrets.env_name("piapi"), raising=False)
    previous = keyring.get_keyring()
    backend = CountingKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_repeated_questions_read_the_keyring_once(counting: CountingKeyring) -> None:
    counting.store[(secrets.SERVICE, "piapi")] = "pk-cached-1234"
    for _ in range(20):  # an inspector refreshing as the user types
        assert secrets.has_key("piapi")
    assert counting.reads == 1


def test_set_and_delete_here_are_seen_at_once(counting: CountingKeyring) -> None:
    assert secrets.get_key("piapi") is None
    secrets.set_key("piapi", "pk-new-5678")
    assert secrets.get_key("piapi") == "pk-new-5678"
    assert secrets.delete_key("piapi")
    assert secrets.get_key("piapi") is None


def test_a_change_from_another_process_shows_after_the_cache_expires(
    counting: CountingKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert secrets.get_key("piapi") is None
    counting.store[(secrets.SERVICE, "piapi")] = "pk-other-terminal"  # `foleydesk keys set`
    assert secrets.get_key("piapi") is None  # still within the cache time
    monkeypatch.setattr(secrets, "KEYRING_CACHE_SECONDS", 0.0)
    assert secrets.get_key("piapi") == "pk-other-terminal"
