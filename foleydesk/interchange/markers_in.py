"""Markers an editor already placed in the NLE, read from what the NLE exports.

Formats: FCP7 XML (Premiere: sequence markers and clip markers, with comments and colours),
FCPXML markers, Resolve's marker EDL (`|C:ResolveColorBlue |M:name |D:frames` lines), OTIO
markers, and marker lists as CSV/TXT (Premiere's tab-separated list, Resolve's CSV).

Every reader gives positions as absolute timecode time (seconds since midnight) when the file
says where its sequence starts, so they can be matched to the source's own timecode. Placing
them in the source is `markers_to_cues`'s job (markers_cues.py).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

from foleydesk.core.timecode import TimecodeFormat
from foleydesk.errors import UserError

# Resolve's marker colours and OTIO's colour names as the app draws them.
COLOURS = {
    "blue": "#4f9dde",
    "cyan": "#46b8b0",
    "green": "#5cbf7a",
    "yellow": "#e0c23a",
    "red": "#d7656a",
    "pink": "#e58fb6",
    "purple": "#a77fdc",
    "fuchsia": "#c45bc4",
    "magenta": "#c45bc4",
    "rose": "#e07a8f",
    "lavender": "#b7a4e0",
    "sky": "#8cc8f0",
    "mint": "#8fdcb4",
    "lemon": "#f0e68c",
    "sand": "#d8bf8f",
    "cocoa": "#8b5e3c",
    "cream": "#f3e9d2",
    "orange": "#e0a43a",
    "black": "#333333",
    "white": "#eeeeee",
}


@dataclass(frozen=True)
class NleMarker:
    """One marker as the file has it. `at` is seconds of timecode time (absolute) when
    `absolute`, else seconds from the sequence's start; `duration` None for a point marker."""

    name: str
    comment: str
    at: Fraction
    duration: Fraction | None
    colour: str
    absolute: bool
    where: str  # "sequence", "clip 'name'", "event 3": shown when a marker is left out


@dataclass(frozen=True)
class MarkerFile:
    markers: list[NleMarker]
    rate: Fraction | None  # the file's own frame rate, when it says
    kind: str  # "FCP7 XML", "FCPXML", "Resolve EDL", "OTIO", "CSV"


def colour_of(text: str) -> str:
    key = text.strip().lower().removeprefix("resolvecolor").removeprefix("color")
    return COLOURS.get(key, "")


def _premiere_colour(value: str) -> str:
    """pproColor is an ARGB integer as decimal text."""
    try:
        argb = int(value)
    except ValueError:
        return ""
    return f"#{(argb >> 16) & 0xFF:02x}{(argb >> 8) & 0xFF:02x}{argb & 0xFF:02x}"


# -- FCP7 XML (xmeml) ------------------------------------------------------------------------


def _xmeml_rate(node: ElementTree.Element | None) -> Fraction | None:
    if node is None:
        return None
    base = node.findtext("timebase")
    if not base:
        return None
    ntsc = (node.findtext("ntsc") or "").strip().upper() == "TRUE"
    value = Fraction(int(base))
    return value * Fraction(1000, 1001) if ntsc else value


def _xmeml_marker(
    node: ElementTree.Element, offset: int, rate: Fraction, absolute: bool, start: int, where: str
) -> NleMarker:
    position = int(node.findtext("in") or 0) + offset
    out = int(node.findtext("out") or -1)
    duration = None if out < 0 else Fraction(out - int(node.findtext("in") or 0)) / rate
    return NleMarker(
        name=(node.findtext("name") or "").strip(),
        comment=(node.findtext("comment") or "").strip(),
        at=Fraction(start + position) / rate,
        duration=duration if duration else None,
        colour=_premiere_colour(node.findtext("pproColor") or "")
        or colour_of(node.findtext("color") or ""),
        absolute=absolute,
        where=where,
    )


def read_xmeml(text: str) -> MarkerFile:
    root = ElementTree.fromstring(text)
    sequence = root if root.tag == "sequence" else root.find(".//sequence")
    if sequence is None:
        raise UserError("This FCP7 XML has no sequence.", "Export the sequence from Premiere.")
    rate = _xmeml_rate(sequence.find("rate")) or Fraction(25)
    frame_text = sequence.findtext("timecode/frame")
    absolute = frame_text is not None
    start = int(frame_text or 0)
    markers = [
        _xmeml_marker(m, 0, rate, absolute, start, "sequence") for m in sequence.findall("marker")
    ]
    for clip in sequence.iter("clipitem"):
        clip_start = int(clip.findtext("start") or -1)
        clip_in = int(clip.findtext("in") or 0)
        if clip_start < 0:  # inside a transition: Premiere writes -1; use the end minus length
            end = int(clip.findtext("end") or 0)
            clip_start = end - (int(clip.findtext("out") or 0) - clip_in)
        name = clip.findtext("name") or "clip"
        for m in clip.findall("marker"):
            # Clip markers sit in the clip's media frames: move them to the sequence position.
            markers.append(
                _xmeml_marker(m, clip_start - clip_in, rate, absolute, start, f"clip '{name}'")
            )
    return MarkerFile(markers, rate, "FCP7 XML")


# -- FCPXML ----------------------------------------------------------------------------------


def _fcpx_time(text: str | None) -> Fraction:
    if not text:
        return Fraction(0)
    value = text.strip().removesuffix("s")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise UserError(f"'{text}' is not an FCPXML time.", "Export the FCPXML again.") from None


def read_fcpxml(text: str) -> MarkerFile:
    root = ElementTree.fromstring(text)
    sequence = root.find(".//sequence")
    if sequence is None:
        raise UserError("This FCPXML has no sequence.", "Export a project timeline.")
    tc_start = _fcpx_time(sequence.get("tcStart"))
    rate = None
    fmt_id = sequence.get("format")
    for fmt in root.iter("format"):
        if fmt.get("id") == fmt_id and fmt.get("frameDuration"):
            rate = 1 / _fcpx_time(fmt.get("frameDuration"))
    markers: list[NleMarker] = []

    def walk(node: ElementTree.Element, to_parent: Fraction) -> None:
        for child in node:
            if child.tag in ("marker", "chapter-marker"):
                at = to_parent + _fcpx_time(child.get("start"))
                duration = _fcpx_time(child.get("duration"))
                markers.append(
                    NleMarker(
                        name=child.get("value", ""),
                        comment=child.get("note", ""),
                        at=at,
                        duration=duration if rate is None or duration > 1 / rate else None,
                        colour="",
                        absolute=True,
                        where=f"'{node.get('name', node.tag)}'",
                    )
                )
            elif child.get("offset") is not None:
                # A clip: its children are in its own time (start), placed at its offset.
                offset = _fcpx_time(child.get("offset"))
                own_start = _fcpx_time(child.get("start"))
                walk(child, to_parent + offset - own_start)
            else:
                walk(child, to_parent)

    spine = sequence.find("spine")
    if spine is not None:
        walk(spine, Fraction(0))
    # Spine offsets count from the sequence's tcStart already (FCPXML writes absolute times).
    if tc_start == 0:
        markers = [
            NleMarker(m.name, m.comment, m.at, m.duration, m.colour, False, m.where)
            for m in markers
        ]
    return MarkerFile(markers, rate, "FCPXML")


# -- Resolve marker EDL ----------------------------------------------------------------------

_EVENT = re.compile(
    r"^\s*(\d+)\s+\S+\s+\S+\s+\S+\s+"
    r"(\d\d[:;]\d\d[:;]\d\d[:;]\d\d)\s+(\d\d[:;]\d\d[:;]\d\d[:;]\d\d)\s+"
    r"(\d\d[:;]\d\d[:;]\d\d[:;]\d\d)\s+(\d\d[:;]\d\d[:;]\d\d[:;]\d\d)"
)
# Resolve writes the marker's note before the fields: `Note 01 |C:ResolveColorPurple |M:x |D:1`.
_RESOLVE = re.compile(
    r"^(?P<note>.*?)\s*\|C:(?P<colour>\S*)\s*\|M:(?P<name>.*?)\s*\|D:(?P<duration>\d+)"
)


def read_resolve_edl(text: str, rate: Fraction) -> MarkerFile:
    drop = "FCM: DROP FRAME" in text.upper()
    tc = TimecodeFormat.for_rate(rate, drop)
    markers: list[NleMarker] = []
    event: tuple[str, str] | None = None
    for line in text.splitlines():
        match = _EVENT.match(line)
        if match:
            event = (match.group(1), match.group(4))  # record in: the marker's place
            continue
        found = _RESOLVE.search(line)
        if found and event is not None:
            frames = int(found.group("duration"))
            markers.append(
                NleMarker(
                    name=found.group("name").strip(),
                    comment=found.group("note").strip(),
                    at=Fraction(tc.to_frames(event[1])) / rate,
                    duration=Fraction(frames) / rate if frames > 1 else None,
                    colour=colour_of(found.group("colour")),
                    absolute=True,
                    where=f"event {event[0]}",
                )
            )
            event = None
    return MarkerFile(markers, rate, "Resolve EDL")


# -- OTIO ------------------------------------------------------------------------------------


def read_otio(path: Path) -> MarkerFile:
    import opentimelineio as otio

    try:
        timeline = otio.adapters.read_from_file(str(path))
    except Exception as exc:  # the adapters raise many kinds for a bad file
        raise UserError(
            f"{path.name} is not a readable OTIO file ({exc}).", "Export it again."
        ) from None
    if not isinstance(timeline, otio.schema.Timeline):
        raise UserError(f"{path.name} holds no timeline.", "Export a timeline.")
    start = timeline.global_start_time
    base = Fraction(start.to_seconds()).limit_denominator(1_000_000) if start else Fraction(0)
    rate = Fraction(start.rate).limit_denominator(1001) if start else None
    markers: list[NleMarker] = []

    def add(marker: otio.schema.Marker, at: otio.opentime.RationalTime, where: str) -> None:
        seconds = Fraction(at.to_seconds()).limit_denominator(1_000_000)
        length = Fraction(marker.marked_range.duration.to_seconds()).limit_denominator(1_000_000)
        markers.append(
            NleMarker(
                name=marker.name,
                comment=str(getattr(marker, "comment", "") or ""),
                at=base + seconds,
                duration=length or None,
                colour=colour_of(str(marker.color or "")),
                absolute=start is not None,
                where=where,
            )
        )

    stack = timeline.tracks
    for marker in stack.markers:
        add(marker, marker.marked_range.start_time, "timeline")
    for track in stack:
        for marker in track.markers:
            add(marker, marker.marked_range.start_time, f"track '{track.name}'")
        for item in track.find_children():
            for marker in getattr(item, "markers", []):
                at = item.transformed_time(marker.marked_range.start_time, stack)
                add(marker, at, f"clip '{item.name}'")
    return MarkerFile(markers, rate, "OTIO")


# -- marker lists (CSV/TXT) ------------------------------------------------------------------

_NAME = ("marker name", "name")
_COMMENT = ("description", "notes", "comment", "comments", "note")
_IN = ("in", "record in", "timecode", "start", "position", "source in")
_OUT = ("out", "record out", "end")
_DURATION = ("duration",)
_COLOUR = ("color", "colour", "marker color", "marker colour")


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig", errors="replace")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def read_marker_csv(raw: bytes, rate: Fraction, drop_frame: bool) -> MarkerFile:
    text = _decode(raw)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = [
        r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)
    ]
    if not rows:
        raise UserError("The marker list is empty.", "Export the markers again.")
    header = rows[0]
    at_col = _column(header, _IN)
    if at_col is None:
        raise UserError(
            "The marker list has no In or Record In column.",
            "Export markers from Premiere (Markers list) or Resolve (CSV) with their timecode.",
        )
    name_col, comment_col = _column(header, _NAME), _column(header, _COMMENT)
    out_col, dur_col, colour_col = (
        _column(header, _OUT),
        _column(header, _DURATION),
        _column(header, _COLOUR),
    )
    tc = TimecodeFormat.for_rate(rate, drop_frame)

    def cell(row: list[str], col: int | None) -> str:
        return row[col].strip() if col is not None and col < len(row) else ""

    def frames(text: str) -> int | None:
        if not text:
            return None
        if text.isdigit():
            return int(text)
        label = text.replace(".", ":")
        try:
            return tc.to_frames(label)
        except (ValueError, UserError):
            pass
        try:  # Premiere writes HH;MM;SS;FF in drop-frame lists; be lenient about the separator
            return tc.to_frames(label.replace(";", ":") if not tc.drop_frame else label)
        except (ValueError, UserError):
            return None

    markers = []
    for number, row in enumerate(rows[1:], start=2):
        at = frames(cell(row, at_col))
        if at is None:
            raise UserError(
                f"Line {number} of the marker list has no readable timecode "
                f"('{cell(row, at_col)}').",
                "Export the list again; timecode looks like 01:00:05:12.",
            )
        length = frames(cell(row, dur_col))
        out = frames(cell(row, out_col))
        if length is None and out is not None and out > at:
            length = out - at
        markers.append(
            NleMarker(
                name=cell(row, name_col),
                comment=cell(row, comment_col),
                at=Fraction(at) / rate,
                duration=Fraction(length) / rate if length and length > 1 else None,
                colour=colour_of(cell(row, colour_col)),
                absolute=True,
                where=f"line {number}",
            )
        )
    return MarkerFile(markers, rate, "CSV")


def read_marker_file(path: Path, rate: Fraction, drop_frame: bool) -> MarkerFile:
    """By extension and content; `rate` is the source's, for files that carry none."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"There is no file {path}.", "Check the path.") from None
    suffix = path.suffix.lower()
    try:
        if suffix in (".otio", ".otioz"):
            return read_otio(path)
        if suffix == ".edl":
            return read_resolve_edl(_decode(raw), rate)
        if suffix in (".csv", ".txt", ".tsv"):
            return read_marker_csv(raw, rate, drop_frame)
        if suffix in (".xml", ".fcpxml"):
            text = _decode(raw)
            if "<fcpxml" in text[:2000]:
                return read_fcpxml(text)
            if "<xmeml" in text[:2000]:
                return read_xmeml(text)
            raise UserError(
                f"{path.name} is neither FCP7 XML nor FCPXML.", "Export markers from the NLE."
            )
    except ElementTree.ParseError as exc:
        raise UserError(
            f"{path.name} is not well-formed XML ({exc}).", "Export it again."
        ) from None
    raise UserError(
        f"FoleyDesk does not read markers from {path.name}.",
        "Use FCP7 XML (.xml), FCPXML, a Resolve marker EDL, OTIO, or a marker list (.csv/.txt).",
    )
