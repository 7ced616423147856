"""The keyboard help sheet (?): an editor's habits, in one table."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS = (
    ("Space", "Play / pause"),
    ("Shift+Space", "Play the marked range once (the selected cue when nothing is marked)"),
    ("J / K / L", "Backwards / stop / forwards; again: 2x, 4x, 8x (backwards is muted)"),
    ("K+J / K+L", "Hold K: one frame back / forward"),
    ("Left / Right", "One frame back / forward"),
    ("Shift+Left / Shift+Right", "Ten frames back / forward"),
    ("Up / Down, ; / '", "Previous / next edit point (cue edges, markers, marks)"),
    ("Home / End", "Start / end of the source"),
    ("I / O", "Mark In / Out on the ruler (never moves a cue; Out shows its last frame)"),
    ("Shift+I / Shift+O", "Go to the In / Out mark"),
    ("X", "Mark the cue under the playhead"),
    ("D", "Select the cue under the playhead (again: the next one on another lane)"),
    ("Alt+X, Esc", "Clear In and Out"),
    (
        "Enter, Return",
        "Make a cue from the marks on the lane last clicked (no marks: edit the prompt)",
    ),
    ("Drag in a lane", "Mark a range there; it becomes a cue on release"),
    ("Right-click", "A cue's or a lane's commands (split, duplicate, colour, lane...)"),
    ("[ / ]", "Trim the selected cue's start / end to the playhead"),
    ("M", "Add a marker at the playhead"),
    ("Shift+M / Ctrl+Shift+M", "Next / previous marker"),
    ("Alt+M", "Delete the marker at the playhead (or the nearest one before it)"),
    ("G", "Generate the selected cues (several: one question, with the total cost if paid)"),
    ("C", "Choose the selected take"),
    ("Shift+G", "Compare models: generate the selected cues on several models at once"),
    ("Alt+Up / Alt+Down", "Previous / next take (while the cue loops: heard at once)"),
    ("Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y", "Undo / redo"),
    ("Ctrl+A", "Select every cue (Ctrl/Shift+click or Ctrl/Shift+drag: add to the selection)"),
    ("Del, Backspace", "Delete the selected cues (or take, in the takes list)"),
    ("Ctrl+Wheel, = / -, +, Ctrl+= / Ctrl+-", "Zoom the timeline in / out"),
    ("\\, Ctrl+0", "Fit the whole source"),
    ("Ctrl+O", "Open a video or a project"),
    ("Ctrl+E", "Export"),
    ("In a text field", "Enter, Ctrl+Enter or Esc: keep the text, keys back to the timeline"),
    ("", "Shift+Enter: new line; Tab: next field"),
    ("?, F1", "This sheet"),
)


class HelpSheet(QDialog):
    """Two columns of keys, so the whole sheet fits a 1280x800 window without scrolling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        columns = QHBoxLayout()
        half = (len(SHORTCUTS) + 1) // 2
        for part in (SHORTCUTS[:half], SHORTCUTS[half:]):
            rows = "".join(
                f"<tr><td style='padding:2px 14px 2px 0'><b>{escape(key)}</b></td>"
                f"<td>{escape(self.tr(what))}</td></tr>"
                for key, what in part
            )
            label = QLabel(f"<table>{rows}</table>")
            label.setAlignment(Qt.AlignmentFlag.AlignTop)
            columns.addWidget(label, 1)
        layout.addLayout(columns)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
