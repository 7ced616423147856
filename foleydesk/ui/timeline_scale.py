"""Pixels <-> frames for the timeline, zoom about a point, snapping and ruler steps (no Qt).

Frames are integers; only screen positions are floats. Every result a user can keep (a cue
edge, the playhead) goes through `frame_at`, which lands on the frame grid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

MAX_PX_PER_FRAME = 48.0


class TimelineScale:
    def __init__(self, frame_count: int, width: int = 1000) -> None:
        self.frame_count = max(1, frame_count)
        self.width = max(1, width)
        self.px_per_frame = self.width / self.frame_count
        self.first_frame = 0.0  # frame at the left edge (may be fractional while zooming)

    # -- mapping --

    def x_of(self, frame: float) -> float:
        return (frame - self.first_frame) * self.px_per_frame

    def frame_at(self, x: float) -> int:
        """The frame under pixel x: the frame whose span contains it, clamped to the source."""
        frame = math.floor(self.first_frame + x / self.px_per_frame)
        return max(0, min(self.frame_count - 1, frame))

    def edge_at(self, x: float) -> int:
        """The nearest frame boundary to pixel x (for cue edges, which sit between frames)."""
        edge = round(self.first_frame + x / self.px_per_frame)
        return max(0, min(self.frame_count, edge))

    @property
    def visible_frames(self) -> float:
        return self.width / self.px_per_frame

    @property
    def last_frame(self) -> float:
        return self.first_frame + self.visible_frames

    # -- zoom and scroll --

    def fit(self) -> None:
        self.px_per_frame = self.width / self.frame_count
        self.first_frame = 0.0

    def set_width(self, width: int) -> None:
        fitted = abs(self.px_per_frame - self.width / self.frame_count) < 1e-12
        self.width = max(1, width)
        if fitted:
            self.fit()
        self.clamp()

    def zoom(self, factor: float, anchor_x: float) -> None:
        """Zoom by `factor` keeping the frame under anchor_x where it is."""
        anchor = self.first_frame + anchor_x / self.px_per_frame
        fit = self.width / self.frame_count
        wanted = self.px_per_frame * factor
        self.px_per_frame = max(min(fit, MAX_PX_PER_FRAME), min(MAX_PX_PER_FRAME, wanted))
        self.first_frame = anchor - anchor_x / self.px_per_frame
        self.clamp()

    def scroll_to(self, first_frame: float) -> None:
        self.first_frame = first_frame
        self.clamp()

    def clamp(self) -> None:
        max_first = max(0.0, self.frame_count - self.visible_frames)
        self.first_frame = max(0.0, min(max_first, self.first_frame))

    def ensure_visible(self, frame: int, margin: float = 0.1) -> bool:
        """Page the view so `frame` is on screen; True when it scrolled."""
        pad = self.visible_frames * margin
        if frame < self.first_frame or frame > self.last_frame - pad * 0.2:
            self.scroll_to(frame - pad)
            return True
        return False


def snap_frame(
    frame: int, targets: Iterable[int], px_per_frame: float, radius_px: float = 8.0
) -> int:
    """The nearest target within radius_px of `frame`, else `frame` itself."""
    best, best_dist = frame, radius_px / px_per_frame
    for target in targets:
        dist = abs(target - frame)
        if dist <= best_dist:
            best, best_dist = target, dist
    return best


_SECOND_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def ruler_step(rate: Fraction, px_per_frame: float, min_px: float = 90.0) -> int:
    """Frames between labelled ruler ticks: whole frames when zoomed in, round seconds out."""
    nominal = max(1, round(rate))
    for frames in (1, 2, 5, 10):
        if frames < nominal and frames * px_per_frame >= min_px:
            return frames
    for seconds in _SECOND_STEPS:
        frames = seconds * nominal
        if frames * px_per_frame >= min_px:
            return frames
    return _SECOND_STEPS[-1] * nominal
