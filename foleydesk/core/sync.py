"""Follow what other processes write to the project file (the app and `foleydesk` commands).

`PRAGMA data_version` changes only when *another* connection commits, so polling it is a
single cheap statement. When it moved, the records are read in one snapshot (`read_file`, in any
thread) and compared with the live project (`apply`, on the thread that owns it): only records
that differ are replaced and announced, so views repaint what changed and keep their selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foleydesk.core.events import Action, Change, Entity
from foleydesk.core.model import SourceMedia
from foleydesk.core.project import Project

TABLES = {
    Entity.LANE: "lanes",
    Entity.CUE: "cues",
    Entity.TAKE: "takes",
    Entity.JOB: "jobs",
    Entity.MARKER: "markers",
}


@dataclass
class FileState:
    version: int
    edits_before: int  # the project's local edit count when the read began
    records: dict[Entity, dict[int, Any]]
    source: SourceMedia | None


def read_file(project: Project, edits_before: int) -> FileState | None:
    """The file's records if another process wrote since we last looked, else None."""
    store = project.store
    with store.snapshot():
        version = store.data_version()
        if version == project.seen_version:
            return None
        records = {
            entity: {r.id: r for r in store.load_all(table)} for entity, table in TABLES.items()
        }
        source = store.load_source()
    return FileState(version, edits_before, records, source)


def apply(project: Project, state: FileState) -> list[Change] | None:
    """Bring the live project to the file's state; None when the read is stale (an edit of
    ours happened meanwhile, or a write of ours is still queued): read again next time."""
    if project.local_edits != state.edits_before or project.pending_writes:
        return None
    changes: list[Change] = []
    bags = project.record_bags()
    for entity, fresh in state.records.items():
        bag = bags[entity]
        for record_id in bag.keys() - fresh.keys():
            del bag[record_id]
            changes.append(Change(entity, record_id, Action.REMOVED))
        for record_id, record in fresh.items():
            old = bag.get(record_id)
            if old is None:
                changes.append(Change(entity, record_id, Action.ADDED))
            elif old != record:
                changes.append(Change(entity, record_id, Action.UPDATED))
            else:
                continue
            bag[record_id] = record
    if state.source is not None and state.source != project.source:
        project.source = state.source
        changes.append(Change(Entity.SOURCE, 0, Action.UPDATED))
    project.seen_version = state.version
    # Takes and cues before the jobs that point at them, removals last.
    order = {Entity.LANE: 0, Entity.CUE: 1, Entity.TAKE: 2, Entity.JOB: 3, Entity.MARKER: 4}
    changes.sort(key=lambda c: (c.action is Action.REMOVED, order.get(c.entity, 9)))
    for change in changes:
        project.changed.emit(change)
    return changes


def sync_now(project: Project) -> list[Change]:
    """Read and apply on the calling thread (tests, the command line); [] when nothing moved."""
    state = read_file(project, project.local_edits)
    if state is None:
        return []
    return apply(project, state) or []
