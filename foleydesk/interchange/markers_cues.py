"""Markers from the NLE become cues: name -> label, comment -> prompt, colour -> colour,
duration -> range (a point marker gets the user's default length).

Where a marker lands: files that say where their sequence starts give absolute timecode, which
is matched to the source's start timecode. When the source has no timecode (it starts at
00:00:00:00) but the sequence does, markers count from the sequence's start instead (the
source is then taken to be an export of that sequence). Markers outside the source are listed,
never dropped silently; a marker already imported (same place, same name) is not added twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from foleydesk.core.model import DEFAULT_CUE_COLOURS, Cue, CueKind, Lane
from foleydesk.core.project import Project
from foleydesk.interchange.markers_in import MarkerFile, NleMarker, read_marker_file

RESOLVE_START = Fraction(3600)  # Resolve timelines start at 01:00:00:00


@dataclass
class MarkerImport:
    kind: str
    added: list[Cue] = field(default_factory=list)
    already: list[NleMarker] = field(default_factory=list)  # imported before: skipped
    outside: list[tuple[NleMarker, str]] = field(default_factory=list)  # and why
    origin: str = ""  # how positions were matched to the source

    def summary(self) -> str:
        parts = [f"{len(self.added)} cue{'s' if len(self.added) != 1 else ''} added"]
        if self.already:
            parts.append(f"{len(self.already)} already imported")
        if self.outside:
            parts.append(f"{len(self.outside)} outside the source (listed)")
        return f"{self.kind}: " + ", ".join(parts) + f"; {self.origin}."


def _origin(project: Project, found: MarkerFile) -> tuple[Fraction, str]:
    """Seconds of marker time at the source's first frame, and how that was decided."""
    source = project.source
    start = source.start_time
    absolute = [m for m in found.markers if m.absolute]
    if source.start_timecode_frames or not absolute:
        return start, f"matched to the source's timecode {source.start_timecode()}"
    # The source has no timecode. Absolute markers from a file without a sequence start
    # (EDL, CSV) beyond an hour are taken from Resolve's 01:00:00:00.
    length = source.duration
    earliest = min(m.at for m in absolute)
    if earliest >= RESOLVE_START and earliest - RESOLVE_START < length:
        return RESOLVE_START, "counted from 01:00:00:00 (the source has no timecode)"
    return Fraction(0), "matched to 00:00:00:00 (the source has no timecode)"


def import_key(frame: int, marker: NleMarker) -> str:
    return f"marker:{frame}:{marker.name}"


def markers_to_cues(
    project: Project,
    path: Path,
    default_seconds: float = 2.0,
    lane: Lane | None = None,
) -> MarkerImport:
    source = project.source
    rate = source.frame_rate
    found = read_marker_file(path, rate, source.drop_frame)
    result = MarkerImport(found.kind)
    origin, result.origin = _origin(project, found)
    target = lane or project.default_lane(CueKind.FOLEY)
    existing = {c.import_key for c in project.cues.values() if c.import_key}
    default_frames = max(1, round(Fraction(default_seconds) * rate))
    last = source.frame_count
    with project.transaction():
        for marker in sorted(found.markers, key=lambda m: m.at):
            base = origin if marker.absolute else Fraction(0)
            start = math.floor((marker.at - base) * rate + Fraction(1, 1000))
            length = max(1, round(marker.duration * rate)) if marker.duration else default_frames
            if start < 0 or start >= last:
                where = "before the start" if start < 0 else "after the end"
                result.outside.append((marker, f"{where} of the source, {marker.where}"))
                continue
            key = import_key(start, marker)
            if key in existing:
                result.already.append(marker)
                continue
            existing.add(key)
            cue = Cue(
                0,
                target.id,
                start,
                min(last, start + length),
                label=marker.name,
                prompt=marker.comment,
                colour=marker.colour or DEFAULT_CUE_COLOURS[len(result.added) % 6],
                import_key=key,
            )
            result.added.append(project.add_cue(cue))
    return result


@dataclass
class ImportMarkers:
    """The import as one undoable edit (File > Import markers): undo removes the cues it made,
    redo brings them back with the same ids."""

    path: Path
    default_seconds: float = 2.0
    lane: Lane | None = None
    text: str = "Import markers"
    result: MarkerImport | None = None

    def redo(self, project: Project) -> None:
        if self.result is None:
            self.result = markers_to_cues(project, self.path, self.default_seconds, self.lane)
        else:
            for cue in self.result.added:
                project.restore_cue(cue, [])

    def undo(self, project: Project) -> None:
        assert self.result is not None
        for cue in reversed(self.result.added):
            project.remove_cue(cue.id)
