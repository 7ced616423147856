"""A message bar inside the window: errors and notices without a modal box in the way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from foleydesk.errors import UserError


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton()
        close.setText("\u2715")
        close.setToolTip(self.tr("Dismiss"))
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def show_error(self, error: BaseException) -> None:
        if isinstance(error, UserError):
            text = f"<b>{_escape(error.message)}</b>"
            if error.hint:
                text += f"<br>{_escape(error.hint)}"
        else:
            text = f"<b>{_escape(str(error) or type(error).__name__)}</b>"
        self._show(text, "Banner")

    def show_info(self, text: str) -> None:
        self._show(_escape(text), "InfoBanner")

    def _show(self, html: str, name: str) -> None:
        self.setObjectName(name)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(html)
        self.show()


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
    )
