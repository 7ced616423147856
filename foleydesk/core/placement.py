"""Where a take sounds: the one rule playback, stems, the muxed mix, drag-out, cue clips and the
timeline all read, so what is heard is what is exported, to the sample.

A take is anchored to the source range it was generated for (`Take.anchor_in_frame`): its sample
0 sounds at that frame (plus its nudge, `offset_samples`) whatever the cue does later. The cue is
a window onto it, as an NLE clip is onto its media: trimming the cue's edges reveals or hides
audio and never slides it; where the window has no take audio there is silence (the part is "not
generated"). Moving the whole cue moves its takes with it (Project.update_cue) and counts the
move in `Take.moved_frames`, so the UI can say "moved from its picture". Gain and the fades apply
on top: the fades shape the heard part of the take inside the cue's range.

Positions are grid samples: `sample_of_frame` says where a source frame starts on the grid the
caller renders on (file time for playback and muxing, samples since midnight for BWF stems).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE, frame_to_sample, time_to_sample

SampleOfFrame = Callable[[int], int]


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def file_time(rate: Fraction, sample_rate: int = PROJECT_SAMPLE_RATE) -> SampleOfFrame:
    """The grid of the source file's own time: frame f starts at its rational time's sample."""
    return lambda frame: frame_to_sample(frame, rate, sample_rate)


def anchor_range(cue: Cue, take: Take) -> tuple[int, int]:
    """The source frames [in, out) the take sounds over (takes from before anchors existed are
    anchored to their cue's range)."""
    if take.anchor_in_frame < 0 or take.anchor_out_frame <= take.anchor_in_frame:
        return cue.in_frame, cue.out_frame
    return take.anchor_in_frame, take.anchor_out_frame


@dataclass(frozen=True)
class TakePlacement:
    """A take placed on a grid. Grid sample `g` plays take sample `g - start` when `g` lies in
    `heard`; the level there is `gain_at(g)`."""

    cue_id: int
    take_id: int
    start: int  # grid sample of take sample 0 (anchor + nudge)
    length: int  # take samples
    window: tuple[int, int]  # grid samples of the cue's range: the fades shape this part
    reach: tuple[int, int]  # what may sound: the window, or more when handles are asked for
    gain: float  # linear, take gain only (the lane's gain is the mixer's business)
    fade_in: int  # samples
    fade_out: int
    moved_frames: int  # how far the cue moved the take from the picture it was made for

    @property
    def heard(self) -> tuple[int, int]:
        """Grid samples [lo, hi) where this take is heard (lo == hi: nowhere)."""
        lo = max(self.start, self.reach[0])
        hi = min(self.start + self.length, self.reach[1])
        return lo, max(lo, hi)

    @property
    def faded(self) -> tuple[int, int]:
        """Grid samples of the heard part inside the cue's range: where the fades sit."""
        lo = max(self.start, self.window[0])
        hi = min(self.start + self.length, self.window[1])
        return lo, max(lo, hi)

    @property
    def moved(self) -> bool:
        return self.moved_frames != 0

    def take_sample_at(self, grid_sample: int) -> int | None:
        """The take's sample heard at `grid_sample`, or None where the take is silent."""
        lo, hi = self.heard
        return grid_sample - self.start if lo <= grid_sample < hi else None

    def envelope_at(self, grid_sample: int) -> float:
        """Fade factor (0..1) at a grid sample; outside the cue's range (handles) it is 1."""
        lo, hi = self.faded
        if not lo <= grid_sample < hi:
            return 1.0
        k, n = grid_sample - lo, hi - lo
        factor = 1.0
        fade_in = min(max(self.fade_in, 0), n)
        if k < fade_in:
            factor *= (k + 0.5) / self.fade_in
        fade_out = min(max(self.fade_out, 0), n)
        if k >= n - fade_out:
            factor *= (n - k - 0.5) / self.fade_out
        return factor

    def gain_at(self, grid_sample: int) -> float:
        """Linear level applied to the take's sample at `grid_sample` (0 where nothing sounds)."""
        if self.take_sample_at(grid_sample) is None:
            return 0.0
        return self.gain * self.envelope_at(grid_sample)


def place_take(
    cue: Cue,
    take: Take,
    sample_of_frame: SampleOfFrame,
    length: int | None = None,
    handle_frames: int = 0,
) -> TakePlacement:
    """Where `take` sounds when it plays for `cue`. `length` is the take's real sample count
    (the anchor's length when not known); `handle_frames` widens what may sound beyond the cue's
    edges (clip handles), where the take has audio."""
    anchor_in, anchor_out = anchor_range(cue, take)
    start = sample_of_frame(anchor_in) + take.offset_samples
    if length is None:
        length = sample_of_frame(anchor_out) - sample_of_frame(anchor_in)
    window = (sample_of_frame(cue.in_frame), sample_of_frame(cue.out_frame))
    reach = window
    if handle_frames > 0:
        reach = (
            sample_of_frame(cue.in_frame - handle_frames),
            sample_of_frame(cue.out_frame + handle_frames),
        )
    return TakePlacement(
        cue.id,
        take.id,
        start,
        max(0, length),
        window,
        reach,
        db_to_gain(take.gain_db),
        take.fade_in_samples,
        take.fade_out_samples,
        take.moved_frames,
    )


def range_shift(cue: Cue, in_frame: int, out_frame: int) -> int:
    """How far a range change moves the cue's takes: both edges by the same amount is a move
    (the takes go along); anything else is a trim (0: they stay on their picture)."""
    shift = in_frame - cue.in_frame
    return shift if shift and out_frame - cue.out_frame == shift else 0


def take_after_range_change(cue: Cue, take: Take, in_frame: int, out_frame: int) -> Take:
    """The take as it will be placed once the cue spans [in_frame, out_frame) (for the move
    itself and for previews while dragging)."""
    shift = range_shift(cue, in_frame, out_frame)
    if not shift:
        return take
    anchor_in, anchor_out = anchor_range(cue, take)
    return dataclasses.replace(
        take,
        anchor_in_frame=anchor_in + shift,
        anchor_out_frame=anchor_out + shift,
        moved_frames=take.moved_frames + shift,
    )


def not_generated(cue: Cue, take: Take | None) -> list[tuple[int, int]]:
    """Frame ranges [in, out) of the cue where its take has no audio (the cue grew past what was
    generated, or there is no take): drawn hatched, and what "Generate the new part" makes."""
    if take is None:
        return [(cue.in_frame, cue.out_frame)]
    anchor_in, anchor_out = anchor_range(cue, take)
    # A nudge shifts the audio but a frame of it still counts as generated: compare frames only.
    gaps: list[tuple[int, int]] = []
    if cue.in_frame < anchor_in:
        gaps.append((cue.in_frame, min(anchor_in, cue.out_frame)))
    if cue.out_frame > anchor_out:
        gaps.append((max(anchor_out, cue.in_frame), cue.out_frame))
    return gaps


@dataclass(frozen=True)
class Heard:
    """One take heard at a moment: which sample of it and how loud (take gain x fades)."""

    cue: Cue
    take: Take
    take_sample: int
    gain: float


def heard_at(
    cues: list[Cue],
    takes: dict[int, Take],
    rate: Fraction,
    t: Fraction,
    choice: Callable[[Cue], int | None] | None = None,
) -> list[Heard]:
    """Which sample of which take is heard at source time `t` (file time), for every cue whose
    chosen (or `choice`-given) ready take sounds there."""
    grid = file_time(rate)
    g = time_to_sample(t)
    out: list[Heard] = []
    for cue in cues:
        take_id = choice(cue) if choice is not None else cue.chosen_take_id
        take = takes.get(take_id) if take_id is not None else None
        if take is None or take.status is not TakeStatus.READY:
            continue
        placement = place_take(cue, take, grid)
        sample = placement.take_sample_at(g)
        if sample is not None:
            out.append(Heard(cue, take, sample, placement.gain_at(g)))
    return out
