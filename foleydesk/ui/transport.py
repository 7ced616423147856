"""Transport bar: source timecode and frame, play/pause, loop, play cue, volume, device status."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from foleydesk.media.loudness import LiveReading
from foleydesk.ui.elided import ElidedLabel


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
        layout.setSpacing(4)
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setObjectName("Timecode")
        self.timecode.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.frame_label = QLabel("frame 0")
        self.frame_label.setObjectName("Secondary")
        self._frame_digits = 0
        self._reserve_frame_width(3)
        layout.addWidget(self.timecode)
        layout.addWidget(self.frame_label)
        layout.addStretch(1)

        style = self.style()

        def button(icon: QStyle.StandardPixmap | str, tip: str) -> QToolButton:
            b = QToolButton()
            if isinstance(icon, str):
                b.setText(icon)
            else:
                b.setIcon(style.standardIcon(icon))
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(b)
            return b

        pix = QStyle.StandardPixmap
        self.start_button = button(pix.SP_MediaSkipBackward, self.tr("Go to start (Home)"))
        self.back_button = button(pix.SP_MediaSeekBackward, self.tr("Back one frame (Left)"))
        self.play_button = button(pix.SP_MediaPlay, self.tr("Play / pause (Space)"))
        self.play_button.setMinimumWidth(44)
        self.fwd_button = button(pix.SP_MediaSeekForward, self.tr("Forward one frame (Right)"))
        self.end_button = button(pix.SP_MediaSkipForward, self.tr("Go to end (End)"))
        self.loop_button = button(self.tr("Loop"), self.tr("Loop the selected cue"))
        self.loop_button.setCheckable(True)
        self.cue_button = QPushButton(self.tr("Play cue"))
        self.cue_button.setToolTip(self.tr("Play the selected cue with its chosen take"))
        self.cue_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.cue_button)
        layout.addStretch(1)
        vol = QLabel()
        vol.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume).pixmap(16))
        vol.setToolTip(self.tr("Playback volume"))
        layout.addWidget(vol)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(100)  # unity: what the export renders
        self.volume.setToolTip(self.tr("Playback volume (does not change the export)"))
        self.volume.setFixedWidth(80)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.volume)
        self.loudness = QLabel("")
        self.loudness.setObjectName("Secondary")
        self.loudness.setToolTip(
            self.tr(
                "Loudness of what plays (EBU R128): momentary, short-term, integrated since "
                "play started, highest true peak"
            )
        )
        layout.addWidget(self.loudness)
        self.device = ElidedLabel("")
        self.device.setObjectName("Secondary")
        self.device.setMaximumWidth(240)
        layout.addWidget(self.device)

        self._tips: dict[QWidget, str] = {}
        self.play_button.clicked.connect(self.play_toggled)
        self.back_button.clicked.connect(lambda: self.step.emit(-1))
        self.fwd_button.clicked.connect(lambda: self.step.emit(1))
        self.start_button.clicked.connect(self.go_start)
        self.end_button.clicked.connect(self.go_end)
        self.loop_button.toggled.connect(self.loop_toggled)
        self.cue_button.clicked.connect(self.play_cue)
        self.volume.valueChanged.connect(lambda _v: self.volume_changed.emit(self.volume_level()))

    def volume_level(self) -> float:
        """The slider as a linear gain, 0..1 (1 = unity)."""
        return self.volume.value() / 100

    def _reserve_frame_width(self, digits: int) -> None:
        """Room for the longest frame number of this source, so the bar never jumps while
        playing, without keeping a 2-hour source's width on a short clip."""
        if digits != self._frame_digits:
            self._frame_digits = digits
            zeros = "0" * digits
            self.frame_label.setMinimumWidth(
                self.frame_label.fontMetrics().horizontalAdvance(f"frame {zeros} / {zeros}") + 2
            )

    def set_position(self, timecode: str, frame: int, total: int) -> None:
        self._reserve_frame_width(max(3, len(str(total))))
        self.timecode.setText(timecode)
        self.frame_label.setText(self.tr("frame {0} / {1}").format(frame, total))

    def set_playing(self, playing: bool) -> None:
        pix = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pix))

    def set_playback_available(self, available: bool, reason: str) -> None:
        for b in (self.play_button, self.loop_button, self.cue_button, self.volume):
            if b not in self._tips:
                self._tips[b] = b.toolTip()
            b.setEnabled(available)
            b.setToolTip(self._tips[b] if available else reason)
        if not available:
            self.device.set_full_text(self.tr("no playback"))
            self.device.setToolTip(reason)

    def set_loudness(self, reading: LiveReading | None) -> None:
        """M, S, I in LUFS and the true peak in dBTP; '-' below the gate (silence)."""
        if reading is None:
            self.loudness.setText("")
            return

        def lufs(value: float | None) -> str:
            return f"{value:5.1f}" if value is not None else "   -"

        self.loudness.setText(
            f"M {lufs(reading.momentary)}  S {lufs(reading.short_term)}  "
            f"I {lufs(reading.integrated)} LUFS  TP {lufs(reading.true_peak)} dBTP"
        )

    def set_device_status(self, text: str, detail: str = "") -> None:
        """Short text in the bar, the whole of it in the tooltip."""
        self.device.set_own_tooltip(detail or text)
        self.device.set_full_text(text)
