"""The mixer: source audio, lanes, chosen (or auditioned) takes, rendered chunk by chunk.

A `MixPlan` is an immutable snapshot of what plays and how loud, built on the caller's thread from
the project (takes are loaded there and placed by core.placement, gain and fades baked in). The
feeder thread calls `Mixer.render`; a new plan is picked up at the next chunk and crossfaded in
over a few milliseconds, so take switches, mutes and solos never click.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foleydesk.core.model import TakeStatus
from foleydesk.core.placement import TakePlacement, db_to_gain, file_time, place_take
from foleydesk.core.project import Project
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.media.placed import heard_audio
from foleydesk.playback.ring import Samples

CROSSFADE = 240  # samples (5 ms at 48 kHz) for plan changes


@dataclass(frozen=True)
class Clip:
    """Samples placed on the timeline: `samples[0]` plays at timeline sample `start`."""

    start: int
    samples: Samples

    @property
    def end(self) -> int:
        return self.start + len(self.samples)


@dataclass(frozen=True)
class Strip:
    """One lane as heard: its effective gain (0 when muted or soloed out) and its clips."""

    lane_id: int
    gain: float
    clips: tuple[Clip, ...]


@dataclass(frozen=True)
class MixPlan:
    source_gain: float = 0.0
    strips: tuple[Strip, ...] = field(default_factory=tuple)


class Mixer:
    """Renders the current plan; `set_plan` may be called from any thread."""

    def __init__(
        self,
        source: Callable[[int, int], Samples] | None,
        channels: int = 2,
        max_chunk: int = 8192,
    ) -> None:
        self._source = source
        self.channels = channels
        self._plan = MixPlan()
        self._pending = self._plan
        self._scratch: Samples = np.zeros((max_chunk, channels), np.float32)
        self._src: Samples = np.zeros((max_chunk, channels), np.float32)
        ramp = (np.arange(CROSSFADE, dtype=np.float32) + 0.5) / CROSSFADE
        self._ramp = ramp[:, None]

    @property
    def plan(self) -> MixPlan:
        return self._pending

    def set_plan(self, plan: MixPlan, crossfade: bool = True) -> None:
        self._pending = plan
        if not crossfade:
            self._plan = plan

    def render(self, start: int, out: Samples) -> None:
        """Mix timeline samples [start, start + len(out)) into `out`."""
        n = len(out)
        src = self._src[:n]
        plan = self._plan
        pending = self._pending
        need_source = plan.source_gain > 0.0 or pending.source_gain > 0.0
        if need_source and self._source is not None:
            src[:] = self._source(start, n)
        self._mix(pending, start, src, out)
        if pending is not plan:
            old = self._scratch[:n]
            self._mix(plan, start, src, old)
            k = min(n, CROSSFADE)
            ramp = self._ramp[:k]
            out[:k] = old[:k] * (1.0 - ramp) + out[:k] * ramp
            self._plan = pending

    def _mix(self, plan: MixPlan, start: int, src: Samples, out: Samples) -> None:
        n = len(out)
        end = start + n
        if plan.source_gain > 0.0 and self._source is not None:
            np.multiply(src, plan.source_gain, out=out)
        else:
            out[:] = 0.0
        for strip in plan.strips:
            if strip.gain <= 0.0:
                continue
            for clip in strip.clips:
                lo = max(start, clip.start)
                hi = min(end, clip.end)
                if lo >= hi:
                    continue
                piece = clip.samples[lo - clip.start : hi - clip.start]
                out[lo - start : hi - start] += piece * strip.gain


# -- building plans from the project --

TakeLoader = Callable[[Path], Samples]


class TakeCache:
    """Takes as float32 stereo at 48 kHz, loaded once per file version and shaped (gain, fades)
    once per setting: a plan is rebuilt on every edit, and most edits do not touch a take."""

    def __init__(self, loader: TakeLoader | None = None, channels: int = 2) -> None:
        self._loader = loader or _read_take
        self.channels = channels
        self._raw: dict[str, tuple[tuple[float, int], Samples]] = {}  # path -> (version, data)
        self._shaped: dict[str, tuple[tuple[object, ...], Clip]] = {}
        self._mono: set[str] = set()  # files that hold one channel: a take's pan applies
        # While a set: a take not read yet (or changed on disk) is not read but listed here,
        # and its last version read, if any, stands in (see PlaybackEngine.refresh_mix).
        self.misses: set[Path] | None = None

    def get(self, path: Path) -> Samples | None:
        """The file's samples (None: it is gone); a changed file is read again."""
        try:
            stat = path.stat()
        except OSError:
            return None
        version = (stat.st_mtime, stat.st_size)
        cached = self._raw.get(str(path))
        if cached is None or cached[0] != version:
            if self.misses is not None:
                self.misses.add(path)
                return None if cached is None else cached[1]
            version, samples, mono = self.read(path)
            self.store(path, version, samples, mono)
            return samples
        return cached[1]

    def read(self, path: Path) -> tuple[tuple[float, int], Samples, bool]:
        """(version, samples, mono file?) of a take file, for `store` (any thread: it touches
        no state)."""
        stat = path.stat()
        raw = self._loader(path)
        mono = raw.ndim == 1 or raw.shape[1] == 1
        return (stat.st_mtime, stat.st_size), _to_channels(raw, self.channels), mono

    def store(self, path: Path, version: tuple[float, int], samples: Samples, mono: bool) -> None:
        self._raw[str(path)] = (version, samples)
        if mono:
            self._mono.add(str(path))
        else:
            self._mono.discard(str(path))

    def heard(
        self, path: Path, placement: TakePlacement, pan: tuple[float, float] | None = None
    ) -> Clip | None:
        """The take as heard where `placement` puts it (gain, fades, only the cue's range of
        it, a mono file's `pan`): a clip for the plan, or None when its file is gone."""
        samples = self.get(path)
        if samples is None:
            return None
        version = self._raw[str(path)][0]
        pan = pan if str(path) in self._mono and self.channels == 2 else None
        exact = dataclasses.replace(placement, length=len(samples))
        key = (version, exact, pan)
        cached = self._shaped.get(str(path))
        if cached is None or cached[0] != key:
            start, heard = heard_audio(samples, exact)
            if pan is not None and pan != (1.0, 1.0):
                heard *= np.array(pan, np.float32)
            cached = (key, Clip(start, heard))
            self._shaped[str(path)] = cached
        return cached[1]


def _read_take(path: Path) -> Samples:
    from foleydesk.media.takes import read_wav

    samples, rate = read_wav(path)
    if rate != PROJECT_SAMPLE_RATE:
        from foleydesk.media.takes import decode_provider_output

        length = math.ceil(len(samples) * PROJECT_SAMPLE_RATE / rate)
        return decode_provider_output(path, length, PROJECT_SAMPLE_RATE)
    return samples


def _to_channels(samples: Samples, channels: int) -> Samples:
    data = np.asarray(samples, np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.shape[1] == channels:
        return data
    if data.shape[1] == 1:
        return np.ascontiguousarray(np.repeat(data, channels, axis=1))
    if channels == 1:
        return np.ascontiguousarray(data.mean(axis=1, keepdims=True))
    return np.ascontiguousarray(data[:, :channels])


@dataclass
class MixSettings:
    """Mixer choices that are not in the project: the source strip and auditions."""

    source_gain_db: float = 0.0
    source_mute: bool = False
    source_solo: bool = False
    volume: float = 1.0  # master volume, linear 0..1 (and above, for quiet material)
    auditions: dict[int, int] = field(default_factory=dict)  # cue id -> take id heard instead


def build_plan(project: Project, settings: MixSettings, takes: TakeCache) -> MixPlan:
    """What the project sounds like now: solo wins over everything not soloed."""
    grid = file_time(project.source.frame_rate)
    lanes = project.sorted_lanes()
    any_solo = settings.source_solo or any(lane.solo for lane in lanes)
    cues = project.sorted_cues()
    strips: list[Strip] = []
    for lane in lanes:
        audible = not lane.mute and (lane.solo or not any_solo)
        clips: list[Clip] = []
        for cue in cues:
            if cue.lane_id != lane.id:
                continue
            take_id = settings.auditions.get(cue.id, cue.chosen_take_id)
            take = project.takes.get(take_id) if take_id is not None else None
            if take is None or take.status is not TakeStatus.READY or not take.file:
                continue
            placement = place_take(cue, take, grid)
            clip = takes.heard(project.take_path(take), placement, take.pan_gains())
            if clip is not None and len(clip.samples):
                clips.append(clip)
        gain = db_to_gain(lane.gain_db) * settings.volume if audible else 0.0
        strips.append(Strip(lane.id, gain, tuple(clips)))
    source_audible = not settings.source_mute and (settings.source_solo or not any_solo)
    source_gain = db_to_gain(settings.source_gain_db) * settings.volume if source_audible else 0.0
    return MixPlan(source_gain, tuple(strips))
