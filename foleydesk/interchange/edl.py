"""CMX3600 EDL: one event per chosen take, each lane on its own audio channel (A, A2, A3 ...).

OTIO's cmx_3600 writer handles one track per call and labels timecode by the rate alone, so we
call its EDLWriter per lane track, then merge the events in record order, renumber them, put
each lane on its channel, rewrite the four timecodes with our SMPTE counting (DF only when the
sequence is DF) and add the FCM line. Reels are short names a conform can match, with the clip name
and the file path in comments.
"""

from __future__ import annotations

import re

import opentimelineio as otio
from otio_cmx3600_adapter.cmx_3600 import EDLWriter

from foleydesk.core.project import Project
from foleydesk.interchange.timeline import META, is_source_audio, timeline_sequence

_EVENT = re.compile(r"^(\d{3,})\s")
_REEL_UNSAFE = re.compile(r"[^A-Z0-9_]")


def channel_name(index: int) -> str:
    """Audio channel of the n-th lane (0-based): A, A2, A3, ..."""
    return "A" if index == 0 else f"A{index + 1}"


def _reel(name: str, taken: set[str]) -> str:
    base = _REEL_UNSAFE.sub("", name.upper())[:8] or "AX"
    reel, n = base, 2
    while reel in taken:
        suffix = str(n)
        reel, n = base[: 8 - len(suffix)] + suffix, n + 1
    taken.add(reel)
    return reel


def edl_string(project: Project, timeline: otio.schema.Timeline) -> str:
    seq = timeline_sequence(timeline)
    tc = seq.timecode
    start = round(timeline.global_start_time.value) if timeline.global_start_time else 0
    stack: otio.schema.Stack = timeline.tracks.deepcopy()
    reels: set[str] = set()
    events: list[tuple[int, int, list[str]]] = []  # (record in, lane index, lines)
    lane_tracks = [
        (i, t)
        for i, t in enumerate(stack)
        if t.kind == otio.schema.TrackKind.Audio and not is_source_audio(t)
    ]
    for lane_index, (track_index, track) in enumerate(lane_tracks):
        clips = list(track.find_clips())
        for clip in clips:
            file_name = clip.media_reference.name or clip.name
            clip.metadata["cmx_3600"] = {"reel": _reel(file_name.rsplit(".", 1)[0], reels)}
            clip.name = file_name
        writer = EDLWriter(tracks=stack, rate=float(seq.rate), style="avid", reelname_len=8)
        text = writer.get_content_for_track_at_index(track_index, title=None)
        blocks: list[list[str]] = []
        for line in text.splitlines():
            if _EVENT.match(line):
                blocks.append([line])
            elif blocks and line.strip():
                blocks[-1].append(line)
        for clip, block in zip(clips, blocks, strict=True):
            src_in = round(clip.source_range.start_time.value)
            length = round(clip.source_range.duration.value)
            rec_in = start + round(clip.range_in_parent().start_time.value)
            reel = clip.metadata["cmx_3600"]["reel"]
            block[0] = (
                f"{{n}}  {reel:<8} {channel_name(lane_index):<5} C        "
                f"{tc.to_label(src_in)} {tc.to_label(src_in + length)} "
                f"{tc.to_label(rec_in)} {tc.to_label(rec_in + length)}"
            )
            note = str(clip.metadata.get(META, {}).get("note", "")).replace("\n", " ")
            if note:
                block.append(f"* COMMENT: {note}")  # what the sound was asked to be, by whom
            events.append((rec_in, lane_index, block))
    events.sort(key=lambda e: (e[0], e[1]))
    fcm = "DROP FRAME" if tc.drop_frame else "NON-DROP FRAME"
    lines = [f"TITLE: {timeline.name}", f"FCM: {fcm}", ""]
    for number, (_, _, block) in enumerate(events, start=1):
        lines.append(block[0].replace("{n}", f"{number:03d}"))
        lines.extend(block[1:])
        lines.append("")
    return "\n".join(lines) + "\n"
