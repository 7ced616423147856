"""The loudness of what plays, in the status bar: momentary, short-term, integrated since play
started (LUFS) and the highest true peak (dBTP), from playback/meter.py's LiveLoudness."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from foleydesk.media.loudness import LiveReading

WIDEST = "M -99.9  S -99.9  I -99.9 LUFS   TP -99.9 dBTP"


class LoudnessMeterLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Secondary")
        self.setToolTip(
            self.tr(
                "Loudness of what plays (EBU R128): momentary (M), short-term (S) and "
                "integrated since play started (I) in LUFS; highest true peak (TP) in dBTP"
            )
        )
        # Reserved in the label's own styled font, so nothing moves as the figures appear.
        self.ensurePolished()
        self.setFixedWidth(self.fontMetrics().horizontalAdvance(WIDEST) + 12)

    def set_reading(self, reading: LiveReading | None) -> None:
        """'-' below the gate (silence); empty until something has played."""
        if reading is None:
            self.setText("")
            return

        def value(figure: float | None) -> str:
            return f"{figure:.1f}" if figure is not None else "\u2013"

        self.setText(
            f"M {value(reading.momentary)}  S {value(reading.short_term)}  "
            f"I {value(reading.integrated)} LUFS   TP {value(reading.true_peak)} dBTP"
        )
