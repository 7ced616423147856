"""AAF for Pro Tools, Premiere and Resolve, written by OpenTimelineIO's AAF adapter (pyaaf2).

The AAF holds one audio track per lane (overlapping cues spill onto extra tracks, as in every
other timeline), each clip named from its cue's label with the prompt, model@host and seed as
the clip's comments, at the sequence rate (interchange/sequence.py) and start timecode of the
timeline the other formats use. Clips link either the cue's own BWF (default) or the lane's
full-length stem at the same timecode. With `embed`, the audio goes inside the AAF: each file
is first wrapped by pyaaf2 in a one-clip AAF, which the adapter then copies in (its supported
path for embedded audio).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from foleydesk.core.credits import model_at_host
from foleydesk.core.model import TakeStatus
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.interchange.timeline import (
    META,
    SOURCE_VIDEO_TRACK,
    is_source_audio,
    timeline_sequence,
)
from foleydesk.media.atomic import atomic_output
from foleydesk.media.bwf import read_bwf_info
from foleydesk.media.stems import StemExport

AAF_LINKS = ("clips", "stems")


@dataclass(frozen=True)
class AafOptions:
    link: str = "clips"  # "clips": each cue's BWF; "stems": the lane's full-length stem
    embed: bool = False  # audio inside the AAF (one self-contained file)


def _descriptor(path: Path) -> dict[str, Any]:
    """The essence description the adapter writes for a linked file (it assumes mono 16-bit)."""
    info = read_bwf_info(path)
    block = info.channels * info.bits_per_sample // 8
    return {
        "Channels": info.channels,
        "QuantizationBits": info.bits_per_sample,
        "BlockAlign": block,
        "AverageBPS": block * info.sample_rate,
        "SampleRate": info.sample_rate,
        "AudioSamplingRate": info.sample_rate,
        "Length": info.frames,
    }


def aaf_timeline(
    project: Project, timeline: otio.schema.Timeline, stems: StemExport, options: AafOptions
) -> otio.schema.Timeline:
    """The lane tracks of the shared timeline, relinked and annotated for AAF."""
    if options.link not in AAF_LINKS:
        raise UserError(f"Unknown AAF link '{options.link}'.", f"Use one of {AAF_LINKS}.")
    out: otio.schema.Timeline = timeline.deepcopy()
    out.tracks.markers.clear()  # the adapter writes no markers; cues without takes are omitted
    keep = [
        track
        for track in out.tracks
        if track.name != SOURCE_VIDEO_TRACK and not is_source_audio(track) and track.find_clips()
    ]
    while len(out.tracks):
        out.tracks.pop()
    for track in keep:
        out.tracks.append(track)
    seq = timeline_sequence(timeline)
    source = project.source
    for clip in out.find_clips():
        meta = clip.metadata.get(META, {})
        cue = project.cue(int(meta["cue_id"]))
        take = project.chosen_take(cue)
        ref = clip.media_reference
        assert isinstance(ref, otio.schema.ExternalReference)
        if options.link == "stems":
            stem = stems.lane_stems.get(cue.lane_id)
            if stem is None:
                raise UserError(
                    f"The lane of {cue.display_name()} has no stem to link.",
                    "Export with lane stems, or link the cue clips.",
                )
            rate = ref.available_range.start_time.rate
            ref.target_url = str(stem.path)
            ref.name = stem.path.name
            # By exact time on the sequence grid (the stem's frames are the source's).
            first = source.start_time + source.frame_time(stem.rendered.start_frame)
            length = source.frame_time(stem.rendered.frames)
            ref.available_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(seq.frames(first), rate),
                otio.opentime.RationalTime(seq.frames(length), rate),
            )
        comments: dict[str, Any] = {"Comment": cue.prompt, "Label": cue.display_name()}
        if cue.negative_prompt:
            comments["Negative prompt"] = cue.negative_prompt
        if take is not None:
            comments["Model"] = model_at_host(take)
            if take.seed is not None:
                comments["Seed"] = str(take.seed)
        clip.metadata["AAF"] = {"UserComments": comments}
        ref.metadata["AAF"] = {"EssenceDescription": _descriptor(Path(ref.target_url))}
        ref.target_url = Path(ref.target_url).resolve().as_uri()  # AAF locators are URLs
    return out


def _wrap_for_embedding(
    timeline: otio.schema.Timeline, folder: Path, rate: Fraction, shared_by_one: bool
) -> None:
    """Point each clip at a one-clip AAF that carries its file's audio, with its MobID.
    Comments live on the master mob, so they are the cue's only when a file has one clip."""
    import aaf2

    wrapped: dict[str, tuple[Path, str]] = {}  # a lane stem shared by clips is embedded once
    for index, clip in enumerate(timeline.find_clips()):
        ref = clip.media_reference
        assert isinstance(ref, otio.schema.ExternalReference)
        source = otio.url_utils.filepath_from_url(ref.target_url)
        if source not in wrapped:
            if read_bwf_info(Path(source)).float_samples:
                raise UserError(
                    "AAF embedding takes 16- or 24-bit audio, and these stems are 32-bit float.",
                    "Export 24-bit stems to embed, or link the files instead.",
                )
            holder = folder / f"clip{index}.aaf"
            with aaf2.open(str(holder), "w") as f:
                mob = f.create.MasterMob(clip.name if shared_by_one else Path(source).stem)
                f.content.mobs.append(mob)
                mob.import_audio_essence(source, rate)
                if shared_by_one:
                    for key, value in clip.metadata["AAF"]["UserComments"].items():
                        mob.comments[key] = value
                wrapped[source] = (holder, str(mob.mob_id))
        holder, mob_id = wrapped[source]
        clip.metadata["AAF"]["MobID"] = mob_id
        ref.target_url = str(holder)
        # Embedded essence starts at the file's first sample: media time from 0.
        start = ref.available_range.start_time
        ref.available_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, start.rate), ref.available_range.duration
        )
        visible = clip.source_range
        assert visible is not None
        clip.source_range = otio.opentime.TimeRange(visible.start_time - start, visible.duration)


def check_aaf_possible(project: Project) -> None:
    """Before any rendering: an AAF holds clips, so some cue needs a ready chosen take."""
    for cue in project.sorted_cues():
        take = project.chosen_take(cue)
        if take is not None and take.status is TakeStatus.READY:
            return
    raise UserError(
        "No cue has a chosen take yet, so the AAF would be empty.",
        "Choose takes first (an AAF holds clips, not markers). Nothing was written.",
    )


def write_aaf(
    project: Project,
    timeline: otio.schema.Timeline,
    stems: StemExport,
    path: Path,
    options: AafOptions | None = None,
) -> Path:
    options = options or AafOptions()
    path = Path(path)
    if path.suffix.lower() != ".aaf":
        raise UserError(
            f"--aaf needs a file ending in .aaf, not {path.name}.", "For example cut.aaf."
        )
    prepared = aaf_timeline(project, timeline, stems, options)
    if not prepared.find_clips():
        raise UserError(
            "No cue has a chosen take yet, so the AAF would be empty.",
            "Choose takes first (an AAF holds clips, not markers).",
        )
    rate = timeline_sequence(timeline).rate
    with tempfile.TemporaryDirectory(prefix="foleydesk-aaf-") as tmp, atomic_output(path) as out:
        if options.embed:
            _wrap_for_embedding(prepared, Path(tmp), rate, options.link == "clips")
        out.unlink()  # pyaaf2 creates the file itself
        otio.adapters.write_to_file(
            prepared,
            str(out),
            adapter_name="AAF",
            use_empty_mob_ids=True,
            embed_essence=options.embed,
        )
    return path
