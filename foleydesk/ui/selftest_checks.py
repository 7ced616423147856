"""The Qt half of `--self-test`: the bindings load, the offscreen platform is bundled, and the
real main window opens and closes. Kept here so that only foleydesk/ui imports Qt."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from foleydesk import APP_NAME


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([APP_NAME, "-platform", "offscreen"])
    return app


def qt_summary() -> str:
    """Which bindings, which Qt, which platform plugin answered."""
    app = application()
    return f"PySide6 {PySide6.__version__}, Qt {qVersion()}, platform {app.platformName()}"


def open_and_close_main_window() -> bool:
    """True when the real MainWindow showed and then closed."""
    from foleydesk.ui.main_window import MainWindow

    app = application()
    window = MainWindow()
    window.resize(960, 600)
    window.show()
    app.processEvents()
    shown = window.isVisible()
    window.close()
    app.processEvents()
    closed = not window.isVisible()
    window.deleteLater()
    app.processEvents()
    return shown and closed
