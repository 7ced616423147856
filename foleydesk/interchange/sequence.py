"""The sequence rate every timeline export is written at: one an NLE accepts.

A source at a standard rate (23.976 ... 60, DF or NDF) keeps its own. Other footage (12.5 fps
security cameras, 10/15 fps screen captures, 29.83 fps phones, VFR) goes on the rate the
editor's NLE would conform it to; the editor may choose another, and the project remembers it.
Every writer (FCP7 XML, FCPXML, EDL, OTIO, AAF) asks `sequence_rate(project)` and places
clips by their exact time converted to that grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from foleydesk.core.model import SourceMedia
from foleydesk.core.project import Project
from foleydesk.core.timebase import (
    Rounding,
    conform_rate,
    format_rate,
    is_standard_rate,
    parse_rate,
    time_to_frame,
)
from foleydesk.core.timecode import DROP_FRAME_RATES, TimecodeFormat
from foleydesk.errors import UserError

_DF_RE = re.compile(r"^\s*(.+?)\s*(df|ndf)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SequenceRate:
    """A standard frame rate and its timecode counting (drop-frame at 29.97/59.94 only)."""

    rate: Fraction
    drop_frame: bool = False

    @property
    def timecode(self) -> TimecodeFormat:
        return TimecodeFormat(self.rate, self.drop_frame)

    @property
    def timebase(self) -> int:
        """Frames per timecode second (30 for 29.97), as xmeml's <timebase> has it."""
        return round(self.rate)

    @property
    def ntsc(self) -> bool:
        return self.rate.denominator == 1001

    @property
    def text(self) -> str:
        """As typed on the command line and stored in the project: 25, 29.97, 29.97df."""
        return format_rate(self.rate) + ("df" if self.drop_frame else "")

    def frames(self, seconds: Fraction) -> int:
        """The nearest sequence frame to an exact time (within half a sequence frame)."""
        return time_to_frame(seconds, self.rate, Rounding.NEAREST)


def parse_sequence_rate(text: str) -> SequenceRate:
    """'25', '29.97', '29.97df', '30000/1001', '59.94 NDF' -> SequenceRate; only NLE rates."""
    match = _DF_RE.match(text or "")
    if not match or not match.group(1):
        raise UserError(f"'{text}' is not a sequence rate.", _RATE_HINT)
    rate = parse_rate(match.group(1))
    if not is_standard_rate(rate):
        raise UserError(f"{format_rate(rate)} fps is not a rate an NLE sequence has.", _RATE_HINT)
    drop = (match.group(2) or "").lower() == "df"
    if drop and rate not in DROP_FRAME_RATES:
        raise UserError(
            f"Drop-frame timecode does not exist at {format_rate(rate)} fps.",
            "Drop-frame is only defined for 29.97 and 59.94.",
        )
    return SequenceRate(rate, drop)


_RATE_HINT = (
    "Use one of 23.976, 24, 25, 29.97, 29.97df, 30, 47.952, 48, 50, 59.94, 59.94df, 60 "
    "(or 30000/1001)."
)


def default_sequence_rate(source: SourceMedia) -> SequenceRate:
    """The source's own rate when it is standard, else what an NLE conforms it to
    (12.5 -> 25, 10 and 15 -> 30, 29.83 -> 29.97, VFR -> the nearest to its average)."""
    rate = conform_rate(source.frame_rate, source.vfr)
    drop = source.drop_frame and rate == source.frame_rate and rate in DROP_FRAME_RATES
    return SequenceRate(rate, drop)


def sequence_rate(project: Project, choice: str | SequenceRate | None = None) -> SequenceRate:
    """The rate to write timelines at: `choice` when given, else the project's remembered
    choice, else the default for its source."""
    if isinstance(choice, SequenceRate):
        return choice
    if choice:
        return parse_sequence_rate(choice)
    if project.source.sequence_rate:
        try:
            return parse_sequence_rate(project.source.sequence_rate)
        except UserError:
            pass  # a stored choice this version no longer accepts: fall back to the default
    return default_sequence_rate(project.source)


def remember_sequence_rate(project: Project, seq: SequenceRate) -> None:
    """Keep the editor's choice in the project. Where the picture's rate has no SMPTE
    timecode, labels count at the sequence rate, so the start timecode is recounted at the new
    rate (the same instant) and typed timecode reads at it from now on."""
    source = project.source
    if source.sequence_rate == seq.text:
        return
    changes: dict[str, object] = {"sequence_rate": seq.text}
    if not source.smpte:
        changes["start_timecode_frames"] = seq.frames(source.start_time)
        changes["drop_frame"] = seq.drop_frame
    project.update_source(**changes)
