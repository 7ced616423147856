"""One OpenTimelineIO timeline for a project: the source on V1/A1, a track per lane with each
chosen take at its cue, markers for cues still without a take. Every format is written from it.

Positions are whole frames on the source's grid (sub-frame placement is baked into the stem
files as leading silence). Media ranges carry each file's own start timecode, so the adapters
can write in/out relative to it as Premiere and Resolve expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from foleydesk.core.project import Project
from foleydesk.media.stems import ExportedFile, StemExport

META = "foleydesk"
SOURCE_VIDEO_TRACK = "V1"
SOURCE_AUDIO_TRACK = "A1 Source"


@dataclass(frozen=True)
class TimelineOptions:
    """`start_at_hour`: the sequence starts at 01:00:00:00 (Resolve's default) instead of the
    source's start timecode. Clips keep the source's timecode as their media time either way."""

    start_at_hour: bool = False


def otio_rate(project: Project) -> float:
    return float(project.source.frame_rate)


def sequence_start_frames(project: Project, start_at_hour: bool) -> int:
    """Timecode frame count of the sequence's first frame."""
    if start_at_hour:
        return project.source.timecode.to_frames("01:00:00:00")
    return project.source.start_timecode_frames


def _rt(frames: int, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate)


def _range(start: int, duration: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


def _source_clip(project: Project, rate: float) -> otio.schema.Clip:
    source = project.source
    path = project.source_path or Path(source.path)
    available = _range(source.start_timecode_frames, source.frame_count, rate)
    reference = otio.schema.ExternalReference(target_url=str(path), available_range=available)
    reference.name = path.name
    return otio.schema.Clip(name=path.name, media_reference=reference, source_range=available)


def _stem_clip(project: Project, exported: ExportedFile, rate: float) -> otio.schema.Clip:
    cue = project.cue(exported.cue_id or 0)
    tc0 = project.source.start_timecode_frames
    rendered = exported.rendered
    reference = otio.schema.ExternalReference(
        target_url=str(exported.path),
        available_range=_range(tc0 + rendered.start_frame, rendered.frames, rate),
    )
    reference.name = exported.path.name
    take = project.chosen_take(cue)
    clip = otio.schema.Clip(
        name=cue.display_name(),
        media_reference=reference,
        source_range=_range(tc0 + cue.in_frame, cue.frame_count, rate),
    )
    clip.metadata[META] = {
        "cue_id": cue.id,
        "take_id": take.id if take else None,
        "prompt": cue.prompt,
        "in_frame": cue.in_frame,
        "out_frame": cue.out_frame,
        "handle_before": rendered.handle_before,
        "handle_after": rendered.handle_after,
    }
    return clip


def _place(
    track: otio.schema.Track, clips: list[tuple[int, otio.schema.Clip]], rate: float
) -> None:
    """Append clips at their frame positions with gaps between (clips must not overlap)."""
    position = 0
    for start, clip in clips:
        if start > position:
            track.append(otio.schema.Gap(source_range=_range(0, start - position, rate)))
        track.append(clip)
        position = start + round(clip.source_range.duration.value)


def build_timeline(
    project: Project, stems: StemExport, options: TimelineOptions | None = None
) -> otio.schema.Timeline:
    """The project as a timeline whose clips reference the files in `stems` by plain path."""
    options = options or TimelineOptions()
    rate = otio_rate(project)
    timeline = otio.schema.Timeline(name=project.name)
    timeline.global_start_time = _rt(sequence_start_frames(project, options.start_at_hour), rate)
    timeline.metadata[META] = {
        "rate": f"{project.source.frame_rate.numerator}/{project.source.frame_rate.denominator}",
        "drop_frame": project.source.drop_frame,
        "source_start_timecode": project.source.start_timecode(),
    }

    video = otio.schema.Track(name=SOURCE_VIDEO_TRACK, kind=otio.schema.TrackKind.Video)
    video.append(_source_clip(project, rate))
    timeline.tracks.append(video)
    if project.source.has_audio:
        audio = otio.schema.Track(name=SOURCE_AUDIO_TRACK, kind=otio.schema.TrackKind.Audio)
        audio.append(_source_clip(project, rate))
        timeline.tracks.append(audio)

    for lane in project.sorted_lanes():
        files = sorted(
            (f for f in stems.clips.values() if f.lane_id == lane.id),
            key=lambda f: (project.cue(f.cue_id or 0).in_frame, f.cue_id),
        )
        if not files:
            continue
        # Overlapping cues on one lane spill onto extra tracks (a track holds one clip at a time).
        layers: list[list[tuple[int, otio.schema.Clip]]] = []
        ends: list[int] = []
        for exported in files:
            cue = project.cue(exported.cue_id or 0)
            slot = next((i for i, end in enumerate(ends) if end <= cue.in_frame), None)
            if slot is None:
                layers.append([])
                ends.append(0)
                slot = len(layers) - 1
            layers[slot].append((cue.in_frame, _stem_clip(project, exported, rate)))
            ends[slot] = cue.out_frame
        for index, layer in enumerate(layers):
            title = lane.name if index == 0 else f"{lane.name} ({index + 1})"
            track = otio.schema.Track(name=title, kind=otio.schema.TrackKind.Audio)
            track.metadata[META] = {"lane_id": lane.id}
            _place(track, layer, rate)
            timeline.tracks.append(track)

    for cue in project.sorted_cues():
        if cue.id in stems.clips:
            continue
        marker = otio.schema.Marker(
            name=cue.display_name(),
            marked_range=_range(cue.in_frame, cue.frame_count, rate),
            color=otio.schema.MarkerColor.YELLOW,
        )
        marker.metadata[META] = {"cue_id": cue.id, "prompt": cue.prompt}
        timeline.tracks.markers.append(marker)
    return timeline
