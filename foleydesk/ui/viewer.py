"""The picture: the current frame at its aspect, a timecode overlay, and drop-to-open."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QImage,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QWidget

from foleydesk.core.project import OPENABLE_SUFFIXES


class ViewerWidget(QWidget):
    file_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.frame_index: int | None = None
        self.timecode = ""
        self.note = self.tr("Drop a video or a .foleydesk project here")
        self.display_aspect = 16 / 9
        self.setAcceptDrops(True)
        self.setMinimumSize(320, 180)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(800, 450)

    def set_aspect(self, width: int, height: int) -> None:
        if width > 0 and height > 0:
            self.display_aspect = width / height
            self.update()

    def set_frame(self, index: int, image: QImage) -> None:
        self.frame_index, self.image = index, image
        self.update()

    def set_timecode(self, text: str) -> None:
        self.timecode = text
        self.update()

    def set_note(self, text: str) -> None:
        self.note = text
        self.update()

    def picture_rect(self) -> QRectF:
        w, h = self.width(), self.height()
        if w / max(1, h) > self.display_aspect:
            pw, ph = h * self.display_aspect, float(h)
        else:
            pw, ph = float(w), w / self.display_aspect
        return QRectF((w - pw) / 2, (h - ph) / 2, pw, ph)

    def wanted_size(self) -> tuple[int, int]:
        """Decode at the size shown (in device pixels), even numbers for swscale."""
        rect = self.picture_rect()
        ratio = self.devicePixelRatioF()
        return (
            max(2, int(rect.width() * ratio) // 2 * 2),
            max(2, int(rect.height() * ratio) // 2 * 2),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor("#0c0c0d"))
            rect = self.picture_rect()
            if self.image is not None:
                ratio = self.devicePixelRatioF()
                exact = (
                    abs(self.image.width() - rect.width() * ratio) < 2
                    and abs(self.image.height() - rect.height() * ratio) < 2
                )
                if exact:  # decoded at the shown size: a plain copy, no resampling per paint
                    self.image.setDevicePixelRatio(ratio)
                    p.drawImage(rect.topLeft().toPoint(), self.image)
                else:
                    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                    p.drawImage(rect, self.image)
            else:
                p.fillRect(rect, QColor("#141416"))
                p.setPen(QColor("#8a9099"))
                p.drawText(
                    rect.adjusted(20, 20, -20, -20),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    self.note,
                )
            if self.timecode:
                font = QFont("DejaVu Sans Mono")
                font.setStyleHint(QFont.StyleHint.Monospace)
                font.setPointSizeF(max(9.0, min(16.0, rect.height() / 26)))
                p.setFont(font)
                metrics = p.fontMetrics()
                text_w = metrics.horizontalAdvance(self.timecode) + 14
                box = QRectF(
                    rect.center().x() - text_w / 2,
                    rect.bottom() - metrics.height() - 14,
                    text_w,
                    metrics.height() + 6,
                )
                p.fillRect(box, QColor(0, 0, 0, 170))
                p.setPen(QColor("#f4f4f4"))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, self.timecode)
        finally:
            p.end()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().lower().endswith(OPENABLE_SUFFIXES):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls:
            self.file_dropped.emit(urls[0].toLocalFile())
            event.acceptProposedAction()
