"""Open a project, or make one for a video (beside it, or in the data folder when read-only).

Runs in a worker thread: probing and fingerprinting read the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from foleydesk.core.project import PROJECT_SUFFIX, Project, default_project_path, fingerprint
from foleydesk.errors import UserError
from foleydesk.media.probe import probe, source_media_from_info
from foleydesk.paths import data_dir


def open_or_create(path: Path, foley_lanes: int = 2) -> Project:
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path} does not exist.", "It may have been moved or renamed.")
    if path.suffix.lower() == PROJECT_SUFFIX:
        return Project.open(path)
    info = probe(path)  # raises MediaError with the user's words for a bad file
    project_path = _project_path_for(path)
    if project_path.exists():
        project = Project.open(project_path)
        if project.source.fingerprint == fingerprint(path):
            return project
        project.close()
        project_path = _free_name(project_path)
    return Project.create(project_path, source_media_from_info(info), foley_lanes=foley_lanes)


def _project_path_for(video: Path) -> Path:
    beside = default_project_path(video)
    if os.access(beside.parent, os.W_OK):
        return beside
    folder = data_dir() / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / beside.name


def _free_name(path: Path) -> Path:
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem} {n}{PROJECT_SUFFIX}")
        if not candidate.exists():
            return candidate
    raise UserError(f"Too many projects named {path.stem}.", "Tidy the folder and try again.")
