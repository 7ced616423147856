"""One OpenTimelineIO timeline for a project: the source on V1/A1, a track per lane with each
chosen take at its cue, markers for cues still without a take. Every format is written from it.

Positions are whole frames of the sequence rate (sequence.py): every exact time (a cue's in
point, the source's start timecode, a stem's first sample) goes to the nearest sequence frame,
so a 12.5 or 29.83 fps source lands within half a sequence frame of where it plays; the
sub-frame rest is baked into the stem files as leading silence. Media ranges carry each file's
own start timecode, so the adapters can write in/out relative to it as NLEs expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from foleydesk.core.credits import model_at_host, sound_note
from foleydesk.core.project import Project
from foleydesk.interchange.sequence import SequenceRate, parse_sequence_rate, sequence_rate
from foleydesk.media.stems import ExportedFile, StemExport

META = "foleydesk"
SOURCE_VIDEO_TRACK = "V1"
SOURCE_AUDIO_TRACK = "A1 Source"


@dataclass(frozen=True)
class TimelineOptions:
    """`start_at_hour`: the sequence starts at 01:00:00:00 (Resolve's default) instead of the
    source's start timecode. Clips keep the source's timecode as their media time either way.
    `sequence`: the rate to write at (default: the project's choice or its source's default)."""

    start_at_hour: bool = False
    sequence: SequenceRate | None = None


def timeline_sequence(timeline: otio.schema.Timeline) -> SequenceRate:
    """The sequence rate a timeline built here was built at."""
    return parse_sequence_rate(str(timeline.metadata[META]["sequence_rate"]))


def is_source_audio(track: otio.schema.Track) -> bool:
    """True for the tracks that carry the source's production sound (A1 Source, A2 Source...)."""
    meta = track.metadata.get(META, {})
    return track.name == SOURCE_AUDIO_TRACK or (
        isinstance(meta, dict | otio._otio.AnyDictionary) and "source_audio" in meta
    )


def production_tracks(project: Project) -> list[tuple[int, int]]:
    """(audio stream number in the file, 1-based; its channels) per production-sound track, as
    Premiere and Resolve lay a file out: each mono stream its own track (A1..An), a stereo or
    multichannel stream one clip on one track."""
    source = project.source
    if not source.audio_streams:
        return [(1, source.audio_channels or 2)] if source.has_audio else []
    return [(i + 1, int(source.audio_streams[i]["channels"])) for i in source.production]


def _rt(frames: int, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate)


def _range(start: int, duration: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


class _Grid:
    """Exact source times -> sequence frames (nearest), timecode origin included or not."""

    def __init__(self, project: Project, seq: SequenceRate) -> None:
        self.seq = seq
        self.rate = float(seq.rate)
        self.source = project.source
        self.origin = project.source.start_time

    def at(self, t: Fraction) -> int:
        """Sequence frame of a time from the source's first frame (timeline position)."""
        return self.seq.frames(t)

    def tc(self, t: Fraction) -> int:
        """Timecode frame count of a time from the source's first frame (media time)."""
        return self.seq.frames(self.origin + t)

    def frame(self, source_frame: int) -> Fraction:
        return self.source.frame_time(source_frame)


def _source_clip(project: Project, grid: _Grid) -> otio.schema.Clip:
    source = project.source
    path = project.source_path or Path(source.path)
    start = grid.tc(Fraction(0))
    # The clip lasts as long as the file plays, counted in sequence frames.
    available = _range(start, max(1, grid.tc(source.duration) - start), grid.rate)
    reference = otio.schema.ExternalReference(target_url=str(path), available_range=available)
    reference.name = path.name
    return otio.schema.Clip(name=path.name, media_reference=reference, source_range=available)


def _stem_clip(project: Project, exported: ExportedFile, grid: _Grid) -> otio.schema.Clip:
    cue = project.cue(exported.cue_id or 0)
    rendered = exported.rendered
    file_start = grid.tc(grid.frame(rendered.start_frame))
    file_end = grid.tc(grid.frame(rendered.start_frame + rendered.frames))
    reference = otio.schema.ExternalReference(
        target_url=str(exported.path),
        available_range=_range(file_start, max(1, file_end - file_start), grid.rate),
    )
    reference.name = exported.path.name
    take = project.chosen_take(cue)
    in_at, out_at = grid.at(grid.frame(cue.in_frame)), grid.at(grid.frame(cue.out_frame))
    clip = otio.schema.Clip(
        name=cue.display_name(),
        media_reference=reference,
        source_range=_range(grid.tc(grid.frame(cue.in_frame)), max(1, out_at - in_at), grid.rate),
    )
    note = sound_note(cue, take)
    clip.metadata[META] = {
        "cue_id": cue.id,
        "take_id": take.id if take else None,
        "prompt": cue.prompt,
        "note": note,
        "model": model_at_host(take),
        "in_frame": cue.in_frame,
        "out_frame": cue.out_frame,
        "handle_before": rendered.handle_before,
        "handle_after": rendered.handle_after,
        "channels": rendered.channels,  # the file's own: 1 for a mono take at centre pan
    }
    # Premiere shows these in the clip's Description, Log Note and Comment columns.
    clip.metadata["fcp_xml"] = {
        "logginginfo": {"description": cue.prompt, "lognote": note},
        "comments": {"mastercomment1": note},
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
    seq = options.sequence or sequence_rate(project)
    grid = _Grid(project, seq)
    rate = grid.rate
    timeline = otio.schema.Timeline(name=project.name)
    start = seq.timecode.to_frames("01:00:00:00") if options.start_at_hour else grid.tc(Fraction(0))
    timeline.global_start_time = _rt(start, rate)
    timeline.metadata[META] = {
        "rate": f"{seq.rate.numerator}/{seq.rate.denominator}",
        "sequence_rate": seq.text,
        "drop_frame": seq.drop_frame,
        "source_rate": f"{project.source.frame_rate.numerator}/"
        f"{project.source.frame_rate.denominator}",
        "source_start_timecode": project.source.start_timecode(),
    }

    video = otio.schema.Track(name=SOURCE_VIDEO_TRACK, kind=otio.schema.TrackKind.Video)
    video.append(_source_clip(project, grid))
    timeline.tracks.append(video)
    for number, (stream, channels) in enumerate(production_tracks(project), start=1):
        audio = otio.schema.Track(name=f"A{number} Source", kind=otio.schema.TrackKind.Audio)
        audio.metadata[META] = {"source_audio": stream, "channels": channels}
        clip = _source_clip(project, grid)
        clip.metadata[META] = {"source_audio": stream, "channels": channels}
        audio.append(clip)
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
            at = grid.at(grid.frame(cue.in_frame))
            slot = next((i for i, end in enumerate(ends) if end <= at), None)
            if slot is None:
                layers.append([])
                ends.append(0)
                slot = len(layers) - 1
            clip = _stem_clip(project, exported, grid)
            layers[slot].append((at, clip))
            ends[slot] = at + round(clip.source_range.duration.value)
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
            marked_range=_range(
                grid.at(grid.frame(cue.in_frame)),
                max(1, grid.at(grid.frame(cue.out_frame)) - grid.at(grid.frame(cue.in_frame))),
                rate,
            ),
            color=otio.schema.MarkerColor.YELLOW,
        )
        marker.metadata[META] = {"cue_id": cue.id, "prompt": cue.prompt}
        marker.metadata["fcp_xml"] = {"comment": sound_note(cue, None)}
        marker.comment = sound_note(cue, None)
        timeline.tracks.markers.append(marker)
    return timeline
