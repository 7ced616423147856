"""FCPXML 1.9 for DaVinci Resolve and Final Cut Pro, written from the OTIO timeline.

Written here rather than by an OTIO adapter (none is a dependency): OTIO's FCPX adapter keys
frame durations by float rate (29.97 and 59.94 sources get an empty frameDuration and fail),
derives times through floats, and runs the ffprobe program on every media file to name formats,
which the product must not do. This writer walks the same timeline and states every time as an
exact rational (frames x 1001/30000 s).

Layout: the source is one asset-clip on the spine (picture and production audio); each lane's
takes are connected clips on their own audio lane (-1, -2, ...) with roles; cues without takes
are markers. audioLayout is stereo (FCPXML has no mono sequence layout); each take's asset declares
the channels its file holds (1 for a mono take at centre pan).
"""

from __future__ import annotations

from xml.etree import ElementTree

import opentimelineio as otio

from foleydesk.core.model import LaneKind
from foleydesk.core.project import Project
from foleydesk.interchange.timeline import META, is_source_audio, timeline_sequence
from foleydesk.interchange.urls import file_url

FCPXML_VERSION = "1.9"
# The DTD's fieldOrder words (progressive | upper first | lower first).
_FIELD_ORDER = {"tt": "upper first", "tb": "upper first", "bb": "lower first", "bt": "lower first"}


class _Writer:
    def __init__(self, project: Project, timeline: otio.schema.Timeline) -> None:
        self.project = project
        self.timeline = timeline
        self.seq = timeline_sequence(timeline)
        self.rate = self.seq.rate
        self.root = ElementTree.Element("fcpxml", version=FCPXML_VERSION)
        self.resources = ElementTree.SubElement(self.root, "resources")
        self._ids = 0
        self._assets: dict[str, str] = {}
        source = project.source
        self.format_id = self._new_id()
        picture = {
            "id": self.format_id,
            "frameDuration": self.t(1),
            "width": str(source.width),
            "height": str(source.height),
            "fieldOrder": _FIELD_ORDER.get(source.field_order, "progressive"),
        }
        if source.sample_aspect != 1:
            picture["paspH"] = str(source.sample_aspect.numerator)
            picture["paspV"] = str(source.sample_aspect.denominator)
        ElementTree.SubElement(self.resources, "format", picture)
        self.tc_format = "DF" if self.seq.drop_frame else "NDF"

    def _new_id(self) -> str:
        self._ids += 1
        return f"r{self._ids}"

    def t(self, frames: float | int) -> str:
        """Whole frames as exact seconds written in frame-duration units (107892 frames at
        29.97 -> 107999892/30000s), as Final Cut Pro writes them."""
        count = round(frames)
        num, den = self.rate.numerator, self.rate.denominator
        if count == 0:
            return "0s"
        if den == 1 and count % num == 0:
            return f"{count // num}s"
        return f"{count * den}/{num}s"

    def asset(self, clip: otio.schema.Clip, video: bool) -> str:
        ref = clip.media_reference
        assert isinstance(ref, otio.schema.ExternalReference)
        url = file_url(ref.target_url)
        if url in self._assets:
            return self._assets[url]
        ident = self._new_id()
        available = ref.available_range
        assert available is not None
        attrs = {
            "id": ident,
            "name": ref.name or clip.name,
            "start": self.t(available.start_time.value),
            "duration": self.t(available.duration.value),
            "hasVideo": "1" if video else "0",
            "hasAudio": "1",
            "audioSources": "1",
            "audioChannels": str(clip.metadata.get(META, {}).get("channels", 2)),
            "audioRate": "48000",
        }
        if video:
            source = self.project.source
            attrs["format"] = self.format_id
            attrs["hasAudio"] = "1" if source.has_audio else "0"
            production = [source.audio_streams[i] for i in source.production]
            attrs["audioSources"] = str(max(1, len(production)))
            attrs["audioChannels"] = str(
                sum(int(s["channels"]) for s in production) or source.audio_channels or 2
            )
            attrs["audioRate"] = str(source.audio_sample_rate or 48000)
        asset = ElementTree.SubElement(self.resources, "asset", attrs)
        ElementTree.SubElement(asset, "media-rep", kind="original-media", src=url)
        self._assets[url] = ident
        return ident

    def build(self) -> ElementTree.Element:
        timeline = self.timeline
        start = round(timeline.global_start_time.value) if timeline.global_start_time else 0
        library = ElementTree.SubElement(self.root, "library")
        event = ElementTree.SubElement(library, "event", name="FoleyDesk")
        project_e = ElementTree.SubElement(event, "project", name=timeline.name)
        duration = round(timeline.duration().value)
        sequence = ElementTree.SubElement(
            project_e,
            "sequence",
            format=self.format_id,
            duration=self.t(duration),
            tcStart=self.t(start),
            tcFormat=self.tc_format,
            audioLayout="stereo",
            audioRate="48k",
        )
        spine = ElementTree.SubElement(sequence, "spine")
        video_track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
        source_clip = next(iter(video_track.find_clips()))
        parent_start = round(source_clip.source_range.start_time.value)
        parent = ElementTree.SubElement(
            spine,
            "asset-clip",
            ref=self.asset(source_clip, video=True),
            offset=self.t(start),
            name=source_clip.name,
            start=self.t(parent_start),
            duration=self.t(source_clip.source_range.duration.value),
            format=self.format_id,
            tcFormat=self.tc_format,
            audioRole="dialogue",
        )
        lane = 0
        for track in timeline.tracks:
            if track.kind != otio.schema.TrackKind.Audio or is_source_audio(track):
                continue
            lane -= 1
            role = self._role(track)
            for clip in track.find_clips():
                position = round(clip.range_in_parent().start_time.value)
                element = ElementTree.SubElement(
                    parent,
                    "asset-clip",
                    ref=self.asset(clip, video=False),
                    lane=str(lane),
                    offset=self.t(parent_start + position),
                    name=clip.name,
                    start=self.t(clip.source_range.start_time.value),
                    duration=self.t(clip.source_range.duration.value),
                    audioRole=role,
                )
                note = str(clip.metadata.get(META, {}).get("note", ""))
                if note:  # a clip marker (in the clip's own time) says what it was asked to be
                    ElementTree.SubElement(
                        element,
                        "marker",
                        start=self.t(clip.source_range.start_time.value),
                        duration=self.t(1),
                        value=clip.name,
                        note=note,
                    )
        for marker in timeline.tracks.markers:
            ElementTree.SubElement(
                parent,
                "marker",
                start=self.t(parent_start + marker.marked_range.start_time.value),
                duration=self.t(marker.marked_range.duration.value),
                value=marker.name,
                note=str(marker.metadata.get(META, {}).get("prompt", "")),
            )
        return self.root

    def _role(self, track: otio.schema.Track) -> str:
        lane_id = track.metadata.get(META, {}).get("lane_id")
        lane = self.project.lanes.get(int(lane_id)) if lane_id is not None else None
        return "music" if lane is not None and lane.kind is LaneKind.MUSIC else "effects"


def fcpxml_string(project: Project, timeline: otio.schema.Timeline) -> str:
    root = _Writer(project, timeline).build()
    ElementTree.indent(root, space="  ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{body}\n'
