"""Logging to a rotating file in the platform log folder, with every known secret redacted."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading

from foleydesk.paths import log_file

REDACTED = "[redacted]"
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_ready = False  # handlers are installed once per process


def register_secret(value: str) -> None:
    """Remember a secret so that no log line can carry it (called whenever a key is read)."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Text with every registered secret replaced; used for logs, errors and exports."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(verbose: bool = False) -> None:
    """File log always (rotating, 5 x 2 MB); stderr too with --verbose, when stderr exists."""
    global _ready
    if _ready:
        return
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    except OSError:
        pass  # a read-only home must not stop the app
    if verbose and sys.stderr is not None:  # windowed Windows builds have no stderr
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(fmt)
        console.addFilter(RedactingFilter())
        root.addHandler(console)
    _ready = True
