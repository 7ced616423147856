"""Where the editor left a project: playhead, timeline zoom and scroll, the picture/timeline
split. Kept per project in its cache folder (not in the project file: it is not an edit, and
opening a project must never make it "changed")."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from foleydesk.core.project import Project

log = logging.getLogger(__name__)
VIEW_FILE = "view.json"


@dataclass
class ViewState:
    position: int = 0
    first_frame: float = 0.0
    visible_frames: float | None = None  # None: the whole source (fit)
    splitter: list[int] = field(default_factory=list)  # picture / timeline heights

    @classmethod
    def from_dict(cls, data: object) -> ViewState:
        if not isinstance(data, dict):
            return cls()
        state = cls()
        if isinstance(data.get("position"), int):
            state.position = data["position"]
        if isinstance(data.get("first_frame"), (int, float)):
            state.first_frame = float(data["first_frame"])
        if isinstance(data.get("visible_frames"), (int, float)):
            state.visible_frames = float(data["visible_frames"])
        sizes = data.get("splitter")
        if isinstance(sizes, list) and all(isinstance(s, int) and s >= 0 for s in sizes):
            state.splitter = list(sizes)
        return state


def view_path(project: Project) -> Path:
    return project.cache_dir / VIEW_FILE


def load_view(project: Project) -> ViewState:
    try:
        return ViewState.from_dict(json.loads(view_path(project).read_text("utf-8")))
    except (OSError, ValueError):
        return ViewState()


def save_view(project: Project, state: ViewState) -> None:
    path = view_path(project)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(state)), "utf-8")
    except OSError:
        log.warning("could not keep the view in %s", path, exc_info=True)
