"""API keys: the OS keyring (service "FoleyDesk", user = provider id); env overrides for CI.

Every key read here is registered with the log redactor, so no log line, error text or export can
carry it. Keys never touch the project file or settings.json.
"""

from __future__ import annotations

import os
import time

from foleydesk.errors import UserError
from foleydesk.logs import register_secret

SERVICE = "FoleyDesk"


class KeyringUnavailable(UserError):
    """No usable OS keyring (headless Linux without a Secret Service, a locked keychain)."""


def env_name(provider_id: str) -> str:
    return f"FOLEYDESK_{provider_id.upper()}_API_KEY"


def _unavailable(provider_id: str, exc: Exception) -> KeyringUnavailable:
    name = type(exc).__name__
    return KeyringUnavailable(
        f"The system keyring cannot store API keys here ({name}).",
        "On Linux start a Secret Service (gnome-keyring or KeePassXC) and log in again, or set "
        f"the environment variable {env_name(provider_id)} instead.",
    )


def _backend_usable() -> bool:
    import keyring
    from keyring.backends import fail

    return not isinstance(keyring.get_keyring(), fail.Keyring)


# A keyring read is a DBus round trip on Linux (a Keychain call on macOS); the inspector asks
# on every refresh. Answers are kept briefly, so a key set in another terminal shows up soon.
KEYRING_CACHE_SECONDS = 5.0
_keyring_cache: dict[str, tuple[float, str]] = {}


def forget_cached_keys() -> None:
    _keyring_cache.clear()


def get_key(provider_id: str) -> str | None:
    """The provider's key: the env override first, then the keyring; None when there is none.

    A missing keyring is not an error here (the env var may be the user's way); `set_key` says so.
    """
    value = os.environ.get(env_name(provider_id), "").strip()
    if not value:
        cached = _keyring_cache.get(provider_id)
        if cached is not None and time.monotonic() - cached[0] < KEYRING_CACHE_SECONDS:
            value = cached[1]
        else:
            value = _read_keyring(provider_id)
            _keyring_cache[provider_id] = (time.monotonic(), value)
    if not value:
        return None
    register_secret(value)
    return value


def _read_keyring(provider_id: str) -> str:
    """The stored key, or "" when there is none or no usable keyring."""
    try:
        import keyring

        if not _backend_usable():
            return ""
        return (keyring.get_password(SERVICE, provider_id) or "").strip()
    except Exception:  # a broken backend must not stop the app; the UI offers the env var
        return ""


def has_key(provider_id: str) -> bool:
    return get_key(provider_id) is not None


def key_source(provider_id: str) -> str | None:
    """Where the key comes from ("environment" or "keyring"), for `keys list`; never the value."""
    if os.environ.get(env_name(provider_id), "").strip():
        return "environment"
    return "keyring" if get_key(provider_id) else None


def set_key(provider_id: str, value: str) -> None:
    value = value.strip()
    if not value:
        raise UserError("The key is empty.", "Paste the key from the provider's dashboard.")
    if any(ch.isspace() for ch in value):
        raise UserError("The key contains spaces or line breaks.", "Paste the key alone.")
    register_secret(value)
    import keyring

    _keyring_cache.pop(provider_id, None)
    try:
        if not _backend_usable():
            raise RuntimeError("no keyring backend")
        keyring.set_password(SERVICE, provider_id, value)
    except Exception as exc:
        raise _unavailable(provider_id, exc) from None


def delete_key(provider_id: str) -> bool:
    """Remove the stored key; True when there was one. The env override is the user's to unset."""
    import keyring
    from keyring.errors import PasswordDeleteError

    _keyring_cache.pop(provider_id, None)
    try:
        if not _backend_usable():
            raise RuntimeError("no keyring backend")
        keyring.delete_password(SERVICE, provider_id)
    except PasswordDeleteError:
        return False
    except Exception as exc:
        raise _unavailable(provider_id, exc) from None
    return True
