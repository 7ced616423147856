"""Where the keys go: text fields give them back to the timeline, the wheel never edits a value.

An editor's hands expect Esc, Enter and Ctrl+Enter to leave a field keeping what was typed
(Shift+Enter breaks the line), a click on a button, the viewer or the timeline to take focus out
of a field, and single-key shortcuts (G, I, O...) never to land in a field the editor did not
click into. One application event filter per main window does this for every field in it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

FIELD_TYPES = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)
LEAVE_KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter)
# What a combo box the editor clicked or tabbed into does with the arrows (choose the next item)
# instead of the timeline (next edit point, a frame). Letters stay shortcuts: a provider box
# holds paid hosts, and a letter jumping to one is not what G or I meant.
COMBO_KEYS = (
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
)


def is_field(widget: QObject | None) -> bool:
    """A place that types text (a combo's own line edit and a table's cell editor excluded:
    those have their own Enter and Esc)."""
    if not isinstance(widget, FIELD_TYPES):
        return False
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QAbstractItemView, QComboBox)):
            return False
        parent = parent.parentWidget()
    return True


def leaves_field(event: QKeyEvent) -> bool:
    """Esc, Enter and Ctrl+Enter leave a field; Shift+Enter is a new line."""
    if event.key() not in LEAVE_KEYS:
        return False
    return not (event.modifiers() & Qt.KeyboardModifier.ShiftModifier)


class FieldKeys(QObject):
    """Installed on the application for one window; `home` is the widget that gets the keys."""

    def __init__(
        self,
        window: QWidget,
        home: Callable[[], QWidget | None],
        help_sheet: Callable[[], object],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.home = home
        self.help_sheet = help_sheet
        self.k_held = False  # K is down: J and L step a frame (K+J, K+L)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        window.destroyed.connect(lambda *_a: app.removeEventFilter(self))

    def give_back(self) -> None:
        """Leave the field (its focus-out commits it) and hand the keys to the timeline."""
        target = self.home()
        focus = QApplication.focusWidget()
        if focus is not None and is_field(focus):
            # Cleared first: a field in a floating panel, or a timeline not shown yet (a new
            # project's views appear on the next pass of the loop), would otherwise keep it.
            focus.clearFocus()
        if target is not None:
            if not target.window().isActiveWindow():
                target.window().activateWindow()
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ours(self, widget: QWidget) -> bool:
        """In this window, a floating dock of it included; a dialog (its own Enter and Esc)
        is not."""
        try:
            current: QWidget | None = widget
            while current is not None:
                if current is self.window:
                    return True
                if isinstance(current, QDialog):
                    return False
                current = current.parentWidget()
        except RuntimeError:  # deleted
            pass
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            self._track_k(watched, event)
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            if not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget):
                return False
            if self._cell_key(watched, event):
                event.accept()  # Enter/Esc commit or cancel the cell, not "Make cue"/"Clear"
                return kind is QEvent.Type.ShortcutOverride
            if self._combo_key(watched, event):
                event.accept()  # the combo gets the key press itself, not a shortcut
                return kind is QEvent.Type.ShortcutOverride
            if not is_field(watched):
                return self._question(watched, event)
            if not self._ours(watched) or not leaves_field(event):
                return False
            if kind is QEvent.Type.ShortcutOverride:
                event.accept()  # Esc is also "clear marks": the field gets it first
                return True
            self.give_back()
            return True
        if kind is QEvent.Type.MouseButtonPress and isinstance(watched, QWidget):
            self._on_press(watched)
        return False

    def _cell_key(self, widget: QWidget, event: QKeyEvent) -> bool:
        """Enter or Esc in a table cell's editor of this window (the view then closes the
        editor, and the window gives the keys back to the timeline)."""
        if event.key() not in LEAVE_KEYS or not isinstance(widget, FIELD_TYPES):
            return False
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractItemView):
            parent = parent.parentWidget()
        return parent is not None and self._ours(widget)

    def _combo_key(self, widget: QWidget, event: QKeyEvent) -> bool:
        """An arrow (or Page/Home/End) for a focused combo box of this window."""
        if not isinstance(widget, QComboBox) or not widget.hasFocus() or not self._ours(widget):
            return False
        other = (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
            | Qt.KeyboardModifier.ShiftModifier
        )
        return event.key() in COMBO_KEYS and not event.modifiers() & other

    def _track_k(self, watched: QObject, event: QEvent) -> None:
        if not isinstance(event, QKeyEvent) or event.key() != Qt.Key.Key_K:
            return
        if is_field(watched) or event.isAutoRepeat():
            return
        self.k_held = event.type() is not QEvent.Type.KeyRelease

    def _question(self, widget: QWidget, event: QKeyEvent) -> bool:
        """ "?" opens the key sheet. Not a QShortcut: on X11 "?" also matches "Shift+/" and Qt
        calls the pair ambiguous (the sheet never opened); the key itself is unambiguous."""
        if event.key() != Qt.Key.Key_Question or event.type() is not QEvent.Type.KeyPress:
            return False
        other = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        if event.modifiers() & other or not self._ours(widget) or event.isAutoRepeat():
            return False
        if isinstance(widget, QAbstractItemView) and widget.state() is widget.State.EditingState:
            return False
        self.help_sheet()
        return True

    def _on_press(self, widget: QWidget) -> None:
        """A click on a button (or anything that takes no focus) takes focus out of a field."""
        focus = QApplication.focusWidget()
        if focus is None or not is_field(focus) or widget is focus or focus.isAncestorOf(widget):
            return
        if not self._ours(widget):
            return
        takes_focus = widget.focusPolicy() & Qt.FocusPolicy.ClickFocus
        if isinstance(widget, QAbstractButton) or not takes_focus:
            self.give_back()


class WheelGuard(QObject):
    """Combo and spin boxes change with the wheel only when they have focus; otherwise the
    wheel goes to the scroll area they sit in, which scrolls."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() is not QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        if watched.hasFocus() or not isinstance(event, QWheelEvent):
            return False
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:
            # Sent on explicitly: Qt propagates only the window system's own wheel events.
            viewport = area.viewport()
            pos = QPointF(viewport.mapFromGlobal(event.globalPosition().toPoint()))
            QApplication.sendEvent(
                viewport,
                QWheelEvent(
                    pos,
                    event.globalPosition(),
                    event.pixelDelta(),
                    event.angleDelta(),
                    event.buttons(),
                    event.modifiers(),
                    event.phase(),
                    event.inverted(),
                ),
            )
        event.accept()
        return True


def guard_wheel(root: QWidget) -> WheelGuard:
    """Install one WheelGuard on every combo and spin box under `root` (and make them take
    focus by click or Tab, not by the wheel)."""
    guard = WheelGuard(root)
    for widget in root.findChildren(QWidget):
        if isinstance(widget, (QComboBox, QAbstractSpinBox)):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(guard)
    return guard
