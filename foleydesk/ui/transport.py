"""Transport bar: source timecode and frame, play/pause, loop, play cue, volume, device status."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QWidget,
)


class TransportBar(QWidget):
    play_toggled = Signal()
    step = Signal(int)  # frames
    go_start = Signal()
    go_end = Signal()
    loop_toggled = Signal(bool)
    play_cue = Signal()
    volume_changed = Signal(float)  # 0..1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(6)
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setObjectName("Timecode")
        self.timecode.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.frame_label = QLabel("frame 0")
        self.frame_label.setObjectName("Secondary")
        layout.addWidget(self.timecode)
        layout.addWidget(self.frame_label)
        layout.addStretch(1)

        def button(text: str, tip: str) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(b)
            return b

        self.start_button = button("\u23ee", self.tr("Go to start (Home)"))
        self.back_button = button("\u25c0", self.tr("Back one frame (Left)"))
        self.play_button = button("\u25b6", self.tr("Play / pause (Space)"))
        self.play_button.setMinimumWidth(44)
        self.fwd_button = button("\u25b6|", self.tr("Forward one frame (Right)"))
        self.end_button = button("\u23ed", self.tr("Go to end (End)"))
        self.loop_button = button("\u27f3 " + self.tr("Loop"), self.tr("Loop the selected cue"))
        self.loop_button.setCheckable(True)
        self.cue_button = QPushButton(self.tr("Play cue"))
        self.cue_button.setToolTip(self.tr("Play the selected cue with its chosen take"))
        self.cue_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.cue_button)
        layout.addStretch(1)
        vol = QLabel(self.tr("Volume"))
        vol.setObjectName("Secondary")
        layout.addWidget(vol)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFixedWidth(110)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.volume)
        self.device = QLabel("")
        self.device.setObjectName("Secondary")
        layout.addWidget(self.device)

        self.play_button.clicked.connect(self.play_toggled)
        self.back_button.clicked.connect(lambda: self.step.emit(-1))
        self.fwd_button.clicked.connect(lambda: self.step.emit(1))
        self.start_button.clicked.connect(self.go_start)
        self.end_button.clicked.connect(self.go_end)
        self.loop_button.toggled.connect(self.loop_toggled)
        self.cue_button.clicked.connect(self.play_cue)
        self.volume.valueChanged.connect(lambda v: self.volume_changed.emit(v / 100))

    def set_position(self, timecode: str, frame: int, total: int) -> None:
        self.timecode.setText(timecode)
        self.frame_label.setText(self.tr("frame {0} / {1}").format(frame, total))

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("\u23f8" if playing else "\u25b6")

    def set_playback_available(self, available: bool, reason: str) -> None:
        for b in (self.play_button, self.loop_button, self.cue_button, self.volume):
            b.setEnabled(available)
            b.setToolTip(reason if not available else b.toolTip())
        if not available:
            self.device.setText(self.tr("no playback engine"))
            self.device.setToolTip(reason)

    def set_device_status(self, text: str) -> None:
        self.device.setText(text)
