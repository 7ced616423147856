"""The Qt bindings we run on must not leak references to None/True (PySide6 6.12.0 on 3.11 did:
the app aborted after a few thousand paints)."""

from __future__ import annotations

from foleydesk.ui.compat import _losses


def test_installed_pyside6_keeps_singleton_refcounts() -> None:
    assert _losses(256) == (0, 0)
