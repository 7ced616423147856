"""Suite-wide set-up: keep every test out of the user's real settings, logs and keyring."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_ISOLATED = Path(tempfile.mkdtemp(prefix="foleydesk-tests-"))
for _name, _sub in (
    ("FOLEYDESK_CONFIG_DIR", "config"),
    ("FOLEYDESK_LOG_DIR", "logs"),
    ("FOLEYDESK_DATA_DIR", "data"),
):
    os.environ.setdefault(_name, str(_ISOLATED / _sub))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Loopback test traffic must never go through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"
# A heavy step (hashing, decoding, peaks, a project load) on the event-loop thread raises, so
# every test that drives the real flow also checks that nothing heavy froze the loop.
os.environ["FOLEYDESK_LOOP_GUARD"] = "raise"


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    """Keys are cached for a few seconds in-process; tests swap keyrings and env vars freely."""
    from foleydesk.secrets import forget_cached_keys

    forget_cached_keys()
    yield
    forget_cached_keys()


@pytest.fixture(autouse=True)
def _nothing_heavy_on_the_loop() -> Iterator[None]:
    """Fails the test when a heavy step ran on the loop thread, even where the error was
    caught (a job marked failed, a slot whose exception Qt swallowed)."""
    from foleydesk import loopguard

    loopguard.violations.clear()
    yield
    found, loopguard.violations[:] = list(loopguard.violations), []
    assert not found, "heavy work on the event-loop thread:\n" + "\n\n".join(found)
