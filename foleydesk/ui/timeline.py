"""The timeline: overview, ruler in source timecode, thumbnails, waveform, cue lanes, playhead.

One painted widget (no item per frame), so a 2-hour source costs what is on screen. Cue drags
are previewed as ghosts and committed as one undoable edit on release.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter, OrderedDict
from dataclasses import dataclass
from enum import Enum

import numpy as np
from PySide6.QtCore import QLineF, QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QWidget

from foleydesk.core.commands import EditCue
from foleydesk.core.events import Change, Entity
from foleydesk.core.model import Cue, LaneKind, Marker, TakeStatus
from foleydesk.core.placement import take_after_range_change
from foleydesk.errors import UserError
from foleydesk.ui import session as session_words
from foleydesk.ui.cue_painter import CuePainter, TakePeaksCache, View
from foleydesk.ui.session import ProjectSession
from foleydesk.ui.take_drag import TakeDragger
from foleydesk.ui.timeline_band import band_rect, cues_in_band, paint_band
from foleydesk.ui.timeline_layers import ORDER, Layer, changed_rect, layer_rects
from foleydesk.ui.timeline_scale import TimelineScale, ruler_step, snap_frame

log = logging.getLogger(__name__)

HEADER_W = 104
OVERVIEW_H = 16
RULER_H = 24
THUMB_H = 46
WAVE_H = 46
LANE_H = 36
EDGE_GRAB_PX = 6
MARKER_GRAB_PX = 6
THUMB_CACHE = 600

BG = QColor("#18191c")
HEADER_BG = QColor("#222428")
GRID = QColor("#2c2e33")
TEXT = QColor("#c9ccd1")
DIM = QColor("#7d838c")
PLAYHEAD = QColor("#ff5a4e")
WAVE = QColor("#5fa8a0")
MARKS = QColor(79, 143, 216, 60)


@dataclass
class WaveLevel:
    """One resolution of the envelope: `bins_per_frame` min/max pairs per video frame."""

    mins: np.ndarray
    maxs: np.ndarray
    bins_per_frame: float


@dataclass
class Waveform:
    """Min/max envelopes of the source audio at several resolutions, finest first."""

    levels: list[WaveLevel]

    def level_for(self, px_per_frame: float) -> WaveLevel:
        """The coarsest level that still has at least one bin per pixel."""
        best = self.levels[0]
        for level in self.levels:
            if level.bins_per_frame / px_per_frame >= 1.0:
                best = level
        return best

    def columns(self, first_frame: float, px_per_frame: float, width: int) -> np.ndarray:
        """Per-pixel (min, max) for `width` columns starting at first_frame; shape (w, 2)."""
        out = np.zeros((width, 2), dtype=np.float32)
        if width <= 0 or not self.levels:
            return out
        level = self.level_for(px_per_frame)
        n = len(level.mins)
        if n == 0:
            return out
        edges = (first_frame + np.arange(width + 1) / px_per_frame) * level.bins_per_frame
        idx = np.floor(edges).astype(np.int64)
        inside = idx[:-1] < n
        starts = np.clip(idx[:-1], 0, n - 1)
        ends = np.clip(np.maximum(idx[1:], idx[:-1] + 1), 1, n)
        lo_bin, hi_bin = int(starts[0]), int(ends[-1])
        mins = level.mins[lo_bin:hi_bin]
        maxs = level.maxs[lo_bin:hi_bin]
        local = starts - lo_bin
        if len(mins) == 0:
            return out
        # reduceat needs increasing indices; equal neighbours (zoomed in) repeat one bin.
        out[:, 0] = np.minimum.reduceat(mins, np.minimum(local, len(mins) - 1))
        out[:, 1] = np.maximum.reduceat(maxs, np.minimum(local, len(maxs) - 1))
        zoomed_in = ends - starts <= 1
        out[zoomed_in, 0] = level.mins[starts[zoomed_in]]
        out[zoomed_in, 1] = level.maxs[starts[zoomed_in]]
        out[~inside] = 0.0
        return out


DISPLAY_RANGE_DB = 54.0


def display_level(values: np.ndarray) -> np.ndarray:
    """Sample values to drawing heights on a dB scale (-54 dBFS at the centre line), so room
    tone and quiet production sound stay visible next to loud hits."""
    magnitude = np.abs(values)
    db = 20.0 * np.log10(np.maximum(magnitude, 1e-9))
    heights: np.ndarray = np.sign(values) * np.clip(1.0 + db / DISPLAY_RANGE_DB, 0.0, 1.0)
    return heights


def wave_image(cols: np.ndarray, height: int, colour: QColor) -> QImage:
    """A waveform drawn with numpy: one vertical span per column from min to max (no per-pixel
    Python painting, so a 2000-pixel-wide strip costs well under a millisecond)."""
    width = len(cols)
    mid = (height - 1) / 2
    half = height / 2 - 1
    top = np.floor(mid - cols[:, 1] * half).astype(np.int32)
    bottom = np.ceil(mid - cols[:, 0] * half).astype(np.int32)
    rows = np.arange(height, dtype=np.int32)[:, None]
    mask = (rows >= top[None, :]) & (rows <= bottom[None, :])
    argb = np.zeros((height, width), dtype=np.uint32)
    argb[mask] = colour.rgba()
    image = QImage(max(1, width), height, QImage.Format.Format_ARGB32_Premultiplied)
    stride = image.bytesPerLine() // 4
    view = np.frombuffer(image.bits(), dtype=np.uint32, count=stride * height)
    view.reshape(height, stride)[:, :width] = argb
    return image


class DragMode(Enum):
    NONE = 0
    SCRUB = 1
    MOVE = 2
    TRIM_IN = 3
    TRIM_OUT = 4
    OVERVIEW = 5
    LANE = 6  # dragging a lane header out of the window
    RANGE = 7  # dragging in an empty lane area: the range becomes a cue (Pro Tools' selector)
    BAND = 8  # Ctrl/Shift + drag from an empty lane area: rubber band selection


@dataclass
class Drag:
    mode: DragMode
    cue_id: int | None = None
    press_frame: int = 0
    press_edge: int = 0
    in_frame: int = 0
    out_frame: int = 0
    lane_id: int = 0
    moved: bool = False


class TimelineWidget(QWidget):
    """Paints the whole timeline and turns mouse gestures into seeks and cue edits."""

    error = Signal(object)  # UserError
    view_changed = Signal()  # zoom or scroll moved (for the scroll bar)
    thumbnails_wanted = Signal(list, int)  # frames, height in device pixels
    cue_activated = Signal(int)  # double click: edit the prompt
    lane_dragged = Signal(int)  # a lane header dragged out: render its stem
    marker_rename = Signal(int)  # marker id: ask for its new name
    marker_delete = Signal(int)  # marker id
    cue_menu_wanted = Signal(int, QPoint)  # right-click on a cue: cue id, global position
    lane_menu_wanted = Signal(int, QPoint)  # right-click on an empty lane area
    range_released = Signal()  # a range dragged in an empty lane (now the marks): make a cue

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.scale = TimelineScale(session.frame_count, 1000)
        self.snap = True
        self.waveform: Waveform | None = None
        self.waveform_note = "waveform: loading..."
        self.thumbs: OrderedDict[int, QImage] = OrderedDict()
        self.thumb_note = "thumbnails: loading..."
        self._requested: set[int] = set()
        self._drag: Drag | None = None
        self._band_from = self._band_to = QPointF()  # the rubber band while it is dragged
        self._band_keep: list[int] = []  # selected before the band: the band adds to it
        self._static: QPixmap | None = None
        self._dirty = Layer.ALL  # layers of the cached picture to repaint before it is shown
        self._pending = Layer.NONE  # layers the repaint timer will invalidate
        self.layer_paints: Counter[Layer] = Counter()  # repaints of each cached layer so far
        self._badges: dict[int, str] = {}  # cue id -> status word its painted badge shows
        self._playhead_rects: list[QRect] = []  # where the playhead was last painted
        source = session.project.source
        self.display_aspect = source.width / source.height if source.height else 16 / 9
        self._wave_cache: dict[str, tuple[object, QImage]] = {}
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(40)
        self._repaint_timer.timeout.connect(self._repaint_pending)
        self.take_peaks = TakePeaksCache(session.project, self)
        self.take_peaks.ready.connect(self._on_take_peaks)
        self.cue_painter = CuePainter(session.project, self.take_peaks)
        self.take_drag = TakeDragger(session, self.cue_painter, self.cue_rect, self.view)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMinimumHeight(self.content_height())
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        session.changed.connect(self._on_model_changed)
        session.position_changed.connect(self._on_position_changed)
        session.selection_changed.connect(lambda _id: self.invalidate(Layer.LANES))
        session.marks_changed.connect(self.update)

    # -- geometry --

    def lanes_top(self) -> int:
        return OVERVIEW_H + RULER_H + THUMB_H + WAVE_H

    def content_height(self) -> int:
        return self.lanes_top() + LANE_H * max(1, len(self.session.project.lanes)) + 4

    def sizeHint(self) -> QSize:
        return QSize(900, self.content_height())

    def track_width(self) -> int:
        return max(1, self.width() - HEADER_W)

    def lane_rect(self, index: int) -> QRect:
        return QRect(HEADER_W, self.lanes_top() + index * LANE_H, self.track_width(), LANE_H)

    def cue_rect(
        self,
        cue: Cue,
        in_frame: int | None = None,
        out_frame: int | None = None,
        lane_id: int | None = None,
    ) -> QRectF:
        lanes = self.session.project.sorted_lanes()
        lane_index = next(
            (i for i, lane in enumerate(lanes) if lane.id == (lane_id or cue.lane_id)), 0
        )
        x0 = HEADER_W + self.scale.x_of(cue.in_frame if in_frame is None else in_frame)
        x1 = HEADER_W + self.scale.x_of(cue.out_frame if out_frame is None else out_frame)
        top = self.lanes_top() + lane_index * LANE_H + 3
        return QRectF(x0, top, max(3.0, x1 - x0), LANE_H - 6)

    def view(self) -> View:
        """The frame-to-x mapping cue blocks are painted with."""
        scale = self.scale
        return View(HEADER_W, scale.first_frame, scale.px_per_frame, self.session.rate)

    def lane_at(self, y: float) -> int | None:
        index = int((y - self.lanes_top()) // LANE_H)
        lanes = self.session.project.sorted_lanes()
        if y < self.lanes_top() or index >= len(lanes):
            return None
        return lanes[index].id

    def cue_at(self, pos: QPointF) -> tuple[Cue | None, DragMode]:
        """The cue under the pointer and which part of it (body or an edge)."""
        for cue in reversed(self.session.project.sorted_cues()):
            rect = self.cue_rect(cue)
            grab = rect.adjusted(-EDGE_GRAB_PX, 0, EDGE_GRAB_PX, 0)
            if not grab.contains(pos):
                continue
            if abs(pos.x() - rect.left()) <= EDGE_GRAB_PX:
                return cue, DragMode.TRIM_IN
            if abs(pos.x() - rect.right()) <= EDGE_GRAB_PX:
                return cue, DragMode.TRIM_OUT
            return cue, DragMode.MOVE
        return None, DragMode.NONE

    # -- view control --

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.scale.set_width(self.track_width())
        self.view_changed.emit()
        super().resizeEvent(event)

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        if anchor_x is None:
            anchor_x = self.scale.x_of(self.session.position)
            if not 0 <= anchor_x <= self.scale.width:
                anchor_x = self.scale.width / 2
        self.scale.zoom(factor, anchor_x)
        self._view_moved()

    def fit(self) -> None:
        self.scale.fit()
        self._view_moved()

    def scroll_to(self, first_frame: float) -> None:
        self.scale.scroll_to(first_frame)
        self._view_moved()

    def _view_moved(self) -> None:
        self.view_changed.emit()
        self.invalidate()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.25 ** (delta / 120), event.position().x() - HEADER_W)
        else:
            step = self.scale.visible_frames * 0.1 * (-delta / 120)
            self.scroll_to(self.scale.first_frame + step)
        event.accept()

    # -- model --

    def _on_model_changed(self, change: Change) -> None:
        if change.entity is Entity.LANE:
            self.setMinimumHeight(self.content_height())
        if change.entity is Entity.JOB:
            # Jobs report progress many times a second; the timeline shows only the cue's
            # status word as a badge: repaint (at most 25/s) when that word changes.
            if self._badge_stale(change.id):
                self._repaint_soon(Layer.LANES)
            return
        if change.entity is Entity.MARKER:
            self.invalidate(Layer.RULER)
            return
        if change.entity in (Entity.CUE, Entity.TAKE, Entity.LANE):
            self.invalidate(Layer.OVERVIEW | Layer.LANES)  # blocks, and cue ticks on the overview
            return
        self.invalidate()  # the project or its source: timecode, length, everything

    def _badge_stale(self, job_id: int) -> bool:
        job = self.session.project.jobs.get(job_id)
        cue = self.session.project.cues.get(job.cue_id) if job is not None else None
        if cue is None:
            return True
        return self._badges.get(cue.id) != self.session.cue_status(cue)

    def _on_position_changed(self, frame: int) -> None:
        scrubbing = self._drag is not None and self._drag.mode is DragMode.SCRUB
        if not scrubbing and self.scale.ensure_visible(frame):
            self.view_changed.emit()
            self.invalidate()
            return
        # Only the playhead moved: repaint the strips it leaves and enters, not the widget
        # (while playing this runs every frame; the cached layers stay).
        for rect in (*self._playhead_rects, *self._playhead_strips()):
            self.update(rect)

    def _playhead_strips(self) -> list[QRect]:
        """The rectangles the playhead covers now (overview tick, line and head)."""
        total = self.session.frame_count
        ox = HEADER_W + self.session.position / total * self.track_width()
        strips = [QRect(int(ox) - 2, 0, 5, OVERVIEW_H + 1)]
        x = HEADER_W + self.scale.x_of(self.session.position)
        if HEADER_W <= x <= self.width():
            strips.append(QRect(int(x) - 8, OVERVIEW_H, 17, self.height() - OVERVIEW_H))
        return strips

    def _on_take_peaks(self) -> None:
        self._repaint_soon(Layer.LANES)  # peaks arrive in bursts: one repaint per 40 ms

    def _repaint_soon(self, layers: Layer) -> None:
        """Invalidate `layers` within 40 ms, together with whatever else arrives meanwhile."""
        self._pending |= layers
        if not self._repaint_timer.isActive():
            self._repaint_timer.start()

    def _repaint_pending(self) -> None:
        layers, self._pending = self._pending, Layer.NONE
        if layers:
            self.invalidate(layers)

    # -- media data --

    def set_waveform(self, waveform: Waveform | None, note: str = "") -> None:
        self.waveform, self.waveform_note = waveform, note
        self.invalidate(Layer.OVERVIEW | Layer.WAVE)

    def set_thumbnail(self, frame: int, image: QImage) -> None:
        self.thumbs[frame] = image
        self.thumbs.move_to_end(frame)
        self._requested.discard(frame)
        while len(self.thumbs) > THUMB_CACHE:
            self.thumbs.popitem(last=False)
        self._repaint_soon(Layer.THUMBS)  # thumbnails come in bursts: one repaint per 40 ms

    def set_display_size(self, width: int, height: int) -> None:
        self.display_aspect = width / height
        self.thumbs.clear()
        self._requested.clear()
        self.invalidate(Layer.THUMBS)

    def set_thumb_note(self, note: str) -> None:
        self.thumb_note = note
        self.invalidate(Layer.THUMBS)

    def thumb_slots(self) -> tuple[list[tuple[int, float]], float]:
        """(frame, x) of each visible thumbnail slot on a grid stable under scrolling."""
        thumb_w = THUMB_H * self.display_aspect
        step = max(1, math.ceil(thumb_w / self.scale.px_per_frame))
        start = int(self.scale.first_frame // step) * step
        slots: list[tuple[int, float]] = []
        frame = start
        while frame < min(self.scale.last_frame + step, self.session.frame_count):
            slots.append((frame, self.scale.x_of(frame)))
            frame += step
        return slots, step * self.scale.px_per_frame

    # -- painting --

    def invalidate(self, layers: Layer = Layer.ALL) -> None:
        """Something under the playhead changed: repaint those cached layers too (all of them
        unless told which), and update only their strips of the widget."""
        self._dirty |= layers
        if layers == Layer.ALL:
            self.update()
        else:
            self.update(changed_rect(layers, self._layer_rects()))

    def _layer_rects(self) -> dict[Layer, QRect]:
        return layer_rects((OVERVIEW_H, RULER_H, THUMB_H, WAVE_H), self.width(), self.height())

    def _static_layers(self) -> QPixmap:
        """Everything but the playhead and marks, painted once per change (not per frame),
        and then only the layers that changed."""
        ratio = self.devicePixelRatioF()
        size = self.size()
        if self._static is None or self._static.size() != size * ratio:
            self._static = QPixmap(size * ratio)
            self._static.setDevicePixelRatio(ratio)
            self._dirty = Layer.ALL
        if self._dirty:
            painters = {
                Layer.OVERVIEW: self._paint_overview,
                Layer.RULER: self._paint_ruler,
                Layer.THUMBS: self._paint_thumbs,
                Layer.WAVE: self._paint_waveform,
                Layer.LANES: self._paint_lanes,
            }
            rects = self._layer_rects()
            painter = QPainter(self._static)
            try:
                for layer in ORDER:
                    if layer in self._dirty:
                        painter.save()
                        painter.setClipRect(rects[layer])
                        painter.fillRect(rects[layer], BG)
                        painters[layer](painter)
                        painter.restore()
                        self.layer_paints[layer] += 1
            finally:
                painter.end()
            self._dirty = Layer.NONE
        return self._static

    def paintEvent(self, event: QPaintEvent) -> None:
        static = self._static_layers()
        painter = QPainter(self)
        try:
            painter.drawPixmap(0, 0, static)
            self._paint_marks(painter)
            self._paint_playhead(painter)
            if self._drag is not None and self._drag.mode is DragMode.BAND:
                paint_band(painter, band_rect(self._band_from, self._band_to))
            self._playhead_rects = self._playhead_strips()
        finally:
            painter.end()

    def _paint_overview(self, p: QPainter) -> None:
        rect = QRectF(HEADER_W, 0, self.track_width(), OVERVIEW_H)
        p.fillRect(QRectF(0, 0, self.width(), OVERVIEW_H), QColor("#141518"))
        total = self.session.frame_count
        if self.waveform is not None:
            width = int(rect.width())
            key = ("overview", id(self.waveform), width)
            if self._wave_cache.get("overview", (None,))[0] != key:
                cols = display_level(self.waveform.columns(0, width / total, width))
                self._wave_cache["overview"] = (
                    key,
                    wave_image(cols, OVERVIEW_H, QColor("#3f6f6a")),
                )
            p.drawImage(QPointF(HEADER_W, 0), self._wave_cache["overview"][1])
        # Cues as ticks, the viewport as a box, the playhead as a line.
        for cue in self.session.project.cues.values():
            x0 = HEADER_W + cue.in_frame / total * rect.width()
            x1 = HEADER_W + cue.out_frame / total * rect.width()
            p.fillRect(QRectF(x0, OVERVIEW_H - 4, max(2.0, x1 - x0), 3), QColor(cue.colour))
        vx0 = HEADER_W + self.scale.first_frame / total * rect.width()
        vw = self.scale.visible_frames / total * rect.width()
        p.setPen(QPen(QColor("#8fb3e0"), 1))
        p.setBrush(QColor(143, 179, 224, 30))
        p.drawRect(QRectF(vx0, 0.5, max(4.0, vw - 1), OVERVIEW_H - 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(DIM)
        p.drawText(
            QRectF(6, 0, HEADER_W - 8, OVERVIEW_H),
            Qt.AlignmentFlag.AlignVCenter,
            self.tr("Overview"),
        )

    def _paint_ruler(self, p: QPainter) -> None:
        top = OVERVIEW_H
        p.fillRect(QRectF(0, top, self.width(), RULER_H), HEADER_BG)
        source = self.session.project.source
        step = ruler_step(source.frame_rate, self.scale.px_per_frame)
        minor = max(1, step // 5) if step >= 5 else 1
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        first = int(self.scale.first_frame // minor) * minor
        last = min(self.session.frame_count, int(self.scale.last_frame) + 1)
        # Ticks gathered and drawn in two calls: a fitted 2-hour ruler has hundreds of them.
        majors: list[QLineF] = []
        minors: list[QLineF] = []
        labels: list[tuple[float, int]] = []
        bottom = top + RULER_H
        frame = first
        while frame <= last:
            x = HEADER_W + self.scale.x_of(frame)
            if x >= HEADER_W:
                if frame % step == 0:
                    majors.append(QLineF(x, bottom - 10, x, bottom))
                    labels.append((x, frame))
                else:
                    minors.append(QLineF(x, bottom - 4, x, bottom))
            frame += minor
        p.setPen(QPen(DIM, 1))
        p.drawLines(minors)
        p.setPen(QPen(TEXT, 1))
        p.drawLines(majors)
        for x, frame in labels:
            p.drawText(QPointF(x + 3, top + 12), self.session.timecode(frame))
        # Markers live on the ruler.
        for marker in self.session.project.markers.values():
            x = HEADER_W + self.scale.x_of(marker.frame)
            if HEADER_W <= x <= self.width():
                colour = QColor(marker.colour)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
                p.drawPolygon(
                    QPolygonF(
                        [
                            QPointF(x - 5, top + RULER_H - 9),
                            QPointF(x + 5, top + RULER_H - 9),
                            QPointF(x, top + RULER_H - 1),
                        ]
                    )
                )
                p.setBrush(Qt.BrushStyle.NoBrush)
                if marker.label:  # on the ruler's colour, so ticks never strike through it
                    width = p.fontMetrics().horizontalAdvance(marker.label) + 4
                    p.fillRect(QRectF(x + 5, top + RULER_H - 12, width, 12), HEADER_BG)
                    p.setPen(colour)
                    p.drawText(QPointF(x + 7, top + RULER_H - 2), marker.label)
        p.setPen(TEXT)
        p.drawText(
            QRectF(6, top, HEADER_W - 8, RULER_H),
            Qt.AlignmentFlag.AlignVCenter,
            self.tr("Timecode"),
        )

    def _paint_thumbs(self, p: QPainter) -> None:
        top = OVERVIEW_H + RULER_H
        p.fillRect(QRectF(0, top, HEADER_W, THUMB_H), HEADER_BG)
        p.setPen(DIM)
        p.drawText(
            QRectF(6, top, HEADER_W - 8, THUMB_H), Qt.AlignmentFlag.AlignVCenter, self.tr("Picture")
        )
        p.save()
        p.setClipRect(QRect(HEADER_W, top, self.track_width(), THUMB_H))
        slots, slot_w = self.thumb_slots()
        wanted: list[int] = []
        for frame, x in slots:
            image = self.thumbs.get(frame)
            target = QRectF(HEADER_W + x, top + 1, slot_w - 1, THUMB_H - 2)
            if image is None:
                p.fillRect(target, QColor("#202226"))
                if frame not in self._requested:
                    wanted.append(frame)
            else:
                self.thumbs.move_to_end(frame)
                w = min(target.width(), image.width() / image.devicePixelRatio())
                p.drawImage(QRectF(target.left(), target.top(), w, target.height()), image)
        if not self.thumbs and self.thumb_note:
            p.setPen(DIM)
            p.drawText(
                QRectF(HEADER_W + 8, top, self.track_width() - 16, THUMB_H),
                Qt.AlignmentFlag.AlignVCenter,
                self.thumb_note,
            )
        p.restore()
        if wanted:
            self._requested.update(wanted)
            self.thumbnails_wanted.emit(wanted, int(THUMB_H * self.devicePixelRatioF()))

    def forget_thumbnail_requests(self) -> None:
        self._requested.clear()

    def _paint_waveform(self, p: QPainter) -> None:
        top = OVERVIEW_H + RULER_H + THUMB_H
        p.fillRect(QRectF(0, top, HEADER_W, WAVE_H), HEADER_BG)
        p.fillRect(QRectF(HEADER_W, top, self.track_width(), WAVE_H), QColor("#15161a"))
        p.setPen(DIM)
        p.drawText(
            QRectF(6, top, HEADER_W - 8, WAVE_H),
            Qt.AlignmentFlag.AlignVCenter,
            self.tr("Source audio"),
        )
        mid = top + WAVE_H / 2
        if self.waveform is None:
            p.drawText(
                QRectF(HEADER_W + 8, top, self.track_width() - 16, WAVE_H),
                Qt.AlignmentFlag.AlignVCenter,
                self.waveform_note,
            )
            return
        width = self.track_width()
        key = ("detail", id(self.waveform), width, self.scale.first_frame, self.scale.px_per_frame)
        if self._wave_cache.get("detail", (None,))[0] != key:
            cols = display_level(
                self.waveform.columns(self.scale.first_frame, self.scale.px_per_frame, width)
            )
            self._wave_cache["detail"] = (key, wave_image(cols, WAVE_H - 2, WAVE))
        p.drawImage(QPointF(HEADER_W, top + 1), self._wave_cache["detail"][1])
        p.setPen(QPen(GRID, 1))
        p.drawLine(QPointF(HEADER_W, mid), QPointF(self.width(), mid))

    def _paint_lanes(self, p: QPainter) -> None:
        project = self.session.project
        lanes = project.sorted_lanes()
        for index, lane in enumerate(lanes):
            rect = self.lane_rect(index)
            p.fillRect(rect, QColor("#1b1c20") if index % 2 else QColor("#1e2024"))
            header = QRect(0, rect.top(), HEADER_W, LANE_H)
            p.fillRect(header, HEADER_BG)
            p.setPen(QColor("#d9a86c") if lane.kind is LaneKind.MUSIC else TEXT)
            p.drawText(header.adjusted(8, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, lane.name)
            p.setPen(QPen(GRID, 1))
            p.drawLine(0, rect.bottom(), self.width(), rect.bottom())
        p.save()
        p.setClipRect(QRect(HEADER_W, self.lanes_top(), self.track_width(), LANE_H * len(lanes)))
        drag = self._drag
        first, last = self.scale.first_frame, self.scale.last_frame
        for cue in project.sorted_cues():
            dragged = drag is not None and drag.cue_id == cue.id
            if not dragged and (cue.out_frame < first or cue.in_frame > last + 1):
                continue  # off screen: nothing to paint
            if drag is not None and drag.cue_id == cue.id and drag.moved:
                ghost = self.cue_rect(cue)
                p.setPen(QPen(QColor(cue.colour), 1, Qt.PenStyle.DashLine))
                p.drawRect(ghost)
                self._paint_cue(
                    p,
                    cue,
                    self.cue_rect(cue, drag.in_frame, drag.out_frame, drag.lane_id),
                    preview=True,
                )
            else:
                self._paint_cue(p, cue, self.cue_rect(cue))
        p.restore()

    def _cue_status(self, cue: Cue) -> tuple[str, QColor]:
        """The cue list's status word as a badge: ?, a running job, takes (chosen) or !."""
        status = self.session.cue_status(cue)
        if status == session_words.UNCERTAIN:
            return "?", QColor("#ffb74d")
        if status in (session_words.CHOSEN, session_words.TAKES_READY):
            project = self.session.project
            ready = sum(t.status is TakeStatus.READY for t in project.takes_for(cue.id))
            if status == session_words.CHOSEN:
                return f"\u2713{ready}", QColor("#a5d6a7")  # check mark
            return str(ready), QColor("#e0e0e0")
        if status == session_words.FAILED:
            return "!", QColor("#ef9a9a")
        if status in (session_words.NO_TAKES, session_words.NEEDS_PROMPT):
            return "", TEXT
        return "\u2026", QColor("#90caf9")  # ellipsis: a job is running

    def _paint_cue(self, p: QPainter, cue: Cue, rect: QRectF, preview: bool = False) -> None:
        colour = QColor(cue.colour)
        selected = self.session.is_selected(cue.id)
        fill = QColor(colour)
        fill.setAlpha(200 if selected else 140)
        p.setPen(QPen(QColor("#ffffff") if selected else colour.darker(130), 2 if selected else 1))
        p.setBrush(fill)
        p.drawRoundedRect(rect, 3, 3)
        p.setBrush(Qt.BrushStyle.NoBrush)
        self._badges[cue.id] = self.session.cue_status(cue)
        self._paint_take(p, cue, rect, preview, selected)
        if rect.width() > 24:
            status, status_colour = self._cue_status(cue)
            text_rect = rect.adjusted(6, 0, -6, 0)
            p.setPen(QColor("#101114"))
            font = QFont(self.font())
            font.setBold(True)
            p.setFont(font)
            take_drag = self.take_drag.drag
            dragged = preview or (take_drag is not None and take_drag.cue_id == cue.id)
            label = self._drag_label() if dragged else cue.display_name()
            maker = self._chosen_model(cue)
            if maker and not dragged:
                label = f"{label}  \u00b7  {maker}"
            metrics = p.fontMetrics()
            shown = metrics.elidedText(
                label, Qt.TextElideMode.ElideRight, int(text_rect.width()) - 28
            )
            if shown:  # a plate of the cue's colour keeps the name readable over the waveform
                plate = QColor(colour)
                plate.setAlpha(215)
                height = metrics.height()
                p.fillRect(
                    QRectF(
                        text_rect.left() - 3,
                        rect.center().y() - height / 2,
                        metrics.horizontalAdvance(shown) + 6,
                        height,
                    ),
                    plate,
                )
            p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown)
            if status:
                badge = QRectF(rect.right() - 26, rect.top() + 5, 22, rect.height() - 10)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(16, 17, 20, 190))
                p.drawRoundedRect(badge, 3, 3)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(status_colour)
                p.drawText(badge, Qt.AlignmentFlag.AlignCenter, status)
            p.setFont(self.font())

    def _chosen_model(self, cue: Cue) -> str:
        """The model that made the cue's chosen take, as the block shows it."""
        take = self.session.project.takes.get(cue.chosen_take_id or 0)
        if take is None or not take.model_id:
            return ""
        from foleydesk.providers.catalog import take_label

        return take_label(take.model_id, take.provider_id)

    def _paint_take(
        self, p: QPainter, cue: Cue, rect: QRectF, preview: bool, selected: bool
    ) -> None:
        """The chosen take inside the block (cue_painter), as a drag would leave it."""
        take = self.take_drag.chosen(cue)
        drag = self._drag
        if preview and drag is not None:
            if take is not None:
                take = take_after_range_change(cue, take, drag.in_frame, drag.out_frame)
            cue = dataclasses.replace(cue, in_frame=drag.in_frame, out_frame=drag.out_frame)
        if take is not None:
            take = self.take_drag.preview(take)
        clip = QRectF(HEADER_W, 0, self.track_width(), self.height())
        self.cue_painter.paint(p, cue, take, rect, self.view(), clip, selected)

    def _drag_label(self) -> str:
        if self.take_drag.drag is not None:
            return self.take_drag.label()
        drag = self._drag
        if drag is None:
            return ""
        tc = self.session.timecode  # Out as the NLEs show it: the last frame in the cue
        return f"{tc(drag.in_frame)} \u2013 {tc(drag.out_frame - 1)}"

    def _paint_marks(self, p: QPainter) -> None:
        mark_in, mark_out = self.session.mark_in, self.session.mark_out
        if mark_in is None and mark_out is None:
            return
        top = OVERVIEW_H
        bottom = self.height()
        if mark_in is not None and mark_out is not None and mark_out > mark_in:
            x0 = HEADER_W + self.scale.x_of(mark_in)
            x1 = HEADER_W + self.scale.x_of(mark_out)
            p.fillRect(QRectF(max(HEADER_W, x0), top, x1 - max(HEADER_W, x0), bottom), MARKS)
        p.setPen(QPen(QColor("#4f8fd8"), 1))
        for frame in (mark_in, mark_out):
            if frame is not None:
                x = HEADER_W + self.scale.x_of(frame)
                if x >= HEADER_W:
                    p.drawLine(QPointF(x, top), QPointF(x, bottom))

    def _paint_playhead(self, p: QPainter) -> None:
        total = self.session.frame_count
        ox = HEADER_W + self.session.position / total * self.track_width()
        p.setPen(QPen(PLAYHEAD, 1))
        p.drawLine(QPointF(ox, 0), QPointF(ox, OVERVIEW_H))
        x = HEADER_W + self.scale.x_of(self.session.position)
        if x < HEADER_W or x > self.width():
            return
        p.setPen(QPen(PLAYHEAD, 1))
        p.drawLine(QPointF(x, OVERVIEW_H), QPointF(x, self.height()))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PLAYHEAD)
        top = OVERVIEW_H
        p.drawPolygon(QPolygonF([QPointF(x - 6, top), QPointF(x + 6, top), QPointF(x, top + 8)]))
        p.setBrush(Qt.BrushStyle.NoBrush)

    # -- mouse --

    def _snap_targets(self, exclude: int | None) -> list[int]:
        targets = [self.session.position]
        targets += [m.frame for m in self.session.project.markers.values()]
        for cue in self.session.project.cues.values():
            if cue.id != exclude:
                targets += [cue.in_frame, cue.out_frame]
        if self.session.mark_in is not None:
            targets.append(self.session.mark_in)
        if self.session.mark_out is not None:
            targets.append(self.session.mark_out)
        return targets

    def _snapped(self, frame: int, exclude: int | None) -> int:
        if not self.snap:
            return frame
        return snap_frame(frame, self._snap_targets(exclude), self.scale.px_per_frame)

    def marker_at(self, pos: QPointF) -> Marker | None:
        """The marker whose flag on the ruler is under `pos` (the nearest one within reach)."""
        if not OVERVIEW_H <= pos.y() < OVERVIEW_H + RULER_H or pos.x() < HEADER_W:
            return None
        best: Marker | None = None
        best_dx = MARKER_GRAB_PX + 0.5
        for marker in self.session.project.markers.values():
            dx = abs(HEADER_W + self.scale.x_of(marker.frame) - pos.x())
            if dx < best_dx:
                best, best_dx = marker, dx
        return best

    def marker_menu(self, marker: Marker) -> QMenu:
        """Rename and Delete for one marker (shown with popup(): the loop never waits)."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        title = marker.label or self.session.timecode(marker.frame)
        menu.addSection(self.tr("Marker {0}").format(title))
        marker_id = marker.id
        menu.addAction(self.tr("Rename..."), lambda: self.marker_rename.emit(marker_id))
        menu.addAction(self.tr("Delete"), lambda: self.marker_delete.emit(marker_id))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        pos = QPointF(event.pos())
        marker = self.marker_at(pos)
        if marker is not None:
            self.marker_menu(marker).popup(event.globalPos())
        elif (cue := self.cue_at(pos)[0]) is not None:
            if not self.session.is_selected(cue.id):
                self.session.select_cue(cue.id)
            self.cue_menu_wanted.emit(cue.id, event.globalPos())
        elif (lane_id := self.lane_at(pos.y())) is not None and pos.x() >= HEADER_W:
            self.lane_menu_wanted.emit(lane_id, event.globalPos())
        else:
            event.ignore()
            return
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        x = pos.x() - HEADER_W
        if pos.y() < OVERVIEW_H and x >= 0:
            self._drag = Drag(DragMode.OVERVIEW)
            self._overview_to(x)
            return
        if x < 0:
            lane_id = self.lane_at(pos.y())
            if lane_id is not None:
                self._drag = Drag(DragMode.LANE, lane_id=lane_id, press_edge=int(pos.x()))
            return
        cue, mode = self.cue_at(pos)
        adding = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        if cue is not None and event.modifiers() & adding:
            self.session.toggle_selected(cue.id)  # Ctrl/Shift+click: add to the selection
            return
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if self.take_drag.press(pos, cue, alt):  # a fade handle, or Alt for the gain line
            self.invalidate(Layer.LANES)
            return
        if cue is not None:
            if not self.session.is_selected(cue.id):
                self.session.select_cue(cue.id)
            self._drag = Drag(
                mode,
                cue.id,
                self.scale.frame_at(x),
                self.scale.edge_at(x),
                cue.in_frame,
                cue.out_frame,
                cue.lane_id,
            )
            return
        lane_id = self.lane_at(pos.y())
        if lane_id is not None and event.modifiers() & adding:
            self._band_from, self._band_to = pos, pos
            self._band_keep = self.session.selected_ids()
            self._drag = Drag(DragMode.BAND)
            return
        if lane_id is not None:
            self.session.select_cue(None)
            self.session.active_lane_id = lane_id
            edge = self.scale.edge_at(x)
            self._drag = Drag(DragMode.RANGE, press_edge=edge, lane_id=lane_id)
            self.session.seek(self.scale.frame_at(x))
            return
        self._drag = Drag(DragMode.SCRUB)
        self.session.seek(self.scale.frame_at(x))

    def _overview_to(self, x: float) -> None:
        total = self.session.frame_count
        centre = x / self.track_width() * total
        self.scroll_to(centre - self.scale.visible_frames / 2)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        x = pos.x() - HEADER_W
        if self.take_drag.drag is not None:
            self.take_drag.move(pos)
            self.invalidate(Layer.LANES)
            return
        drag = self._drag
        if drag is None:
            if self.take_drag.hover(pos) is not None:
                self.setCursor(Qt.CursorShape.SizeHorCursor)
                self.setToolTip(self.tr("Drag to set the fade"))
                return
            if self.take_drag.hover_gain(pos, self.cue_at(pos)[0]):
                self.setCursor(Qt.CursorShape.SizeVerCursor)
                self.setToolTip(self.tr("Drag to set the take's gain (or Alt-drag anywhere)"))
                return
            marker = self.marker_at(pos)
            if marker is not None:
                self.unsetCursor()
                name = marker.label or self.tr("Marker")
                self.setToolTip(
                    self.tr("{0} at {1}\nRight-click to rename or delete").format(
                        name, self.session.timecode(marker.frame)
                    )
                )
                return
            cue, mode = self.cue_at(pos)
            if mode in (DragMode.TRIM_IN, DragMode.TRIM_OUT):
                self.setCursor(Qt.CursorShape.SizeHorCursor)
            elif cue is not None:
                self.setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.unsetCursor()
            if cue is not None:
                self.setToolTip(f"{cue.display_name()}\n{cue.prompt}")
            else:
                self.setToolTip("")
            return
        if drag.mode is DragMode.OVERVIEW:
            self._overview_to(x)
            return
        if drag.mode is DragMode.LANE:
            if abs(pos.x() - drag.press_edge) > 12:
                self._drag = None
                self.lane_dragged.emit(drag.lane_id)
            return
        if drag.mode is DragMode.SCRUB:
            self.session.seek(self.scale.frame_at(max(0.0, x)))
            return
        if drag.mode is DragMode.BAND:
            self._band_to = pos
            touched = cues_in_band(self, band_rect(self._band_from, pos))
            keep = [i for i in self._band_keep if i not in touched]
            self.session.set_selection(keep + touched)
            self.update()
            return
        if drag.mode is DragMode.RANGE:
            edge = self._snapped(self.scale.edge_at(max(0.0, x)), None)
            lo, hi = sorted((drag.press_edge, edge))
            drag.moved = hi > lo
            if drag.moved:
                self.session.set_marks(lo, hi)
            return
        assert drag.cue_id is not None
        cue = self.session.project.cues.get(drag.cue_id)
        if cue is None:
            self._drag = None
            return
        edge = self.scale.edge_at(max(0.0, x))
        total = self.session.frame_count
        if drag.mode is DragMode.MOVE:
            delta = edge - drag.press_edge
            length = cue.frame_count
            new_in = max(0, min(total - length, cue.in_frame + delta))
            snapped_in = self._snapped(new_in, cue.id)
            snapped_out = self._snapped(new_in + length, cue.id)
            if snapped_in != new_in:
                new_in = snapped_in
            elif snapped_out != new_in + length:
                new_in = snapped_out - length
            new_in = max(0, min(total - length, new_in))
            drag.in_frame, drag.out_frame = new_in, new_in + length
            lane_id = self.lane_at(pos.y())
            drag.lane_id = lane_id if lane_id is not None else drag.lane_id
        elif drag.mode is DragMode.TRIM_IN:
            drag.in_frame = max(0, min(cue.out_frame - 1, self._snapped(edge, cue.id)))
        elif drag.mode is DragMode.TRIM_OUT:
            drag.out_frame = min(total, max(cue.in_frame + 1, self._snapped(edge, cue.id)))
        drag.moved = (drag.in_frame, drag.out_frame, drag.lane_id) != (
            cue.in_frame,
            cue.out_frame,
            cue.lane_id,
        )
        self.invalidate(Layer.LANES)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.take_drag.drag is not None:
            refused = self.take_drag.release()
            if refused is not None:
                self.error.emit(refused)
            self.invalidate(Layer.LANES)
            return
        drag, self._drag = self._drag, None
        if drag is not None and drag.mode is DragMode.BAND:
            self.update()
            return
        if drag is not None and drag.cue_id is not None and not drag.moved:
            self.session.select_cue(drag.cue_id)  # a plain click on one of many: just that one
        if drag is not None and drag.mode is DragMode.RANGE and drag.moved:
            self.range_released.emit()
            return
        if drag is None or drag.cue_id is None or not drag.moved or drag.mode is DragMode.LANE:
            self.invalidate(Layer.LANES)
            return
        cue = self.session.project.cues.get(drag.cue_id)
        if cue is None:
            return
        changes: dict[str, object] = {}
        if drag.in_frame != cue.in_frame:
            changes["in_frame"] = drag.in_frame
        if drag.out_frame != cue.out_frame:
            changes["out_frame"] = drag.out_frame
        if drag.lane_id != cue.lane_id:
            changes["lane_id"] = drag.lane_id
        text = {
            DragMode.MOVE: "Move cue",
            DragMode.TRIM_IN: "Trim cue in",
            DragMode.TRIM_OUT: "Trim cue out",
        }[drag.mode]
        try:
            self.session.push(EditCue(cue.id, changes, self.tr(text)))
        except UserError as exc:
            self.error.emit(exc)
        self.invalidate(Layer.LANES)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        marker = self.marker_at(event.position())
        if marker is not None:
            self.marker_rename.emit(marker.id)
            return
        cue, _mode = self.cue_at(event.position())
        if cue is not None:
            self.cue_activated.emit(cue.id)
