"""The rubber band on the timeline: Ctrl or Shift and drag from an empty lane area selects every
cue the rectangle touches (added to what was selected), as in Premiere and Pro Tools. A plain
drag there marks a range that becomes a cue (timeline.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

if TYPE_CHECKING:
    from foleydesk.ui.timeline import TimelineWidget

BAND_FILL = QColor(120, 170, 255, 40)
BAND_EDGE = QColor(120, 170, 255, 200)


def band_rect(start: QPointF, end: QPointF) -> QRectF:
    return QRectF(start, end).normalized()


def cues_in_band(timeline: TimelineWidget, rect: QRectF) -> list[int]:
    """Ids of the cues whose blocks the band touches, in timeline order."""
    return [
        cue.id
        for cue in timeline.session.project.sorted_cues()
        if timeline.cue_rect(cue).intersects(rect)
    ]


def paint_band(p: QPainter, rect: QRectF) -> None:
    p.setPen(QPen(BAND_EDGE, 1))
    p.setBrush(BAND_FILL)
    p.drawRect(rect)
    p.setBrush(QColor(0, 0, 0, 0))
