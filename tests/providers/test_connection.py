"""`test_connection` ("Test" in settings, `foleydesk keys test ID`): each host says whether it
answers and takes the key, in its own words, without a task being created or billed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from foleydesk.cli import main
from foleydesk.logs import REDACTED
from foleydesk.providers import hosted
from foleydesk.providers.base import ProviderError
from foleydesk.providers.http import make_client
from foleydesk.providers.registry import get_provider
from tests.fakes.harness import fast_settings, start_host
from tests.fakes.hosts import SelfhostedHost, TaskHost

HOSTED = ("piapi", "qubico", "eachlabs", "wavespeed", "selfhosted")
ALL_HOSTED = (*HOSTED, "fal", "replicate", "elevenlabs")  # key words: test_fal_replicate_...


def connect(provider_id: str) -> str:
    async def main() -> str:
        async with make_client(trust_env=False) as client:
            provider = get_provider(provider_id, fast_settings(), client)
            return await provider.test_connection(client)

    return asyncio.run(main())


def assert_nothing_made(server: TaskHost) -> None:
    assert server.requests, "the test reached the host"
    assert all(r.method == "GET" for r in server.requests)
    assert not server.tasks and not server.creates


@pytest.mark.parametrize("host", HOSTED)
def test_an_accepted_key_says_so_and_creates_nothing(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_host(monkeypatch, host) as server:
        text = connect(host)
        assert_nothing_made(server)
        assert text.startswith(f"answers at {server.base_url}")
    if host != "selfhosted":
        assert text.endswith("accepts the key.")


@pytest.mark.parametrize("host", HOSTED)
def test_a_wrong_key_is_refused_in_the_hosts_words_without_showing_it(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_host(monkeypatch, host, key="right-key-1234") as server:
        if isinstance(server, SelfhostedHost):
            server.require_key = True  # a proxy in front of the GPU box checks a token
        monkeypatch.setenv(f"FOLEYDESK_{host.upper()}_API_KEY", "wrong-key-5678")
        with pytest.raises(ProviderError) as caught:
            connect(host)
        assert_nothing_made(server)
    text = str(caught.value)
    assert "refused the API key (401: Invalid API key" in text
    assert f"'foleydesk keys set {host}'" in text
    assert "wrong-key-5678" not in text and REDACTED in text


@pytest.mark.parametrize("host", ALL_HOSTED)
def test_a_host_that_is_down_is_named_with_its_address(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_host(monkeypatch, host)
    address = server.base_url
    server.stop()  # nothing listens on that port any more
    with pytest.raises(ProviderError) as caught:
        connect(host)
    text = str(caught.value)
    assert f"did not answer at {address} (ConnectError" in text
    assert f"FOLEYDESK_{host.upper()}_BASE_URL" in text


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.mark.parametrize("host", ALL_HOSTED)
def test_a_host_that_never_answers_times_out(
    host: str, silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted, "PROBE_TIMEOUT", 0.3)
    monkeypatch.setenv(f"FOLEYDESK_{host.upper()}_BASE_URL", f"http://127.0.0.1:{silent_port}")
    monkeypatch.setenv(f"FOLEYDESK_{host.upper()}_API_KEY", "some-key-1234")
    with pytest.raises(ProviderError, match=r"did not answer at .*\(ReadTimeout"):
        connect(host)


def test_a_host_in_trouble_is_not_a_key_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.server import Fault

    with start_host(monkeypatch, "wavespeed") as server:
        server.plan.queue("poll", Fault.UNAVAILABLE)
        with pytest.raises(ProviderError) as caught:
            connect("wavespeed")
    text = str(caught.value)
    assert "did not answer" in text and "503: service unavailable" in text
    assert "API key" not in text


def test_a_missing_key_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_host(monkeypatch, "qubico") as server:
        monkeypatch.delenv("FOLEYDESK_QUBICO_API_KEY")
        with pytest.raises(ProviderError, match=r"No API key for Qubico.*keys set qubico"):
            connect("qubico")
        assert not server.requests


def test_an_older_cog_without_a_health_check_is_asked_at_its_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with start_host(monkeypatch, "selfhosted") as server:
        assert isinstance(server, SelfhostedHost)
        server.health_check = False
        assert connect("selfhosted") == f"answers at {server.base_url}."
        assert [r.path for r in server.requests] == ["/health-check", "/"]


def test_a_cog_whose_model_failed_to_load_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_host(monkeypatch, "selfhosted") as server:
        assert isinstance(server, SelfhostedHost)
        assert connect("selfhosted") == f"answers at {server.base_url} (status READY)."
        server.state = "SETUP_FAILED"
        with pytest.raises(ProviderError, match=r"did not load \(SETUP_FAILED\)"):
            connect("selfhosted")


def test_the_offline_sketch_needs_no_connection() -> None:
    assert connect("offline") == "runs on this computer"


def test_keys_test_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(tmp_path))
    with start_host(monkeypatch, "eachlabs", key="right-key-1234") as server:
        assert main(["keys", "test", "eachlabs"]) == 0
        out, _ = capsys.readouterr()
        assert out == f"Eachlabs (MMAudio): answers at {server.base_url} and accepts the key.\n"
        monkeypatch.setenv("FOLEYDESK_EACHLABS_API_KEY", "wrong-key-5678")
        assert main(["keys", "test", "eachlabs"]) == 2
        out, err = capsys.readouterr()
    assert out == "" and "refused the API key (401: Invalid API key" in err
    assert "wrong-key-5678" not in err
    assert main(["keys", "test", "offline"]) == 0
    assert capsys.readouterr().out == "Offline sketch (rough, no network): runs on this computer\n"
