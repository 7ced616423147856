"""The keyboard help sheet (?): an editor's habits, in one table."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

SHORTCUTS = (
    ("Space", "Play / pause"),
    ("J / K / L", "Back one second / stop / play forwards (again: 2x, 4x, 8x)"),
    ("Left / Right", "One frame back / forward (Shift: ten frames)"),
    ("Up / Down", "Previous / next cue edge"),
    ("Home / End", "Start / end of the source"),
    ("I", "Mark in (inside the selected cue: move its in point)"),
    ("O", "Mark out: makes a cue from the in mark (or moves the selected cue's out)"),
    ("Esc", "Clear the in mark"),
    ("M", "Add a marker at the playhead"),
    ("Shift+M", "Delete the marker at the playhead (or the nearest one before it)"),
    ("Enter", "Edit the selected cue's prompt"),
    ("G", "Generate takes for the selected cue"),
    ("C", "Choose the selected take"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Delete", "Delete the selected cue (or take, in the takes list)"),
    ("Ctrl+Wheel, = / -", "Zoom the timeline (\\ fits the whole source)"),
    ("Ctrl+E", "Export"),
    ("?", "This sheet"),
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
