"""A live project: the model in memory, every edit committed to the store, every change announced.

`NAME.foleydesk` sits beside `NAME Media/` (takes/, segments/, exports/, cache/). The source video
is found again by absolute path, then relative path, then its name beside the project, each checked
against the fingerprint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from foleydesk.core.events import Action, Change, Entity, Signal
from foleydesk.core.model import (
    DEFAULT_CUE_COLOURS,
    Cue,
    CueKind,
    Job,
    Lane,
    LaneKind,
    Marker,
    SourceMedia,
    Take,
)
from foleydesk.core.placement import range_shift, take_after_range_change
from foleydesk.core.store import ProjectStore
from foleydesk.errors import UserError
from foleydesk.loopguard import off_loop

PROJECT_SUFFIX = ".foleydesk"
# What the app opens from the command line, a drop or a file dialog: a project or a video.
OPENABLE_SUFFIXES = (PROJECT_SUFFIX, ".mp4", ".mov", ".mkv", ".webm", ".m4v", ".mxf", ".avi", ".ts")
FINGERPRINT_CHUNK = 1 << 20

R = TypeVar("R")

# Where a user can list the records of a kind (only kinds the CLI lists get a hint).
_LISTED_BY = {Entity.CUE: "List the cues with 'cue list'.", Entity.JOB: "List them with 'jobs'."}


def _missing(entity: Entity, record_id: int) -> UserError:
    return UserError(
        f"There is no {entity.value} {record_id} in this project.", _LISTED_BY.get(entity, "")
    )


def removed_elsewhere(entity: Entity, record_id: int) -> UserError:
    return UserError(
        f"{entity.value.capitalize()} {record_id} was removed by another FoleyDesk process "
        "(the app or a command line) that has this project open.",
        "Nothing was changed here.",
    )


def fingerprint(path: Path) -> str:
    """Size plus a hash of the first and last MiB: cheap on a 2-hour file, unique in practice."""
    off_loop("fingerprinting a file")
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(FINGERPRINT_CHUNK))
        if size > FINGERPRINT_CHUNK:
            fh.seek(max(FINGERPRINT_CHUNK, size - FINGERPRINT_CHUNK))
            digest.update(fh.read(FINGERPRINT_CHUNK))
    return f"{size}:{digest.hexdigest()[:32]}"


def media_dir_for(project_path: Path) -> Path:
    return project_path.with_name(f"{project_path.stem} Media")


def default_project_path(video: Path) -> Path:
    return video.with_suffix(PROJECT_SUFFIX)


class Project:
    """The document: owns the records, writes each edit in one transaction, emits `changed`."""

    def __init__(self, store: ProjectStore, source: SourceMedia) -> None:
        seen_version = store.data_version()  # before loading: a commit in between reloads
        self.store = store
        self.path = store.path
        self.source = source
        self.changed: Signal[Change] = Signal()
        self.lanes: dict[int, Lane] = {r.id: r for r in store.load_all("lanes")}
        self.cues: dict[int, Cue] = {r.id: r for r in store.load_all("cues")}
        self.takes: dict[int, Take] = {r.id: r for r in store.load_all("takes")}
        self.jobs: dict[int, Job] = {r.id: r for r in store.load_all("jobs")}
        self.markers: dict[int, Marker] = {r.id: r for r in store.load_all("markers")}
        self.source_path: Path | None = self._locate_source()
        self._transaction_depth = 0
        # For following other processes (core/sync.py): the file's data_version our records
        # reflect, a count of our own edits (a reload read while one happened is stale) and the
        # writes still queued on a background writer (records.py).
        self.seen_version = seen_version
        self.local_edits = 0
        self.pending_writes = 0

    # -- life --

    @classmethod
    def create(cls, path: Path, source: SourceMedia, foley_lanes: int = 2) -> Project:
        path = path.resolve()
        if path.suffix != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        store = ProjectStore.create(path)
        source = dataclasses.replace(
            source,
            path=str(Path(source.path).resolve()),
            relative_path=os.path.relpath(Path(source.path).resolve(), path.parent),
        )
        with store.transaction():
            store.save_source(source)
            store.set_meta("created_at", str(time.time()))
            store.set_meta("name", path.stem)
            for index in range(foley_lanes):
                store.insert("lanes", Lane(0, LaneKind.FOLEY, f"Foley {index + 1}", index))
            store.insert("lanes", Lane(0, LaneKind.MUSIC, "Music", foley_lanes))
        project = cls(store, source)
        project.ensure_media_dirs()
        return project

    @classmethod
    def open(cls, path: Path) -> Project:
        off_loop("loading a project")
        store = ProjectStore.open(path.resolve())
        source = store.load_source()
        if source is None:
            store.close()
            raise UserError(
                f"{path.name} has no source video recorded.",
                "The project file is incomplete; create a new project for the video.",
            )
        return cls(store, source)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def media_dir(self) -> Path:
        return media_dir_for(self.path)

    @property
    def takes_dir(self) -> Path:
        return self.media_dir / "takes"

    @property
    def segments_dir(self) -> Path:
        return self.media_dir / "segments"

    @property
    def exports_dir(self) -> Path:
        return self.media_dir / "exports"

    @property
    def cache_dir(self) -> Path:
        return self.media_dir / "cache"

    def ensure_media_dirs(self) -> None:
        for folder in (self.takes_dir, self.segments_dir, self.exports_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def take_path(self, take: Take) -> Path:
        return self.media_dir / take.file

    # -- source --

    def _locate_source(self) -> Path | None:
        candidates = [
            Path(self.source.path),
            self.path.parent / self.source.relative_path,
            self.path.parent / Path(self.source.path).name,
        ]
        for candidate in candidates:
            try:
                if candidate.is_file() and fingerprint(candidate) == self.source.fingerprint:
                    return candidate.resolve()
            except OSError:
                continue
        return None

    def look_for_source(self) -> bool:
        """The source was missing: is it back where it was (a drive mounted again, the file
        moved back)? True when it is found now."""
        if self.source_path is not None:
            return True
        found = self._locate_source()
        if found is None:
            return False
        self.source_path = found
        self.changed.emit(Change(Entity.SOURCE, 0, Action.UPDATED))
        return True

    def require_source(self) -> Path:
        """The source's path, or a clear error that tells the user how to relink it."""
        if self.source_path is None:
            raise UserError(
                f"The source video {Path(self.source.path).name} was not found "
                f"(last seen at {self.source.path}).",
                "Put it next to the project, or relink it.",
            )
        return self.source_path

    def relink(self, new_path: Path, rewrap: SourceMedia | None = None) -> None:
        """Point the project at its source again. `rewrap`: the editor accepted another file
        with the same frames and timing (media.rewrap checked it); its fingerprint, container
        and picture size become the project's."""
        new_path = new_path.resolve()
        found = fingerprint(new_path)
        if rewrap is None and found != self.source.fingerprint:
            raise UserError(
                f"{new_path.name} is not the project's source video.",
                "Its size and content differ from the file the project was made for.",
            )
        extra: dict[str, Any] = {}
        if rewrap is not None:
            extra = {
                "fingerprint": found,
                "container": rewrap.container,
                "width": rewrap.width,
                "height": rewrap.height,
            }
        self.source = dataclasses.replace(
            self.source,
            path=str(new_path),
            relative_path=os.path.relpath(new_path, self.path.parent),
            **extra,
        )
        self.store.save_source(self.source)
        self.source_path = new_path
        self.changed.emit(Change(Entity.SOURCE, 0, Action.UPDATED))

    def update_source(self, **changes: Any) -> SourceMedia:
        """Change what the project records of its source (start timecode, sequence rate,
        production streams); cues stay on their source frames."""
        if "start_timecode_frames" in changes and changes["start_timecode_frames"] < 0:
            raise UserError("A start timecode cannot be negative.", "Use 00:00:00:00 or later.")
        self.source = dataclasses.replace(self.source, **changes)
        self.store.save_source(self.source)
        self.changed.emit(Change(Entity.SOURCE, 0, Action.UPDATED))
        return self.source

    # -- transactions --

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several edits into one commit (one undo step in the UI). If any of them fails,
        the file rolls back and so do the records in memory, so a later edit cannot write a
        rolled-back change to the file; views hear about each record put back."""
        if self._transaction_depth:
            self._transaction_depth += 1
            try:
                with self.store.transaction():
                    yield
            finally:
                self._transaction_depth -= 1
            return
        saved = self._records_snapshot()
        self._transaction_depth = 1
        try:
            with self.store.transaction():
                yield
        except BaseException:
            self._put_back(saved)
            raise
        finally:
            self._transaction_depth = 0

    def record_bags(self) -> dict[Entity, dict[int, Any]]:
        return {
            Entity.LANE: self.lanes,
            Entity.CUE: self.cues,
            Entity.TAKE: self.takes,
            Entity.JOB: self.jobs,
            Entity.MARKER: self.markers,
        }

    def _records_snapshot(self) -> dict[Entity, dict[int, Any]]:
        # Records are replaced on edit, never changed in place: copying the dicts is enough.
        return {entity: dict(bag) for entity, bag in self.record_bags().items()}

    def _put_back(self, saved: dict[Entity, dict[int, Any]]) -> None:
        self.local_edits += 1
        changes: list[Change] = []
        for entity, bag in self.record_bags().items():
            before = saved[entity]
            for record_id in bag.keys() | before.keys():
                if record_id not in before:
                    changes.append(Change(entity, record_id, Action.REMOVED))
                elif record_id not in bag:
                    changes.append(Change(entity, record_id, Action.ADDED))
                elif bag[record_id] is not before[record_id]:
                    changes.append(Change(entity, record_id, Action.UPDATED))
            bag.clear()
            bag.update(before)
        for change in changes:
            self.changed.emit(change)

    # -- generic record handling --

    def _add(self, table: str, entity: Entity, bag: dict[int, Any], record: R) -> R:
        self.local_edits += 1
        new_id = self.store.insert(table, record)
        record = dataclasses.replace(record, id=new_id)  # type: ignore[type-var]
        bag[new_id] = record
        self.changed.emit(Change(entity, new_id, Action.ADDED))
        return record

    def _update(
        self,
        table: str,
        entity: Entity,
        bag: dict[int, Any],
        record_id: int,
        changes: dict[str, Any],
    ) -> Any:
        if record_id not in bag:
            raise _missing(entity, record_id)
        self.local_edits += 1
        record = dataclasses.replace(bag[record_id], **changes)
        # Only the changed fields are written, then the row is read back in the same
        # transaction: another process's edits of other fields survive and show here
        # (last writer wins per field, never a whole stale record).
        with self.store.transaction():
            if self.store.update(table, record, changes.keys()):
                record = self.store.load_one(table, record_id)
            else:
                record = None
        if record is None:
            del bag[record_id]
            self.changed.emit(Change(entity, record_id, Action.REMOVED))
            raise removed_elsewhere(entity, record_id)
        bag[record_id] = record
        self.changed.emit(Change(entity, record_id, Action.UPDATED))
        return record

    def _remove(self, table: str, entity: Entity, bag: dict[int, Any], record_id: int) -> Any:
        if record_id not in bag:
            raise _missing(entity, record_id)
        self.local_edits += 1
        self.store.delete(table, record_id)
        record = bag.pop(record_id)
        self.changed.emit(Change(entity, record_id, Action.REMOVED))
        return record

    # -- lanes --

    def sorted_lanes(self) -> list[Lane]:
        return sorted(self.lanes.values(), key=lambda lane: (lane.position, lane.id))

    def add_lane(self, kind: LaneKind, name: str = "") -> Lane:
        count = sum(1 for lane in self.lanes.values() if lane.kind is kind)
        name = name or (f"Foley {count + 1}" if kind is LaneKind.FOLEY else f"Music {count + 1}")
        order = max((lane.position for lane in self.lanes.values()), default=-1) + 1
        return self._add("lanes", Entity.LANE, self.lanes, Lane(0, kind, name, order))

    def update_lane(self, lane_id: int, **changes: Any) -> Lane:
        lane: Lane = self._update("lanes", Entity.LANE, self.lanes, lane_id, changes)
        return lane

    def lane_by_number(self, number: int, kind: LaneKind | None = None) -> Lane:
        """Lane N as the user counts them (1-based, in display order, optionally of one kind)."""
        lanes = [lane for lane in self.sorted_lanes() if kind is None or lane.kind is kind]
        if not 1 <= number <= len(lanes):
            raise UserError(
                f"There is no lane {number}; the project has {len(lanes)}.",
                "Lanes are numbered from 1 in the order the timeline shows them.",
            )
        return lanes[number - 1]

    def default_lane(self, kind: CueKind) -> Lane:
        wanted = LaneKind.MUSIC if kind is CueKind.MUSIC else LaneKind.FOLEY
        for lane in self.sorted_lanes():
            if lane.kind is wanted:
                return lane
        return self.add_lane(wanted)

    # -- cues --

    def sorted_cues(self) -> list[Cue]:
        return sorted(self.cues.values(), key=lambda cue: (cue.in_frame, cue.id))

    def check_range(self, in_frame: int, out_frame: int) -> None:
        tc = self.source.timecode
        start = self.source.start_timecode_frames
        if in_frame < 0:
            raise UserError(
                "The cue starts before the first frame of the source.",
                f"The source starts at {tc.to_label(start)}.",
            )
        if out_frame <= in_frame:
            raise UserError(
                "The cue's out point must come after its in point.",
                "A cue is at least one frame long.",
            )
        if self.source.frame_count and out_frame > self.source.frame_count:
            end = tc.to_label(start + self.source.frame_count)
            raise UserError(
                f"The cue ends after the source does (it ends at {end}).",
                "Set the out point at or before the end of the source.",
            )

    def add_cue(self, cue: Cue) -> Cue:
        self.check_range(cue.in_frame, cue.out_frame)
        if cue.lane_id not in self.lanes:
            raise UserError(f"There is no lane {cue.lane_id} in this project.")
        if not cue.colour:
            cue.colour = DEFAULT_CUE_COLOURS[len(self.cues) % len(DEFAULT_CUE_COLOURS)]
        added: Cue = self._add("cues", Entity.CUE, self.cues, cue)
        return added

    def update_cue(self, cue_id: int, **changes: Any) -> Cue:
        current = self.cue(cue_id)
        in_frame = changes.get("in_frame", current.in_frame)
        out_frame = changes.get("out_frame", current.out_frame)
        if "in_frame" in changes or "out_frame" in changes:
            self.check_range(in_frame, out_frame)
        if "lane_id" in changes and changes["lane_id"] not in self.lanes:
            raise UserError(f"There is no lane {changes['lane_id']} in this project.")
        if not range_shift(current, in_frame, out_frame):
            # A trim (or no change of range): the takes stay on their picture.
            cue: Cue = self._update("cues", Entity.CUE, self.cues, cue_id, changes)
            return cue
        # A move: the takes go with the cue, and know how far they are from their picture.
        with self.transaction():
            for take in self.takes_for(cue_id):
                moved = take_after_range_change(current, take, in_frame, out_frame)
                fields = ("anchor_in_frame", "anchor_out_frame", "moved_frames")
                self._update(
                    "takes",
                    Entity.TAKE,
                    self.takes,
                    take.id,
                    {name: getattr(moved, name) for name in fields},
                )
            cue = self._update("cues", Entity.CUE, self.cues, cue_id, changes)
        return cue

    def remove_cue(self, cue_id: int) -> tuple[Cue, list[Take]]:
        """Remove a cue and its take records (their files stay on disk, so undo loses nothing)."""
        with self.transaction():
            takes = self.takes_for(cue_id)
            for take in takes:
                self._remove("takes", Entity.TAKE, self.takes, take.id)
            cue: Cue = self._remove("cues", Entity.CUE, self.cues, cue_id)
        return cue, takes

    def cue(self, cue_id: int) -> Cue:
        if cue_id not in self.cues:
            raise _missing(Entity.CUE, cue_id)
        return self.cues[cue_id]

    # -- takes --

    def takes_for(self, cue_id: int) -> list[Take]:
        return sorted((t for t in self.takes.values() if t.cue_id == cue_id), key=lambda t: t.id)

    def add_take(self, take: Take) -> Take:
        if take.cue_id not in self.cues:
            raise UserError(f"There is no cue {take.cue_id} for this take.")
        if not take.created_at:
            take.created_at = time.time()
        if take.anchor_in_frame < 0:
            cue = self.cues[take.cue_id]
            take.anchor_in_frame, take.anchor_out_frame = cue.in_frame, cue.out_frame
        added: Take = self._add("takes", Entity.TAKE, self.takes, take)
        return added

    def update_take(self, take_id: int, **changes: Any) -> Take:
        take: Take = self._update("takes", Entity.TAKE, self.takes, take_id, changes)
        return take

    def remove_take(self, take_id: int) -> Take:
        with self.transaction():
            take: Take = self._remove("takes", Entity.TAKE, self.takes, take_id)
            cue = self.cues.get(take.cue_id)
            if cue is not None and cue.chosen_take_id == take_id:
                self.update_cue(cue.id, chosen_take_id=None)
        return take

    def chosen_take(self, cue: Cue) -> Take | None:
        return self.takes.get(cue.chosen_take_id) if cue.chosen_take_id else None

    # -- jobs --

    def add_job(self, job: Job) -> Job:
        now = time.time()
        job.created_at = job.created_at or now
        job.updated_at = now
        added: Job = self._add("jobs", Entity.JOB, self.jobs, job)
        return added

    def update_job(self, job_id: int, **changes: Any) -> Job:
        changes.setdefault("updated_at", time.time())
        job: Job = self._update("jobs", Entity.JOB, self.jobs, job_id, changes)
        return job

    def unfinished_jobs(self) -> list[Job]:
        return [
            job for job in sorted(self.jobs.values(), key=lambda j: j.id) if not job.state.finished
        ]

    def jobs_for(self, cue_id: int) -> list[Job]:
        return sorted((j for j in self.jobs.values() if j.cue_id == cue_id), key=lambda j: j.id)

    def job(self, job_id: int) -> Job:
        if job_id not in self.jobs:
            raise _missing(Entity.JOB, job_id)
        return self.jobs[job_id]

    # -- markers --

    def add_marker(self, marker: Marker) -> Marker:
        added: Marker = self._add("markers", Entity.MARKER, self.markers, marker)
        return added

    def update_marker(self, marker_id: int, **changes: Any) -> Marker:
        """Rename, recolour or move a marker (a frame outside the source is refused)."""
        frame = changes.get("frame")
        if frame is not None and (
            frame < 0 or (self.source.frame_count and frame >= self.source.frame_count)
        ):
            raise UserError(
                "The marker would be outside the source.",
                "Put it on a frame between the first and the last.",
            )
        marker: Marker = self._update("markers", Entity.MARKER, self.markers, marker_id, changes)
        return marker

    def marker(self, marker_id: int) -> Marker:
        if marker_id not in self.markers:
            raise _missing(Entity.MARKER, marker_id)
        return self.markers[marker_id]

    def remove_marker(self, marker_id: int) -> Marker:
        marker: Marker = self._remove("markers", Entity.MARKER, self.markers, marker_id)
        return marker

    # -- undo support: put a removed record back with its old id --

    def _restore(self, table: str, entity: Entity, record: Any) -> None:
        """Insert a removed record again under its old id (refused if that id was reused)."""
        self.local_edits += 1
        if self.store.load_one(table, record.id) is not None:
            raise UserError(
                f"{entity.value.capitalize()} {record.id} cannot come back: another process "
                "has since made a record with the same number.",
                "Nothing was changed; add it again instead.",
            )
        self.store.insert(table, record)

    def restore_cue(self, cue: Cue, takes: list[Take]) -> None:
        with self.transaction():
            self._restore("cues", Entity.CUE, cue)
            self.cues[cue.id] = cue
            for take in takes:
                self._restore("takes", Entity.TAKE, take)
                self.takes[take.id] = take
        self.changed.emit(Change(Entity.CUE, cue.id, Action.ADDED))
        for take in takes:
            self.changed.emit(Change(Entity.TAKE, take.id, Action.ADDED))

    def restore_take(self, take: Take) -> None:
        with self.transaction():
            self._restore("takes", Entity.TAKE, take)
        self.takes[take.id] = take
        self.changed.emit(Change(Entity.TAKE, take.id, Action.ADDED))

    def restore_marker(self, marker: Marker) -> None:
        with self.transaction():
            self._restore("markers", Entity.MARKER, marker)
        self.markers[marker.id] = marker
        self.changed.emit(Change(Entity.MARKER, marker.id, Action.ADDED))

    # -- undo in the presence of other writers --

    def check_unchanged(self, entity: Entity, record_id: int, expected: dict[str, Any]) -> None:
        """Refuse (UserError) to undo or redo an edit whose fields another process has changed
        since: reverting them would overwrite that process's work."""
        table = _TABLE_OF[entity]
        current = self.store.load_one(table, record_id)
        if current is None:
            raise removed_elsewhere(entity, record_id)
        changed = [name for name, value in expected.items() if getattr(current, name) != value]
        if changed:
            raise UserError(
                f"{entity.value.capitalize()} {record_id} was changed by another FoleyDesk "
                f"process since ({', '.join(sorted(changed))}); undo left it as it is.",
                "Its current state is shown; edit it again if needed.",
            )


_TABLE_OF = {
    Entity.LANE: "lanes",
    Entity.CUE: "cues",
    Entity.TAKE: "takes",
    Entity.JOB: "jobs",
    Entity.MARKER: "markers",
}
