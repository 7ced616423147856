"""The timeline's cached picture, in horizontal layers repainted one at a time.

Everything but the playhead and the marks is painted into one pixmap. A change repaints only
the layers it touches: a job's badge or a take's peaks repaint the lanes, a thumbnail the
picture strip, a marker the ruler; a zoom or a resize repaints them all. While ten jobs report
and the picture plays, the loop then redraws a strip of cue blocks, not the ruler's ticks and
the waveform as well.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QRect


class Layer(enum.Flag):
    OVERVIEW = enum.auto()
    RULER = enum.auto()
    THUMBS = enum.auto()
    WAVE = enum.auto()
    LANES = enum.auto()
    NONE = 0
    ALL = OVERVIEW | RULER | THUMBS | WAVE | LANES


ORDER = (Layer.OVERVIEW, Layer.RULER, Layer.THUMBS, Layer.WAVE, Layer.LANES)


def layer_rects(heights: tuple[int, int, int, int], width: int, total: int) -> dict[Layer, QRect]:
    """Each layer's strip, top to bottom: the four fixed heights, then the lanes to the bottom."""
    rects: dict[Layer, QRect] = {}
    top = 0
    for layer, height in zip(ORDER, heights, strict=False):
        rects[layer] = QRect(0, top, width, height)
        top += height
    rects[Layer.LANES] = QRect(0, top, width, max(0, total - top))
    return rects


def changed_rect(layers: Layer, rects: dict[Layer, QRect]) -> QRect:
    """The smallest rectangle holding every strip in `layers` (what the widget must update)."""
    out = QRect()
    for layer in ORDER:
        if layer in layers:
            out = out.united(rects[layer])
    return out
