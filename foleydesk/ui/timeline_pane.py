"""The timeline as laid out in the window: zoom/fit/snap tools, the pending in-mark note, the
timeline itself and a horizontal scroll bar that follows its zoom and scroll."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QScrollBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from foleydesk.ui.elided import ElidedLabel
from foleydesk.ui.session import ProjectSession
from foleydesk.ui.timeline import TimelineWidget

ZOOM_STEP = 1.5
MIN_VISIBLE_H = 120  # the ruler and a lane or two stay in view however small the pane


class TimelinePane(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.timeline = TimelineWidget(session)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.tools = self._tools()
        layout.addWidget(self.tools)
        # Lanes scroll up and down when the pane is short, so the cue list below can grow.
        self.lanes_scroll = QScrollArea()
        self.lanes_scroll.setWidget(self.timeline)
        self.lanes_scroll.setWidgetResizable(True)
        self.lanes_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.lanes_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lanes_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lanes_scroll.setMinimumHeight(MIN_VISIBLE_H)
        layout.addWidget(self.lanes_scroll, 1)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.valueChanged.connect(self.timeline.scroll_to)
        layout.addWidget(self.scrollbar)
        self.timeline.view_changed.connect(self._sync_scrollbar)
        session.marks_changed.connect(self._update_marks_label)
        QTimer.singleShot(0, self, self._sync_scrollbar)  # once laid out; never after deletion

    def full_height(self) -> int:
        """The height that shows every lane without scrolling."""
        extra = self.tools.sizeHint().height() + self.scrollbar.sizeHint().height()
        return self.timeline.content_height() + extra

    def _tools(self) -> QWidget:
        tools = QWidget()
        row = QHBoxLayout(tools)
        row.setContentsMargins(4, 2, 4, 2)
        for text, tip, slot in (
            ("\u2212", self.tr("Zoom out (-)"), self.zoom_out),
            ("+", self.tr("Zoom in (=)"), self.zoom_in),
            (self.tr("Fit"), self.tr("Show the whole source (\\)"), self.timeline.fit),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            row.addWidget(button)
        snap = QToolButton()
        snap.setText(self.tr("Snap"))
        snap.setCheckable(True)
        snap.setChecked(True)
        snap.setToolTip(self.tr("Snap cue edges to the playhead, markers and other cues"))
        snap.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        snap.toggled.connect(lambda on: setattr(self.timeline, "snap", on))
        row.addWidget(snap)
        self.marks_label = ElidedLabel()
        self.marks_label.setObjectName("Secondary")
        row.addWidget(self.marks_label)
        row.addStretch(1)
        return tools

    def zoom_in(self) -> None:
        self.timeline.zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.timeline.zoom(1 / ZOOM_STEP)

    def _sync_scrollbar(self) -> None:
        scale = self.timeline.scale
        page = max(1, int(scale.visible_frames))
        self.scrollbar.blockSignals(True)
        self.scrollbar.setRange(0, max(0, scale.frame_count - page))
        self.scrollbar.setPageStep(page)
        self.scrollbar.setSingleStep(max(1, page // 20))
        self.scrollbar.setValue(int(scale.first_frame))
        self.scrollbar.blockSignals(False)

    def _update_marks_label(self) -> None:
        """In and Out as the NLEs show them (Out: the last included frame) and what next."""
        session = self.session
        mark_in, mark_out = session.mark_in, session.mark_out
        parts = []
        if mark_in is not None:
            parts.append(self.tr("In {0}").format(session.timecode(mark_in)))
        if mark_out is not None:
            parts.append(self.tr("Out {0}").format(session.timecode(mark_out - 1)))
        if mark_in is not None and mark_out is not None:
            parts.append(self.tr("{0} frames: Enter makes a cue").format(mark_out - mark_in))
        elif mark_in is not None:
            parts.append(self.tr("O at the last frame, then Enter"))
        self.marks_label.set_full_text("  ".join(parts))
