"""How a cue block shows its take: the waveform where the take really sounds (core.placement,
gain and fades applied), the not-generated part hatched, fade ramps with their handles at the top
corners, the gain line, and a "moved" mark when the take left its picture.

The timeline widget owns geometry and gestures; this module paints inside a cue's rectangle and
answers which handle is under the pointer. Take waveforms come from cached peaks, loaded off the
GUI thread; a block paints without its waveform until they arrive.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen

from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.core.placement import TakePlacement, file_time, not_generated, place_take
from foleydesk.core.project import Project
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.media.take_peaks import TakePeaks, load_take_peaks
from foleydesk.threads import background_pool

log = logging.getLogger(__name__)

HANDLE_PX = 7  # fade handle square
HANDLE_GRAB_PX = 7
MIN_WAVE_PX = 3  # narrower blocks draw no waveform
WHOLE_IMAGE_PX = 4096  # widest whole-take waveform image kept for reuse while zooming
OVERVIEW_COLUMNS = 256  # blocks up to this wide draw one zoom-independent picture of their take
PLACEMENT_CACHE = 4000
GAIN_TOP_DB = 12.0  # the gain line's range: +12 dB at the block's top...
GAIN_BOTTOM_DB = -36.0  # ...-36 dB at its bottom (0 dB a quarter of the way down)
HATCH = QColor(220, 220, 220, 120)
HATCH_SHADE = QColor(16, 17, 20, 120)
HATCH_BRUSH = QBrush(HATCH, Qt.BrushStyle.BDiagPattern)
MOVED = QColor("#ffb74d")
GAIN_LINE = QColor("#ffe082")
WAVE_CACHE = 800
DISPLAY_RANGE_DB = 40.0  # -40 dBFS on the centre line: hits and fades read as shapes


class Handle(Enum):
    FADE_IN = "fade in"
    FADE_OUT = "fade out"


def gain_to_y(gain_db: float, rect: QRectF) -> float:
    """Where the gain line sits in a block for a gain in dB (clamped to the block)."""
    share = (GAIN_TOP_DB - gain_db) / (GAIN_TOP_DB - GAIN_BOTTOM_DB)
    return rect.top() + 1 + min(1.0, max(0.0, share)) * (rect.height() - 2)


def display_level(values: np.ndarray) -> np.ndarray:
    """Sample values to heights on a dB scale (-40 dBFS at the centre line): a quiet bed still
    shows, and hits and fade ramps keep their shape."""
    db = 20.0 * np.log10(np.maximum(np.abs(values), 1e-9))
    heights: np.ndarray = np.sign(values) * np.clip(1.0 + db / DISPLAY_RANGE_DB, 0.0, 1.0)
    return heights


def envelope(placement: TakePlacement, grid_samples: np.ndarray) -> np.ndarray:
    """core.placement's gain x fade factor at many grid samples at once (0 where silent)."""
    lo, hi = placement.heard
    flo, fhi = placement.faded
    g = grid_samples
    out = np.where((g >= lo) & (g < hi), placement.gain, 0.0)
    n = fhi - flo
    if n > 0:
        k = g - flo
        inside = (k >= 0) & (k < n)
        fin = min(max(placement.fade_in, 0), n)
        if fin:
            ramp = inside & (k < fin)
            out = np.where(ramp, out * (k + 0.5) / placement.fade_in, out)
        fout = min(max(placement.fade_out, 0), n)
        if fout:
            ramp = inside & (k >= n - fout)
            out = np.where(ramp, out * (n - k - 0.5) / placement.fade_out, out)
    return out


def wave_mask_image(top: np.ndarray, bottom: np.ndarray, height: int, colour: QColor) -> QImage:
    """One vertical span per column from `top` to `bottom` (rows), drawn with numpy."""
    width = len(top)
    rows = np.arange(height, dtype=np.int32)[:, None]
    mask = (rows >= top[None, :]) & (rows <= bottom[None, :])
    image = QImage(max(1, width), height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    stride = image.bytesPerLine() // 4
    view = np.frombuffer(image.bits(), dtype=np.uint32, count=stride * height)
    argb = np.zeros((height, width), dtype=np.uint32)
    argb[mask] = colour.rgba()
    view.reshape(height, stride)[:, :width] = argb
    return image


class TakePeaksCache(QObject):
    """Peaks of take files, computed or read from the disk cache on one worker thread; `ready`
    fires on the GUI thread when one arrives (the timeline repaints)."""

    ready = Signal()
    _arrived = Signal(object, object)  # key, TakePeaks | None

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._peaks: OrderedDict[tuple[str, str], TakePeaks | None] = OrderedDict()
        self._pending: set[tuple[str, str]] = set()
        self._pool = background_pool(1, "foleydesk-take-peaks")
        self._arrived.connect(self._on_arrived)

    def key(self, take: Take) -> tuple[str, str]:
        return take.file, take.sha256

    def get(self, take: Take) -> TakePeaks | None:
        """The take's peaks if known; otherwise None now and `ready` later."""
        if take.status is not TakeStatus.READY or not take.file:
            return None
        key = self.key(take)
        if key in self._peaks:
            return self._peaks[key]
        if key not in self._pending:
            self._pending.add(key)
            path = self.project.take_path(take)
            cache_dir = self.project.cache_dir
            future = self._pool.submit(load_take_peaks, path, cache_dir, take.sha256)
            future.add_done_callback(partial(self._deliver, key))
        return None

    def load_now(self, take: Take) -> TakePeaks | None:
        """Blocking load (benchmarks, tests, the takes list's first rows)."""
        key = self.key(take)
        if key not in self._peaks:
            try:
                peaks: TakePeaks | None = load_take_peaks(
                    self.project.take_path(take), self.project.cache_dir, take.sha256
                )
            except Exception:
                log.warning("no waveform for take %s", take.id, exc_info=True)
                peaks = None
            self._peaks[key] = peaks
        return self._peaks[key]

    def _deliver(self, key: tuple[str, str], future: Future[TakePeaks]) -> None:
        try:
            peaks: TakePeaks | None = future.result()
        except Exception:
            log.warning("no waveform for %s", key[0], exc_info=True)
            peaks = None
        self._arrived.emit(key, peaks)  # queued onto the GUI thread

    def _on_arrived(self, key: tuple[str, str], peaks: TakePeaks | None) -> None:
        self._pending.discard(key)
        self._peaks[key] = peaks
        while len(self._peaks) > 2000:
            self._peaks.popitem(last=False)
        self.ready.emit()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class View:
    """The timeline's mapping of frames to x: x = left + (frame - first_frame) * px_per_frame."""

    left: float
    first_frame: float
    px_per_frame: float
    rate: Fraction
    _fps: float = field(default=0.0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frames per sample as a float once: painting calls x_of_sample thousands of times.
        object.__setattr__(self, "_fps", float(self.rate) / PROJECT_SAMPLE_RATE)

    def x_of_frame(self, frame: float) -> float:
        return self.left + (frame - self.first_frame) * self.px_per_frame

    def x_of_sample(self, sample: float) -> float:
        return self.left + (sample * self._fps - self.first_frame) * self.px_per_frame

    def sample_at(self, x: float) -> float:
        return (self.first_frame + (x - self.left) / self.px_per_frame) / self._fps


class CuePainter:
    """Paints takes into cue blocks and finds their handles; one per timeline widget."""

    def __init__(self, project: Project, peaks: TakePeaksCache) -> None:
        self.project = project
        self.peaks = peaks
        self._images: OrderedDict[tuple[object, ...], tuple[TakePlacement, QImage]] = OrderedDict()
        self._inks: dict[str, QColor] = {}
        self._placements: OrderedDict[tuple[int, int], tuple[Cue, Take, TakePlacement]] = (
            OrderedDict()
        )

    def placement(self, cue: Cue, take: Take) -> TakePlacement:
        """core.placement's answer, remembered per pair of records (rational arithmetic is slow;
        records are replaced on every edit, never changed in place)."""
        key = (id(cue), id(take))
        found = self._placements.get(key)
        if found is not None and found[0] is cue and found[1] is take:
            return found[2]
        placement = place_take(cue, take, file_time(self.project.source.frame_rate))
        # The entry holds the records, so their ids cannot be reused while it is here.
        self._placements[key] = (cue, take, placement)
        while len(self._placements) > PLACEMENT_CACHE:
            self._placements.popitem(last=False)
        return placement

    # -- painting --

    def paint(
        self,
        p: QPainter,
        cue: Cue,
        take: Take | None,
        rect: QRectF,
        view: View,
        clip: QRectF,
        selected: bool = False,
    ) -> None:
        """Everything of the take inside the block `rect` (already filled by the caller)."""
        if take is None:
            return
        left, right, width = rect.left(), rect.right(), rect.width()
        for lo, hi in not_generated(cue, take):
            x0, x1 = max(left, view.x_of_frame(lo)), min(right, view.x_of_frame(hi))
            if x1 > x0:
                hatch = QRectF(x0, rect.top(), x1 - x0, rect.height())
                p.fillRect(hatch, HATCH_SHADE)
                p.fillRect(hatch, HATCH_BRUSH)
        if take.status is not TakeStatus.READY or width < MIN_WAVE_PX:
            return
        placement = self.placement(cue, take)
        peaks = self.peaks.get(take)
        if peaks is not None:
            self._paint_wave(p, cue, take, placement, peaks, rect, view, clip)
        if width >= 4 * HANDLE_PX:
            self._paint_fades(p, placement, rect, view, selected)
            if selected or take.gain_db != 0.0:
                y = gain_to_y(take.gain_db, rect)
                p.setPen(QPen(GAIN_LINE, 1))
                p.drawLine(QPointF(rect.left() + 1, y), QPointF(rect.right() - 1, y))
        if take.moved_frames:
            p.setPen(QPen(MOVED, 1.5, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)
            if width > 90:
                font = QFont(p.font())
                font.setPointSizeF(max(6.5, font.pointSizeF() * 0.75))
                font.setBold(True)
                p.setFont(font)
                text = "moved"
                metrics = p.fontMetrics()
                tag = QRectF(
                    rect.right() - 34 - metrics.horizontalAdvance(text),
                    rect.bottom() - metrics.height() - 2,
                    metrics.horizontalAdvance(text) + 6,
                    metrics.height(),
                )
                p.fillRect(tag, QColor(16, 17, 20, 200))
                p.setPen(MOVED)
                p.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_wave(
        self,
        p: QPainter,
        cue: Cue,
        take: Take,
        placement: TakePlacement,
        peaks: TakePeaks,
        rect: QRectF,
        view: View,
        clip: QRectF,
    ) -> None:
        lo, hi = placement.heard
        height = int(rect.height()) - 4
        x_lo, x_hi = view.x_of_sample(lo), view.x_of_sample(hi)
        if x_hi - x_lo < 0.5 or height < 4 or x_hi < clip.left() or x_lo > clip.right():
            return
        # Narrow blocks: one small picture of the whole heard part, whatever the zoom. Wider:
        # the whole heard part at the zoom's power of two (reused, stretched, while zooming),
        # unless that is wider than a couple of screens: then only the visible part, exactly.
        colour = self._ink(cue.colour)
        if x_hi - x_lo <= OVERVIEW_COLUMNS:
            width, bucket = OVERVIEW_COLUMNS, 0.0
        else:
            bucket = 2.0 ** math.floor(math.log2(view.px_per_frame))
            width = math.ceil((hi - lo) * float(view.rate) / PROJECT_SAMPLE_RATE * bucket)
        if width <= WHOLE_IMAGE_PX and x_hi - x_lo <= 2 * clip.width() + WHOLE_IMAGE_PX / 4:
            # The placement is remembered per pair of records: its id is a cheap key (the
            # entry holds it, so the id cannot be reused while the entry lives).
            key: tuple[object, ...] = (take.sha256, id(placement), bucket, height, colour.rgba())
            found = self._images.get(key)
            if found is not None and found[0] is placement:
                image = found[1]
            else:
                spp = (hi - lo) / width
                image = self._wave(placement, peaks, float(lo), spp, width, height, colour)
                self._remember(key, placement, image)
            target = QRectF(x_lo, rect.top() + 2, x_hi - x_lo, height)
            p.drawImage(target, image)
            return
        x0, x1 = max(x_lo, clip.left()), min(x_hi, clip.right())
        width = int(x1 - x0)
        if width < 1:
            return
        key = (take.sha256, id(placement), view, round(x0, 2), width, height, colour.rgba())
        found = self._images.get(key)
        if found is not None and found[0] is placement:
            image = found[1]
        else:
            spp = PROJECT_SAMPLE_RATE / float(view.rate) / view.px_per_frame
            image = self._wave(placement, peaks, view.sample_at(x0), spp, width, height, colour)
            self._remember(key, placement, image)
        p.drawImage(QPointF(x0, rect.top() + 2), image)

    def _ink(self, colour: str) -> QColor:
        """The waveform's colour on a block of `colour` (parsed once)."""
        ink = self._inks.get(colour)
        if ink is None:
            ink = QColor(colour).darker(260)
            ink.setAlpha(235)
            self._inks[colour] = ink
        return ink

    def _remember(self, key: tuple[object, ...], placement: TakePlacement, image: QImage) -> None:
        self._images[key] = (placement, image)
        while len(self._images) > WAVE_CACHE:
            self._images.popitem(last=False)

    @staticmethod
    def _wave(
        placement: TakePlacement,
        peaks: TakePeaks,
        first: float,
        spp: float,
        width: int,
        height: int,
        colour: QColor,
    ) -> QImage:
        """`width` columns from grid sample `first`, `spp` samples each: the take's peaks
        scaled by gain and fades, on the dB display scale."""
        cols = peaks.columns(first - placement.start, spp, width).astype(np.float64)
        centres = first + (np.arange(width) + 0.5) * spp
        shown = display_level(cols * envelope(placement, np.floor(centres))[:, None])
        mid = (height - 1) / 2
        half = height / 2 - 1
        top = np.floor(mid - shown[:, 1] * half).astype(np.int32)
        bottom = np.ceil(mid - shown[:, 0] * half).astype(np.int32)
        return wave_mask_image(top, bottom, height, colour)

    def _paint_fades(
        self, p: QPainter, placement: TakePlacement, rect: QRectF, view: View, selected: bool
    ) -> None:
        handles = self.fade_handles(placement, rect, view)
        flo, fhi = placement.faded
        shade = QColor(10, 10, 12, 110)
        line = QColor("#f5f5f5")
        for handle, (hx, hy) in handles.items():
            length = placement.fade_in if handle is Handle.FADE_IN else placement.fade_out
            if length > 0:
                if handle is Handle.FADE_IN:
                    start = view.x_of_sample(flo)
                    corner = QPointF(start, rect.top())
                    ramp = (QPointF(start, rect.bottom()), QPointF(hx, rect.top()))
                else:
                    end = view.x_of_sample(fhi)
                    corner = QPointF(end, rect.top())
                    ramp = (QPointF(hx, rect.top()), QPointF(end, rect.bottom()))
                path = QPainterPath(corner)
                path.lineTo(ramp[0])
                path.lineTo(ramp[1])
                path.closeSubpath()
                p.fillPath(path, shade)
                p.setPen(QPen(line, 1))
                p.drawLine(*ramp)
            if selected or length > 0:
                box = QRectF(hx - HANDLE_PX / 2, hy, HANDLE_PX, HANDLE_PX)
                p.setPen(QPen(QColor("#101114"), 1))
                p.setBrush(line)
                p.drawRect(box)
                p.setBrush(Qt.BrushStyle.NoBrush)

    # -- handles --

    def fade_handles(
        self, placement: TakePlacement, rect: QRectF, view: View
    ) -> dict[Handle, tuple[float, float]]:
        """(x, top y) of the fade-in and fade-out handles: at the end of each ramp, kept inside
        the block and clear of the trim edges."""
        flo, fhi = placement.faded
        if fhi <= flo:
            return {}
        inset = HANDLE_GRAB_PX + 1
        fin = view.x_of_sample(flo + min(max(placement.fade_in, 0), fhi - flo))
        fout = view.x_of_sample(fhi - min(max(placement.fade_out, 0), fhi - flo))
        left, right = rect.left() + inset, rect.right() - inset
        top = rect.top() + 1
        return {
            Handle.FADE_IN: (min(right, max(left, fin)), top),
            Handle.FADE_OUT: (max(left, min(right, fout)), top),
        }

    def handle_at(
        self,
        cue: Cue,
        take: Take | None,
        rect: QRectF,
        view: View,
        pos: QPointF,
        selected: bool = False,
    ) -> Handle | None:
        """The fade handle square under the pointer. Only handles that are drawn (the selected
        cue's, or a fade that exists) can be grabbed, and only on their square, so the block's
        edges stay trim handles."""
        if take is None or take.status is not TakeStatus.READY:
            return None
        if rect.width() < 4 * HANDLE_PX or not rect.top() <= pos.y() <= rect.top() + HANDLE_GRAB_PX:
            return None
        handles = self.fade_handles(self.placement(cue, take), rect, view)
        lengths = {Handle.FADE_IN: take.fade_in_samples, Handle.FADE_OUT: take.fade_out_samples}
        best: Handle | None = None
        best_dx = HANDLE_PX / 2 + 1.5
        for handle, (hx, _hy) in handles.items():
            dx = abs(pos.x() - hx)
            if dx < best_dx and (selected or lengths[handle] > 0):
                best, best_dx = handle, dx
        return best

    def fade_for(self, handle: Handle, cue: Cue, take: Take, view: View, x: float) -> int:
        """The fade length in samples a handle dragged to `x` asks for (0 .. the heard part)."""
        placement = self.placement(cue, take)
        flo, fhi = placement.faded
        sample = view.sample_at(x)
        wanted = sample - flo if handle is Handle.FADE_IN else fhi - sample
        return int(max(0, min(fhi - flo, round(wanted))))
