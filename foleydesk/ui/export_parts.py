"""An export dialog run in parts, so one failing format never hides what the others wrote.

The stems go first (timelines reference them); each timeline format and the video are then
their own export_project call (stems already written are reused through the stems manifest).
Each part that fails is reported with the reason in the editor's words; the choices made in the
dialog are kept per project, in the project's cache folder.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.interchange.export import ExportRequest, export_project
from foleydesk.media.stems import StemExport

log = logging.getLogger(__name__)
CHOICES_FILE = "export-dialog.json"
TIMELINE_FIELDS = ("xml", "fcpxml", "edl", "otio", "aaf")  # each needs the stems
# Every field of ExportRequest that names an output: a part asks for one of them.
OUTPUT_FIELDS = ("stems_dir", "loudness_report", "video", "spotting", *TIMELINE_FIELDS)


@dataclass
class PartsOutcome:
    written: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    cancelled: bool = False
    stems: StemExport | None = None  # the last stems folder written (its loudness is shown)


def split_request(request: ExportRequest) -> list[tuple[str, ExportRequest]]:
    """(what, request) per output: stems (with the loudness report), each timeline format,
    the video, the spotting list."""
    nothing: dict[str, Any] = dict.fromkeys(OUTPUT_FIELDS)
    empty = replace(request, **nothing)
    parts: list[tuple[str, ExportRequest]] = []
    if request.stems_dir is not None:
        stems = replace(empty, stems_dir=request.stems_dir, loudness_report=request.loudness_report)
        parts.append(("Stems", stems))
    for name in TIMELINE_FIELDS:
        path = getattr(request, name)
        if path is not None:
            part = replace(empty, stems_dir=request.stems_dir, **{name: path})
            parts.append((path.name, part))
    for name in ("video", "spotting"):
        path = getattr(request, name)
        if path is not None:
            parts.append((path.name, replace(empty, **{name: path})))
    if not parts:  # nothing asked: let export_project say so in its own words
        parts.append(("Export", request))
    return parts


def run_parts(
    project: Project,
    request: ExportRequest,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> PartsOutcome:
    """Run every part; a part that fails is noted (never its raw exception) and the rest go on."""
    parts = split_request(request)
    outcome = PartsOutcome()
    for index, (what, part) in enumerate(parts):
        if cancel is not None and cancel.is_set():
            outcome.cancelled = True
            outcome.failed += [(w, "cancelled") for w, _p in parts[index:]]
            break

        def step(fraction: float, _i: int = index) -> None:
            if progress is not None:
                progress((_i + fraction) / len(parts))

        try:
            report = export_project(project, part, step, cancel)
        except UserError as exc:
            if cancel is not None and cancel.is_set():
                outcome.cancelled = True
                outcome.failed += [(w, "cancelled") for w, _p in parts[index:]]
                break
            outcome.failed.append((what, f"{exc.message} {exc.hint}".strip()))
            continue
        except OSError as exc:
            log.exception("export of %s failed", what)
            reason = exc.strerror or "the file could not be written"
            outcome.failed.append((what, f"{reason} (details in the log file)"))
            continue
        except Exception:
            log.exception("export of %s failed", what)
            outcome.failed.append((what, "it could not be written (details in the log file)"))
            continue
        if report.stems is not None:
            outcome.stems = report.stems
        for path, why in report.failed:  # written around: the rest of the part went out
            outcome.failed.append((path.name, why))
        for path in report.files:
            if path not in outcome.written:
                outcome.written.append(path)
        for path in report.reused:
            if path not in outcome.reused and path not in outcome.written:
                outcome.reused.append(path)
    return outcome


def choices_path(project: Project) -> Path:
    return project.cache_dir / CHOICES_FILE


def load_choices(project: Project) -> dict[str, Any]:
    """The dialog's last choices for this project ({} the first time or when unreadable)."""
    try:
        data = json.loads(choices_path(project).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_choices(project: Project, choices: dict[str, Any]) -> None:
    path = choices_path(project)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(choices, indent=1, sort_keys=True), "utf-8")
    except OSError:
        log.warning("could not keep the export choices in %s", path, exc_info=True)
