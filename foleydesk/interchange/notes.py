"""Markers out: every exported timeline says, on each clip, what the sound was asked to be and
who made it (the prompt and model@host), so the editor sees it in the NLE."""

from __future__ import annotations

import opentimelineio as otio

from foleydesk.interchange.timeline import META


def add_note_marker(clip: otio.schema.Clip) -> None:
    """An OTIO clip marker (in the clip's media time, one frame long) carrying the note."""
    note = str(clip.metadata.get(META, {}).get("note", ""))
    if not note or clip.source_range is None:
        return
    start = clip.source_range.start_time
    marker = otio.schema.Marker(
        name=clip.name,
        marked_range=otio.opentime.TimeRange(start, otio.opentime.RationalTime(1, start.rate)),
        color=otio.schema.MarkerColor.GREEN,
        comment=note,
    )
    marker.metadata[META] = {"note": note}
    clip.markers.append(marker)
