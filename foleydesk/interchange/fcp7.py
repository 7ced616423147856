"""FCP7 XML (xmeml) for Premiere Pro (Resolve reads it too), written by OTIO's fcp_xml adapter
and then corrected where the adapter falls short for Premiere:

- `pathurl` as `file://localhost/` + a percent-encoded path (the adapter copies the URL as is);
- timecode labels and DF/NDF from our SMPTE counting (the adapter infers drop-frame from the
  rate alone and mislabels the start timecode);
- the source's audio gets its own clipitem (the adapter back-references the video clipitem);
- audio clipitems name their source track, and WAV files say they are 48 kHz stereo.
"""

from __future__ import annotations

from xml.etree import ElementTree

import opentimelineio as otio

from foleydesk.core.project import Project
from foleydesk.core.timecode import TimecodeFormat
from foleydesk.interchange.timeline import META, SOURCE_AUDIO_TRACK, timeline_sequence
from foleydesk.interchange.urls import xmeml_pathurl


def _with_urls(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    copy: otio.schema.Timeline = timeline.deepcopy()
    for track in copy.tracks:
        for clip in track.find_clips():
            ref = clip.media_reference
            if isinstance(ref, otio.schema.ExternalReference):
                ref.target_url = xmeml_pathurl(ref.target_url)
            if track.name == SOURCE_AUDIO_TRACK:
                # Different metadata keeps the adapter from folding it into the video clipitem.
                clip.metadata[META] = {"source_audio": True}
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


def _fix_audio(root: ElementTree.Element) -> None:
    audio = root.find("./project/children/sequence/media/audio")
    if audio is None:
        return
    for track in audio.findall("track"):
        for item in track.findall("clipitem"):
            if item.find("sourcetrack") is None:
                source = ElementTree.SubElement(item, "sourcetrack")
                ElementTree.SubElement(source, "mediatype").text = "audio"
                ElementTree.SubElement(source, "trackindex").text = "1"
            item.set("premiereChannelType", "stereo")
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
            ElementTree.SubElement(audio_e, "channelcount").text = "2"


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
    _fix_audio(root)
    _drop_repeated_rates(root)
    ElementTree.indent(root, space="  ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n{body}\n'
