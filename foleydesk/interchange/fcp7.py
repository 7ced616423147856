"""FCP7 XML (xmeml) for Premiere Pro (Resolve reads it too), written by OTIO's fcp_xml adapter
and then corrected where the adapter falls short for Premiere:

- `pathurl` as `file://localhost/` + a percent-encoded path (the adapter copies the URL as is);
- timecode labels and DF/NDF from our SMPTE counting (the adapter infers drop-frame from the
  rate alone and mislabels the start timecode);
- the source's audio gets its own clipitem (the adapter back-references the video clipitem);
- audio clipitems name their source track, and WAV files say they are 48 kHz with the channels
  each file holds (a mono cue clip is a mono clipitem, `premiereChannelType="mono"`).
"""

from __future__ import annotations

from fractions import Fraction
from xml.etree import ElementTree

import opentimelineio as otio

from foleydesk.core.model import SourceMedia
from foleydesk.core.project import Project
from foleydesk.core.timecode import TimecodeFormat
from foleydesk.interchange.sequence import SequenceRate
from foleydesk.interchange.timeline import META, is_source_audio, timeline_sequence
from foleydesk.interchange.urls import xmeml_pathurl


def _with_urls(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    copy: otio.schema.Timeline = timeline.deepcopy()
    for track in copy.tracks:
        for clip in track.find_clips():
            ref = clip.media_reference
            if isinstance(ref, otio.schema.ExternalReference):
                ref.target_url = xmeml_pathurl(ref.target_url)
            if is_source_audio(track):
                # Different metadata keeps the adapter from folding it into the video clipitem.
                meta = dict(track.metadata.get(META, {}))
                clip.metadata[META] = {"source_audio": meta.get("source_audio", 1)}
    return copy


def _fix_timecodes(root: ElementTree.Element, tc: TimecodeFormat) -> None:
    for element in root.iter("timecode"):
        frame = element.findtext("frame")
        if frame is None:
            continue
        string = element.find("string")
        if string is None:
            string = ElementTree.SubElement(element, "string")
        string.text = tc.to_label(int(frame))
        display = element.find("displayformat")
        if display is None:
            display = ElementTree.SubElement(element, "displayformat")
        display.text = "DF" if tc.drop_frame else "NDF"


def _file_channels(timeline: otio.schema.Timeline) -> dict[str, int]:
    """Channels of each rendered file by its xmeml pathurl, as the render recorded them."""
    out: dict[str, int] = {}
    for clip in timeline.find_clips():
        ref = clip.media_reference
        meta = clip.metadata.get(META, {})
        if isinstance(ref, otio.schema.ExternalReference) and "channels" in meta:
            out[xmeml_pathurl(ref.target_url)] = int(meta["channels"])
    return out


def _fix_audio(root: ElementTree.Element, timeline: otio.schema.Timeline) -> None:
    audio = root.find("./project/children/sequence/media/audio")
    if audio is None:
        return
    by_url = _file_channels(timeline)
    by_id = {
        file_e.get("id", ""): by_url[url]
        for file_e in root.iter("file")
        if (url := file_e.findtext("pathurl") or "") in by_url
    }
    ours = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    for index, track in enumerate(audio.findall("track")):
        meta = ours[index].metadata.get(META, {}) if index < len(ours) else {}
        source_track = int(meta.get("source_audio", 1)) if "source_audio" in meta else 1
        channel_type = "mono" if int(meta.get("channels", 2)) == 1 else "stereo"
        for item in track.findall("clipitem"):
            source = item.find("sourcetrack")
            if source is None:
                source = ElementTree.SubElement(item, "sourcetrack")
                ElementTree.SubElement(source, "mediatype").text = "audio"
                ElementTree.SubElement(source, "trackindex")
            index_e = source.find("trackindex")
            if index_e is not None:
                # The production stream this track plays (A3 Source plays the file's third).
                index_e.text = str(source_track)
            file_ref = item.find("file")
            own = by_id.get(file_ref.get("id", "")) if file_ref is not None else None
            if own is not None:  # a rendered file: what it holds
                item.set("premiereChannelType", "mono" if own == 1 else "stereo")
            else:
                item.set("premiereChannelType", channel_type)
    for file_e in root.iter("file"):
        media = file_e.find("media")
        path = file_e.findtext("pathurl") or ""
        if media is None or not path.lower().endswith(".wav"):
            continue
        audio_e = media.find("audio")
        if audio_e is None:
            audio_e = ElementTree.SubElement(media, "audio")
        if audio_e.find("samplecharacteristics") is None:
            chars = ElementTree.SubElement(audio_e, "samplecharacteristics")
            ElementTree.SubElement(chars, "depth").text = "24"
            ElementTree.SubElement(chars, "samplerate").text = "48000"
        count = audio_e.find("channelcount")
        if count is None:
            count = ElementTree.SubElement(audio_e, "channelcount")
        count.text = str(by_url.get(path, 2))


_FIELDS = {"tt": "upper", "tb": "upper", "bb": "lower", "bt": "lower"}


def pixel_aspect_name(width: int, height: int, sar: Fraction) -> tuple[str, bool]:
    """xmeml's <pixelaspectratio> and <anamorphic> for a picture (FCP7's named aspects)."""
    if sar == 1:
        return "square", False
    if height == 576:
        return "PAL-601", sar > Fraction(4, 3)
    if height in (480, 486):
        return "NTSC-601", sar > 1
    if (width, height) == (1440, 1080):
        return "HD-(1440x1080)", False
    if (width, height) == (960, 720):
        return "HD-(960x720)", False
    if (width, height) == (1280, 1080):
        return "DVCPROHD-(1280x1080)", False
    return "square", False


def _fix_picture(root: ElementTree.Element, source: SourceMedia, seq: SequenceRate) -> None:
    """Size, field dominance and pixel aspect on the sequence's format and the source file's
    video, so an interlaced or anamorphic source is not read as progressive square pixels."""
    dominance = _FIELDS.get(source.field_order, "none")
    aspect, anamorphic = pixel_aspect_name(source.width, source.height, source.sample_aspect)
    targets = []
    sequence_format = root.find("./project/children/sequence/media/video/format")
    if sequence_format is not None:
        targets.append(sequence_format)
    source_url = xmeml_pathurl(source.path)
    for file_e in root.iter("file"):
        video_e = file_e.find("media/video")
        if video_e is not None and file_e.findtext("pathurl") == source_url:
            targets.append(video_e)
    for parent in targets:
        chars = parent.find("samplecharacteristics")
        if chars is None:
            chars = ElementTree.SubElement(parent, "samplecharacteristics")
        if chars.find("rate") is None:
            rate = ElementTree.SubElement(chars, "rate")
            ElementTree.SubElement(rate, "timebase").text = str(seq.timebase)
            ElementTree.SubElement(rate, "ntsc").text = "TRUE" if seq.ntsc else "FALSE"
        for tag, value in (
            ("width", str(source.width)),
            ("height", str(source.height)),
            ("anamorphic", "TRUE" if anamorphic else "FALSE"),
            ("pixelaspectratio", aspect),
            ("fielddominance", dominance),
        ):
            element = chars.find(tag)
            if element is None:
                element = ElementTree.SubElement(chars, tag)
            element.text = value


def _drop_repeated_rates(root: ElementTree.Element) -> None:
    """The adapter writes a clipitem's <rate> twice; Premiere wants one."""
    for item in root.iter("clipitem"):
        rates = item.findall("rate")
        for extra in rates[1:]:
            item.remove(extra)


def xmeml_string(project: Project, timeline: otio.schema.Timeline) -> str:
    """The timeline as Premiere-ready xmeml text."""
    text = otio.adapters.write_to_string(_with_urls(timeline), "fcp_xml")
    root = ElementTree.fromstring(text)
    _fix_timecodes(root, timeline_sequence(timeline).timecode)
    _fix_audio(root, timeline)
    _fix_picture(root, project.source, timeline_sequence(timeline))
    _drop_repeated_rates(root)
    ElementTree.indent(root, space="  ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n{body}\n'
