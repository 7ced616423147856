"""The project model: source media, lanes, cues, takes, jobs and markers.

Plain dataclasses with no behaviour beyond derived values; `Project` (project.py) owns them,
persists every edit and announces changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from foleydesk.core.timebase import PROJECT_SAMPLE_RATE, frame_to_time
from foleydesk.core.timecode import TimecodeFormat


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

    @property
    def timecode(self) -> TimecodeFormat:
        return TimecodeFormat.for_rate(self.frame_rate, self.drop_frame)

    @property
    def start_time(self) -> Fraction:
        """Start timecode as seconds of real time since midnight."""
        return frame_to_time(self.start_timecode_frames, self.frame_rate)

    def start_timecode(self) -> str:
        return self.timecode.to_label(self.start_timecode_frames)


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
    provider_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    chosen_take_id: int | None = None
    ucs_cat_id: str = ""  # UCS CatID for this cue's file name ("": the lane's)
    import_key: str = ""  # which NLE marker this cue came from (re-import does not duplicate)

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

    @property
    def seed(self) -> int | None:
        seed = self.params.get("seed")
        return int(seed) if seed is not None else None


@dataclass
class Job:
    """A provider request and its life; the task id is committed the moment it is known."""

    id: int
    cue_id: int
    provider_id: str
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


@dataclass
class Marker:
    id: int
    frame: int
    label: str = ""
    colour: str = "#f2c94c"
