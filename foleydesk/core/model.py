"""The project model: source media, lanes, cues, takes, jobs and markers.

Plain dataclasses with no behaviour beyond derived values; `Project` (project.py) owns them,
persists every edit and announces changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from foleydesk.core.timebase import (
    PROJECT_SAMPLE_RATE,
    Rounding,
    clock_text,
    conform_rate,
    frame_to_time,
    is_standard_rate,
    parse_rate,
    time_to_frame,
)
from foleydesk.core.timecode import TimecodeFormat
from foleydesk.errors import UserError


class CueKind(StrEnum):
    FOLEY = "foley"
    MUSIC = "music"


class LaneKind(StrEnum):
    FOLEY = "foley"
    MUSIC = "music"


class Category(StrEnum):
    """What post calls a stem: lanes carry one; the source's own audio is production dialogue."""

    FOLEY = "Foley"
    SFX = "SFX"
    AMBIENCE = "Ambience"
    MUSIC = "Music"
    DIALOGUE = "Production dialogue"


class TakeStatus(StrEnum):
    PENDING = "pending"  # its job is still running
    READY = "ready"  # the file is in place and checked
    FAILED = "failed"


class JobState(StrEnum):
    """Where a generation stands. Only SUBMITTING can lose track of a billed task."""

    QUEUED = "queued"
    PREPARING = "preparing"  # cutting the segment
    UPLOADING = "uploading"
    SUBMITTING = "submitting"  # the create request may be on the wire
    UNCERTAIN = "submission_uncertain"  # the answer to a create was lost: never re-sent blindly
    RUNNING = "running"  # the provider gave a task id (committed) and is working
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


DEFAULT_CUE_COLOURS = ("#4f9dde", "#e0a43a", "#5cbf7a", "#d7656a", "#a77fdc", "#46b8b0")


@dataclass
class SourceMedia:
    """What the project knows of its video, enough to place sound without opening it."""

    path: str  # absolute, as last seen
    relative_path: str  # from the project file's folder
    fingerprint: str  # size + hash of head and tail
    duration: Fraction
    frame_rate: Fraction
    frame_count: int
    width: int
    height: int
    start_timecode_frames: int = 0
    drop_frame: bool = False
    has_audio: bool = False
    audio_sample_rate: int = 0
    audio_channels: int = 0
    container: str = ""
    vfr: bool = False
    # Every audio stream: {"index", "codec", "channels", "layout", "sample_rate"}, in file order.
    audio_streams: list[dict[str, Any]] = field(default_factory=list)
    # Positions in audio_streams of the production sound (None: all of them).
    production_streams: list[int] | None = None
    waveform_stream: int | None = None  # position in audio_streams; None: production summed
    sequence_rate: str = ""  # the editor's choice for timeline exports ("" = the default)
    field_order: str = ""  # "progressive", "tt"/"tb" (top first), "bb"/"bt" (bottom first)
    sample_aspect: Fraction = Fraction(1)
    rotation: int = 0
    timecode_source: str = ""  # where the start timecode came from (tmcd, tag, gop, mxf, user)

    @property
    def smpte(self) -> bool:
        """True when the picture's own rate has SMPTE timecode (a standard, constant rate)."""
        return is_standard_rate(self.frame_rate) and not self.vfr

    @property
    def timecode_rate(self) -> Fraction:
        """The rate timecode labels count at: the source's own, or where SMPTE has none the
        sequence rate (the editor's choice, else what an NLE conforms it to: 12.5 -> 25)."""
        if self.smpte:
            return self.frame_rate
        chosen = self.sequence_rate.lower().replace("ndf", "").replace("df", "").strip()
        if chosen:
            try:
                rate = parse_rate(chosen)
            except UserError:
                rate = Fraction(0)
            if is_standard_rate(rate):
                return rate
        return conform_rate(self.frame_rate, self.vfr)

    @property
    def timecode(self) -> TimecodeFormat:
        """Label counting for this source; the start timecode is a frame count in it."""
        return TimecodeFormat.for_rate(self.timecode_rate, self.drop_frame)

    @property
    def start_time(self) -> Fraction:
        """Start timecode as seconds of real time since midnight."""
        return frame_to_time(self.start_timecode_frames, self.timecode_rate)

    def start_timecode(self) -> str:
        return self.timecode.to_label(self.start_timecode_frames)

    def frame_time(self, frame: int) -> Fraction:
        """Seconds from the first frame to source frame `frame`."""
        return frame_to_time(frame, self.frame_rate)

    def timecode_at(self, frame: int) -> str:
        """The SMPTE label of source frame `frame` (at the conformed rate where SMPTE has
        none: what the NLE will show there)."""
        if self.smpte:
            return self.timecode.to_label(self.start_timecode_frames + frame)
        offset = time_to_frame(self.frame_time(frame), self.timecode_rate, Rounding.FLOOR)
        return self.timecode.to_label(self.start_timecode_frames + offset)

    def display_at(self, frame: int, conformed: bool = False) -> str:
        """What the app shows for a position: SMPTE timecode at standard rates; elsewhere
        clock time (from the start timecode) and the frame number, or, when asked, the
        conformed timecode."""
        if self.smpte or conformed:
            return self.timecode_at(frame)
        return f"{clock_text(self.start_time + self.frame_time(frame))} {frame}f"

    def frame_of_label(self, label: str) -> int:
        """Source frame of a timecode typed at the timecode rate (nearest frame)."""
        t = self.timecode.time_of(label, self.start_timecode_frames)
        return time_to_frame(t, self.frame_rate, Rounding.NEAREST)

    @property
    def production(self) -> list[int]:
        """Positions (in audio_streams) of the streams that are production sound."""
        if self.production_streams is None:
            return list(range(len(self.audio_streams)))
        return [i for i in self.production_streams if 0 <= i < len(self.audio_streams)]


@dataclass
class Lane:
    id: int
    kind: LaneKind
    name: str
    position: int
    gain_db: float = 0.0
    mute: bool = False
    solo: bool = False
    category: str = ""  # a Category value; "" means the kind's own (Foley or Music)
    ucs_cat_id: str = ""  # UCS CatID for file names (e.g. FOLYFeet); a cue's own wins

    @property
    def stem_category(self) -> Category:
        try:
            return Category(self.category)
        except ValueError:
            return Category.MUSIC if self.kind is LaneKind.MUSIC else Category.FOLEY


@dataclass
class Cue:
    """A range of the source on its frame grid (in inclusive, out exclusive) and what it should
    sound like."""

    id: int
    lane_id: int
    in_frame: int
    out_frame: int
    label: str = ""
    colour: str = DEFAULT_CUE_COLOURS[0]
    prompt: str = ""
    negative_prompt: str = ""
    kind: CueKind = CueKind.FOLEY
    provider_id: str | None = None  # the host
    params: dict[str, Any] = field(default_factory=dict)
    chosen_take_id: int | None = None
    ucs_cat_id: str = ""  # UCS CatID for this cue's file name ("": the lane's)
    import_key: str = ""  # which NLE marker this cue came from (re-import does not duplicate)
    model_id: str = ""  # the model on that host ("": the host's default model)

    @property
    def frame_count(self) -> int:
        return self.out_frame - self.in_frame

    def in_time(self, rate: Fraction) -> Fraction:
        return frame_to_time(self.in_frame, rate)

    def out_time(self, rate: Fraction) -> Fraction:
        return frame_to_time(self.out_frame, rate)

    def duration(self, rate: Fraction) -> Fraction:
        return frame_to_time(self.frame_count, rate)

    def display_name(self) -> str:
        return self.label or f"cue {self.id}"


@dataclass
class Take:
    """One generated result for a cue; `file` is relative to the project's media folder."""

    id: int
    cue_id: int
    provider_id: str
    params: dict[str, Any] = field(default_factory=dict)
    job_id: int | None = None
    status: TakeStatus = TakeStatus.PENDING
    file: str = ""
    sha256: str = ""
    gain_db: float = 0.0
    offset_samples: int = 0
    fade_in_samples: int = 0
    fade_out_samples: int = 0
    sample_rate: int = PROJECT_SAMPLE_RATE
    created_at: float = 0.0
    model_id: str = ""  # which model made it ("" on takes made before models were recorded)
    host_model: str = ""  # the host's id for that model (e.g. "wavespeed-ai/mmaudio-v2")
    model_version: str = ""  # the version the host reported, if it did
    pan: float = 0.0  # a mono take's place in the stereo mix (-1 left .. 1 right)
    # The source frames [in, out) it was made for: its sample 0 sounds at anchor_in_frame
    # (core/placement.py). -1: not known yet (placed on its cue's range).
    anchor_in_frame: int = -1
    anchor_out_frame: int = -1
    moved_frames: int = 0  # how far moving its cue took it from its picture (0: on it)
    problems: str = ""  # words, comma-separated: silent, clipped, short (never chosen by itself)

    @property
    def problem_list(self) -> list[str]:
        return [word for word in self.problems.split(",") if word]

    def pan_gains(self) -> tuple[float, float]:
        """Left and right gains for a mono take (centre: both 1, as before pan existed); a
        stereo take keeps its own image and ignores pan."""
        pan = max(-1.0, min(1.0, float(self.pan)))
        return min(1.0, 1.0 - pan), min(1.0, 1.0 + pan)

    @property
    def seed(self) -> int | None:
        seed = self.params.get("seed")
        return int(seed) if seed is not None else None


@dataclass
class Job:
    """A provider request and its life; the task id is committed the moment it is known."""

    id: int
    cue_id: int
    provider_id: str  # the host
    request: dict[str, Any] = field(default_factory=dict)
    state: JobState = JobState.QUEUED
    task_id: str | None = None
    take_id: int | None = None
    status_text: str = ""
    progress: float = 0.0
    cost_estimate: float = 0.0
    error: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    submitted_at: float | None = None
    finished_at: float | None = None
    submit_attempts: int = 0
    model_id: str = ""  # the model on the host ("": the host's default model)


@dataclass
class Marker:
    id: int
    frame: int
    label: str = ""
    colour: str = "#f2c94c"
