"""The dark theme: Fusion with a neutral palette plus resources/theme.qss for the details."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

PALETTE = {
    QPalette.ColorRole.Window: "#1e1f22",
    QPalette.ColorRole.WindowText: "#e6e7ea",
    QPalette.ColorRole.Base: "#16171a",
    QPalette.ColorRole.AlternateBase: "#1d1f22",
    QPalette.ColorRole.Text: "#e6e7ea",
    QPalette.ColorRole.Button: "#2e3136",
    QPalette.ColorRole.ButtonText: "#e6e7ea",
    QPalette.ColorRole.Highlight: "#2f6fb8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2b2d31",
    QPalette.ColorRole.ToolTipText: "#e6e7ea",
    QPalette.ColorRole.PlaceholderText: "#7d838c",
    QPalette.ColorRole.Link: "#6fa8ec",
}


def resources_dir() -> Path:
    """resources/ beside the package (source tree) or inside a frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in PALETTE.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(disabled, role, QColor("#6b7078"))
    palette.setColor(disabled, QPalette.ColorRole.WindowText, QColor("#6b7078"))
    app.setPalette(palette)
    qss = resources_dir() / "theme.qss"
    try:
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    except OSError:
        log.warning("theme stylesheet %s is missing; using the palette only", qss)
