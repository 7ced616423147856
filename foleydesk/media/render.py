"""Rendering takes to audio: per-cue clips, per-lane full-length stems and the mix.

Placement is core.placement's rule, sample-exact from rational time: a take's sample 0 sounds at
the frame it was generated for (plus its nudge) and only the cue's range of it is heard. A render
has a grid whose sample numbers count from a timecode origin, so a BWF file starting on a frame
boundary carries the sub-frame part of every placement as leading silence. Renders stream in
blocks (bounded memory on a two-hour source), report progress, stop on a cancel flag and never
leave a half-written file under the final name.

Channels follow the takes (Foley is mostly mono): a cue clip of a mono take at centre pan is a
mono file, a stereo take or a panned mono take a stereo one; a lane stem is mono only when every
take on it is mono at centre. The mix and the group stems (D/M/E, M&E) are deliverables and stay
stereo. Each RenderedFile says how many channels it holds, so the timeline writers agree with the
files without opening them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from foleydesk.core.credits import sound_note
from foleydesk.core.model import Cue, Lane, Take, TakeStatus
from foleydesk.core.placement import TakePlacement, db_to_gain, place_take
from foleydesk.core.project import Project
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE, frame_to_time, time_to_sample
from foleydesk.errors import UserError
from foleydesk.media.audio import AudioReader
from foleydesk.media.bwf import BwfMeta, BwfWriter, Subtype
from foleydesk.media.placed import heard_audio
from foleydesk.media.probe import MediaError
from foleydesk.media.takes import read_wav, wav_channels

Samples = npt.NDArray[np.float32]
Progress = Callable[[float], None]

BLOCK_SAMPLES = 1 << 16  # ~1.4 s per block: cheap to cancel, small to hold
CHANNELS = 2
ORIGINAL_GAIN_KEY = "original_gain_db"  # project meta keys for the production audio level
ORIGINAL_MUTE_KEY = "original_mute"


class RenderCancelled(UserError):
    """The user stopped a render; nothing was left under the final name."""

    def __init__(self) -> None:
        super().__init__("The export was cancelled.", "No partial files were kept.")


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise RenderCancelled()


@dataclass(frozen=True)
class Grid:
    """Sample numbers of frame boundaries counted from `origin` seconds before source frame 0:
    the source's start timecode for BWF files (samples since midnight), 0 for file time.
    The origin is exact seconds, so a start timecode counted at another rate than the
    picture's (a 12.5 fps source starting at 01:00:00:00 of a 25 fps sequence) stays exact."""

    rate: Fraction
    origin: Fraction = Fraction(0)
    sample_rate: int = PROJECT_SAMPLE_RATE

    def sample_of_frame(self, frame: int) -> int:
        return time_to_sample(self.origin + Fraction(frame) / self.rate, self.sample_rate)

    def frame_at_sample(self, sample: int) -> int:
        """The frame whose span holds grid sample `sample` (floor)."""
        return math.floor((Fraction(sample, self.sample_rate) - self.origin) * self.rate)


def stem_grid(project: Project) -> Grid:
    """The grid of everything that leaves the app as BWF: samples since midnight."""
    return Grid(project.source.frame_rate, project.source.start_time)


def file_grid(project: Project) -> Grid:
    """The grid of the source file's own time (muxed video)."""
    return Grid(project.source.frame_rate, Fraction(0))


def lane_audible(project: Project, lane: Lane) -> bool:
    """Mute and solo as a mixing desk has them: any solo silences every lane not soloed."""
    if lane.mute:
        return False
    if any(other.solo for other in project.lanes.values()):
        return lane.solo
    return True


def original_settings(project: Project) -> tuple[float, bool]:
    """Gain (dB) and mute of the source's production audio, stored as project meta."""
    gain = float(project.store.get_meta(ORIGINAL_GAIN_KEY, "0") or 0)
    mute = (project.store.get_meta(ORIGINAL_MUTE_KEY, "0") or "0") in ("1", "true", "True")
    return gain, mute


@dataclass(frozen=True)
class Placement:
    """A chosen take on a grid, placed by core.placement: `start` is the first grid sample it
    may sound at (its cue's in point, less handles), which orders the mixer's list."""

    cue: Cue
    take: Take
    lane: Lane
    grid: Grid
    lane_gain: float  # linear; the take's own gain and fades come from the placement
    handle_frames: int = 0

    @property
    def start(self) -> int:
        return self.grid.sample_of_frame(self.cue.in_frame - self.handle_frames)

    def path(self, project: Project) -> Path:
        return project.take_path(self.take)

    def place(self, length: int | None = None) -> TakePlacement:
        """Where the take sounds on this placement's grid (the one rule: core.placement)."""
        return place_take(
            self.cue, self.take, self.grid.sample_of_frame, length, self.handle_frames
        )


def chosen_placements(
    project: Project,
    grid: Grid,
    lanes: list[Lane] | None = None,
    audible_only: bool = True,
    handle_frames: int = 0,
) -> list[Placement]:
    """Every cue with a ready chosen take on the given lanes (all lanes by default), by time."""
    wanted = {lane.id for lane in (lanes if lanes is not None else project.lanes.values())}
    out: list[Placement] = []
    for cue in project.sorted_cues():
        take = project.chosen_take(cue)
        lane = project.lanes.get(cue.lane_id)
        if take is None or lane is None or lane.id not in wanted:
            continue
        if take.status is not TakeStatus.READY or not take.file:
            continue
        if audible_only and not lane_audible(project, lane):
            continue
        out.append(Placement(cue, take, lane, grid, db_to_gain(lane.gain_db), handle_frames))
    return out


def _take_file(project: Project, placement: Placement) -> Path:
    path = placement.path(project)
    if not path.is_file():
        raise MediaError(
            f"The take file for {placement.cue.display_name()} is missing ({path.name}).",
            "Regenerate the take or choose another one.",
        )
    return path


def placement_channels(project: Project, placement: Placement) -> int:
    """1 for a mono take file at centre pan (it can stay mono), else 2. Reads the WAV header
    only."""
    if wav_channels(_take_file(project, placement)) != 1:
        return 2
    return 1 if placement.take.pan_gains() == (1.0, 1.0) else 2


def render_channels(project: Project, placements: list[Placement]) -> int:
    """Channels of a render of these placements: mono when every one is a mono take at centre
    pan. No placement at all (an empty lane) gives stereo: with no take to say otherwise, a
    silent stem keeps the layout of the mix and of the stems before channels followed takes."""
    if not placements:
        return CHANNELS
    return max(placement_channels(project, p) for p in placements)


def read_take_audio(project: Project, placement: Placement, channels: int = CHANNELS) -> Samples:
    """The take's file as float32 (n, channels) at the project rate, no gain or fades yet.
    Stereo: a mono file panned, a stereo file as it is. Mono: a mono file as it is (a wider
    file, which a mono render should never be given, is folded down)."""
    path = _take_file(project, placement)
    samples, rate = read_wav(path)
    if rate != PROJECT_SAMPLE_RATE:
        raise MediaError(
            f"{path.name} is at {rate} Hz, not {PROJECT_SAMPLE_RATE} Hz.",
            "Regenerate the take; takes are stored at 48 kHz.",
        )
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    if channels == 1:
        if audio.shape[1] > 1:
            audio = audio[:, :CHANNELS].mean(axis=1, keepdims=True)
    elif audio.shape[1] == 1:
        audio = np.repeat(audio, CHANNELS, axis=1)
        left, right = placement.take.pan_gains()
        if (left, right) != (1.0, 1.0):
            audio *= np.array([left, right], np.float32)
    elif audio.shape[1] > CHANNELS:
        audio = audio[:, :CHANNELS]
    return np.ascontiguousarray(audio, dtype=np.float32)


def load_take_audio(
    project: Project, placement: Placement, channels: int = CHANNELS
) -> tuple[int, Samples]:
    """(grid sample, samples): the take as it sounds in the mix, only where it is heard, with
    gain, fades and the lane's gain applied."""
    audio = read_take_audio(project, placement, channels)
    start, heard = heard_audio(audio, placement.place(audio.shape[0]))
    if placement.lane_gain != 1.0:
        heard *= np.float32(placement.lane_gain)
    return start, heard


class Mixer:
    """Sums placements (and optionally the source's audio) into blocks of a grid range, in
    `channels` channels (2 unless every placement can stay mono: render_channels)."""

    def __init__(
        self,
        project: Project,
        grid: Grid,
        placements: list[Placement],
        original_gain: float | None = None,
        channels: int = CHANNELS,
    ) -> None:
        self.project = project
        self.grid = grid
        self.channels = channels
        self.placements = sorted(placements, key=lambda p: p.start)
        self._cache: dict[int, tuple[int, Samples]] = {}
        self._done: set[int] = set()
        self._readers: list[AudioReader] = []
        self._original_gain = original_gain
        if original_gain is not None and project.source.has_audio:
            # The production sound: every stream the project counts as such, played together
            # as the NLE plays its tracks (the first stream when the project predates the list).
            path = project.require_source()
            source = project.source
            indexes: list[int | None] = [
                int(source.audio_streams[i]["index"]) for i in source.production
            ] or ([None] if not source.audio_streams else [])
            self._readers = [
                AudioReader(path, PROJECT_SAMPLE_RATE, channels, index) for index in indexes
            ]
        self._source_zero = grid.sample_of_frame(0)

    def _take(self, placement: Placement) -> tuple[int, Samples]:
        key = placement.cue.id
        if key not in self._cache:
            self._cache[key] = load_take_audio(self.project, placement, self.channels)
        return self._cache[key]

    def extent(self, placement: Placement) -> tuple[int, int]:
        """Grid samples [lo, hi) where the placement's take is heard."""
        start, audio = self._take(placement)
        return start, start + audio.shape[0]

    def rewind(self) -> None:
        """Allow blocks from the start again (blocks are otherwise read in order)."""
        self._done.clear()

    def block(self, start: int, count: int) -> Samples:
        """Grid samples [start, start + count) as float32 (count, channels)."""
        out = np.zeros((count, self.channels), np.float32)
        end = start + count
        for placement in self.placements:
            if placement.start >= end:
                break
            if placement.cue.id in self._done:
                continue
            first, audio = self._take(placement)
            lo = max(start, first)
            hi = min(end, first + audio.shape[0])
            if hi > lo:
                out[lo - start : hi - start] += audio[lo - first : hi - first]
            if first + audio.shape[0] <= end:
                # Blocks come in order: a take that ended is not needed again; free it.
                self._done.add(placement.cue.id)
                self._cache.pop(placement.cue.id, None)
        if self._original_gain:
            for reader in self._readers:
                original = reader.read(start - self._source_zero, count)
                out += original * np.float32(self._original_gain)
        return out

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
        self._readers = []


@dataclass(frozen=True)
class RenderedFile:
    """A written BWF: where it starts on the source's frame grid, how long it is and how many
    channels it holds (1 or 2)."""

    path: Path
    start_frame: int  # source frame (0 = first frame) of file sample 0
    frames: int  # length on the frame grid (the file may end up to a frame later)
    samples: int
    time_reference: int
    handle_before: int = 0  # frames of handle before the cue's in point
    handle_after: int = 0
    channels: int = CHANNELS


def _write_range(
    mixer: Mixer,
    path: Path,
    start_frame: int,
    end_frame: int,
    subtype: Subtype,
    meta: BwfMeta,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> RenderedFile:
    grid = mixer.grid
    source = mixer.project.source
    first = grid.sample_of_frame(start_frame)
    total = grid.sample_of_frame(end_frame) - first
    time_reference = time_to_sample(source.start_time + source.frame_time(start_frame))
    with BwfWriter(
        path,
        mixer.channels,
        PROJECT_SAMPLE_RATE,
        time_reference,
        source.timecode_rate,
        source.drop_frame,
        subtype,
        meta.description,
        meta,
    ) as writer:
        done = 0
        while done < total:
            check_cancel(cancel)
            count = min(BLOCK_SAMPLES, total - done)
            writer.write(mixer.block(first + done, count))
            done += count
            if progress is not None:
                progress(done / total)
    return RenderedFile(
        path,
        start_frame,
        end_frame - start_frame,
        total,
        time_reference,
        channels=mixer.channels,
    )


def clip_range(mixer: Mixer, placement: Placement, handle_frames: int) -> tuple[int, int, int, int]:
    """(start frame, end frame, handle before, handle after) of a cue clip: the cue's range plus
    up to `handle_frames` on each side where the take has audio there."""
    cue = placement.cue
    lo, hi = mixer.extent(placement)
    grid = mixer.grid
    before = 0
    if handle_frames > 0 and lo < grid.sample_of_frame(cue.in_frame):
        before = min(handle_frames, cue.in_frame - grid.frame_at_sample(lo), cue.in_frame)
    after = 0
    if handle_frames > 0 and hi > grid.sample_of_frame(cue.out_frame):
        after = min(handle_frames, grid.frame_at_sample(hi - 1) + 1 - cue.out_frame)
    return cue.in_frame - before, cue.out_frame + after, before, after


def render_cue_clip(
    project: Project,
    cue: Cue,
    out_path: Path,
    *,
    subtype: Subtype = "pcm24",
    handle_frames: int = 0,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RenderedFile:
    """One BWF for a cue's chosen take, starting on the frame of the cue's in point (minus
    handles) with the sub-frame offset as leading silence; TimeReference at that timecode."""
    grid = stem_grid(project)
    placements = [
        p
        for p in chosen_placements(project, grid, audible_only=False, handle_frames=handle_frames)
        if p.cue.id == cue.id
    ]
    if not placements:
        raise UserError(
            f"{cue.display_name()} has no chosen take to export.",
            "Choose a take for the cue first.",
        )
    placement = placements[0]
    channels = render_channels(project, placements)
    mixer = Mixer(project, grid, placements, channels=channels)
    try:
        start, end, before, after = clip_range(mixer, placement, handle_frames)
        rendered = _write_range(
            mixer,
            out_path,
            start,
            end,
            subtype,
            BwfMeta(
                description=f"{cue.display_name()}: {cue.prompt}"[:256],
                project=project.name,
                note=sound_note(cue, placement.take),
                track_names=track_names(cue.display_name(), channels),
            ),
            progress,
            cancel,
        )
    finally:
        mixer.close()
    return RenderedFile(
        rendered.path,
        rendered.start_frame,
        rendered.frames,
        rendered.samples,
        rendered.time_reference,
        before,
        after,
        rendered.channels,
    )


def track_names(name: str, channels: int) -> tuple[str, ...]:
    """iXML track names: the name alone for a mono file, "<name> L" and "<name> R" for stereo."""
    return (name,) if channels == 1 else (f"{name} L", f"{name} R")


def _full_length(project: Project) -> int:
    source = project.source
    return source.frame_count or max(1, math.ceil(source.duration * source.frame_rate))


def render_lane_stem(
    project: Project,
    lane: Lane,
    out_path: Path,
    *,
    subtype: Subtype = "pcm24",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RenderedFile:
    """A full-length stem of one lane from the source's first frame (its start timecode):
    mono when every chosen take on it is a mono file at centre pan, else stereo (an empty lane:
    stereo, see render_channels)."""
    grid = stem_grid(project)
    placements = chosen_placements(project, grid, [lane], audible_only=False)
    channels = render_channels(project, placements)
    mixer = Mixer(project, grid, placements, channels=channels)
    try:
        return _write_range(
            mixer,
            out_path,
            0,
            _full_length(project),
            subtype,
            BwfMeta(
                description=f"{lane.name} stem",
                project=project.name,
                note=f"lane {lane.name}: every chosen take",
                track_names=track_names(lane.name, channels),
            ),
            progress,
            cancel,
        )
    finally:
        mixer.close()


def render_mix(
    project: Project,
    out_path: Path,
    *,
    include_original: bool = True,
    subtype: Subtype = "pcm24",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RenderedFile:
    """Original audio (gain, mute) plus every audible lane's chosen takes, full length."""
    grid = stem_grid(project)
    mixer = mix_mixer(project, grid, include_original)
    try:
        return _write_range(
            mixer,
            out_path,
            0,
            _full_length(project),
            subtype,
            BwfMeta(
                description="mix",
                project=project.name,
                note="mix of every audible lane",
                track_names=("Mix L", "Mix R"),
            ),
            progress,
            cancel,
        )
    finally:
        mixer.close()


def render_group(
    project: Project,
    lanes: list[Lane],
    out_path: Path,
    meta: BwfMeta,
    *,
    include_original: bool = False,
    subtype: Subtype = "pcm24",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RenderedFile:
    """A full-length stem of some lanes (a category, the M&E), with or without the production
    audio (the dialogue stem is the production audio alone)."""
    grid = stem_grid(project)
    gain_db, mute = original_settings(project)
    original = db_to_gain(gain_db) if include_original and not mute else None
    mixer = Mixer(project, grid, chosen_placements(project, grid, lanes), original)
    try:
        return _write_range(
            mixer, out_path, 0, _full_length(project), subtype, meta, progress, cancel
        )
    finally:
        mixer.close()


def mix_mixer(project: Project, grid: Grid, include_original: bool) -> Mixer:
    """A mixer of every audible lane plus (unless muted or left out) the production audio."""
    gain_db, mute = original_settings(project)
    original = db_to_gain(gain_db) if include_original and not mute else None
    return Mixer(project, grid, chosen_placements(project, grid), original)


def iter_blocks(
    mixer: Mixer, start: int, total: int, block: int = BLOCK_SAMPLES
) -> Iterator[tuple[int, Samples]]:
    """(offset, samples) blocks of a grid range, for the muxer."""
    done = 0
    while done < total:
        count = min(block, total - done)
        yield done, mixer.block(start + done, count)
        done += count


def source_length_samples(project: Project) -> int:
    """Samples from file time 0 to the end of the last frame."""
    return time_to_sample(frame_to_time(_full_length(project), project.source.frame_rate))
