"""A key kept in the OS keyring is read off the event loop: on Linux each read is a DBus round
trip to the Secret Service, and the app's window runs on that loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import keyring
import pytest
from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError

from foleydesk.providers.http import make_client
from foleydesk.providers.registry import get_provider
from foleydesk.secrets import SERVICE
from tests.fakes.harness import fast_settings, start_host

KEY = "test-key-0123"
READ_SECONDS = 0.6  # a slow Secret Service; the loop must not wait for it


class SlowKeyring(KeyringBackend):
    """A keyring backend that answers slowly and notes which thread asked. keyring's own search
    never picks it (its priority raises, as an unusable backend's does): only the fixture sets it.
    """

    @classproperty
    def priority(cls) -> float:
        raise RuntimeError("set by the test that wants it, never chosen")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.threads: list[threading.Thread] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.current_thread())
        time.sleep(READ_SECONDS)
        return KEY if (service, username) == (SERVICE, "piapi") else None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("read-only")


@pytest.fixture
def slow_keyring() -> Iterator[SlowKeyring]:
    previous = keyring.get_keyring()
    backend = SlowKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_a_slow_keyring_does_not_stall_the_loop(
    monkeypatch: pytest.MonkeyPatch, slow_keyring: SlowKeyring
) -> None:
    server = start_host(monkeypatch, "piapi", key=KEY)
    monkeypatch.delenv("FOLEYDESK_PIAPI_API_KEY")  # the keyring is the only source

    async def main() -> tuple[str, float]:
        loop = asyncio.get_running_loop()
        stalls: list[float] = []
        stop = asyncio.Event()

        async def heartbeat() -> None:
            while not stop.is_set():
                start = loop.time()
                await asyncio.sleep(0.01)
                stalls.append(loop.time() - start - 0.01)

        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.05)
        async with make_client(trust_env=False) as client:
            provider = get_provider("piapi", fast_settings(), client)
            text = await provider.test_connection(client)
        stop.set()
        await beat
        return text, max(stalls)

    try:
        text, worst = asyncio.run(main())
    finally:
        server.stop()
    assert "accepts the key" in text
    assert slow_keyring.threads, "the key came from the keyring"
    assert threading.main_thread() not in slow_keyring.threads
    assert worst < READ_SECONDS / 2
