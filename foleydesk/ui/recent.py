"""Recent projects: a short list in the config folder, newest first, missing files dropped."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from foleydesk.media.atomic import atomic_output
from foleydesk.paths import config_dir

log = logging.getLogger(__name__)
MAX_RECENT = 10


def recent_file() -> Path:
    return config_dir() / "recent-projects.json"


def load_recent() -> list[Path]:
    try:
        data = json.loads(recent_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [Path(p) for p in data if isinstance(p, str) and Path(p).is_file()]


def add_recent(path: Path) -> list[Path]:
    path = path.resolve()
    items = [path] + [p for p in load_recent() if p.resolve() != path]
    items = items[:MAX_RECENT]
    try:
        with atomic_output(recent_file()) as tmp:
            tmp.write_text(json.dumps([str(p) for p in items], indent=1), encoding="utf-8")
    except OSError:
        log.warning("could not save the recent projects list", exc_info=True)
    return items
