"""The keyboard help sheet (?): an editor's habits, in one table."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

SHORTCUTS = (
    ("Space", "Play / pause"),
    ("Shift+Space", "Play the marked range once (the selected cue when nothing is marked)"),
    ("J / K / L", "Backwards / stop / forwards; again: 2x, 4x, 8x (backwards is muted)"),
    ("K+J / K+L", "Hold K: one frame back / forward"),
    ("Left / Right", "One frame back / forward (Shift: ten frames)"),
    ("Up / Down, ; / '", "Previous / next edit point (cue edges, markers, marks)"),
    ("Home / End", "Start / end of the source"),
    ("I / O", "Mark In / Out on the ruler (never moves a cue; Out shows its last frame)"),
    ("Shift+I / Shift+O", "Go to the In / Out mark"),
    ("X", "Mark the cue under the playhead"),
    ("D", "Select the cue under the playhead (again: the next one on another lane)"),
    ("Alt+X, Esc", "Clear In and Out"),
    ("Enter", "Make a cue from the marks on the lane last clicked (no marks: edit the prompt)"),
    ("Drag in a lane", "Mark a range there; it becomes a cue on release"),
    ("[ / ]", "Trim the selected cue's start / end to the playhead"),
    ("M", "Add a marker at the playhead"),
    ("Shift+M / Ctrl+Shift+M", "Next / previous marker"),
    ("Alt+M", "Delete the marker at the playhead (or the nearest one before it)"),
    ("G", "Generate takes for the selected cue"),
    ("C", "Choose the selected take"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Delete", "Delete the selected cue (or take, in the takes list)"),
    ("Ctrl+Wheel, = / -", "Zoom the timeline (\\ fits the whole source)"),
    ("Ctrl+E", "Export"),
    ("In a text field", "Enter, Ctrl+Enter or Esc: keep the text, keys back to the timeline"),
    ("", "Shift+Enter: new line; Tab: next field"),
    ("?, F1", "This sheet"),
)


class HelpSheet(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        rows = "".join(
            f"<tr><td style='padding:3px 16px 3px 0'><b>{key}</b></td><td>{self.tr(what)}</td></tr>"
            for key, what in SHORTCUTS
        )
        label = QLabel(f"<table>{rows}</table>")
        layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
