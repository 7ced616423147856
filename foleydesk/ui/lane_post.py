"""The lane menu's post-sound entries: the lane's stem category and its UCS CatID."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QInputDialog, QMenu

from foleydesk.core.commands import EditLane
from foleydesk.core.model import Category, Lane
from foleydesk.errors import UserError
from foleydesk.media.ucs import check_cat_id

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow


def set_lane(window: MainWindow, lane_id: int, **changes: str) -> None:
    session = window.session
    if session is None:
        return
    try:
        session.push(EditLane(lane_id, changes, window.tr("Edit lane")))
    except UserError as exc:
        window.show_error(exc)


def ask_cat_id(window: MainWindow, lane: Lane) -> None:
    """A small input dialog, opened (not exec'd: no nested loop under qasync)."""
    dialog = QInputDialog(window)
    dialog.setWindowTitle(window.tr("UCS CatID"))
    dialog.setLabelText(
        window.tr("CatID from the UCS list for {0}'s clips (e.g. FOLYFeet):").format(lane.name)
    )
    dialog.setTextValue(lane.ucs_cat_id)

    def accepted(text: str) -> None:
        try:
            value = check_cat_id(text)
        except UserError as exc:
            window.show_error(exc)
            return
        set_lane(window, lane.id, ucs_cat_id=value)

    dialog.textValueSelected.connect(accepted)
    dialog.open()


def add_post_entries(window: MainWindow, menu: QMenu, lane: Lane) -> None:
    tr = window.tr
    categories = menu.addMenu(tr("Category (stems, spotting sheet)"))
    group = QActionGroup(categories)
    for category in Category:
        if category is Category.DIALOGUE:
            continue  # the source's own audio is the dialogue
        action = categories.addAction(tr(category.value))
        action.setCheckable(True)
        action.setChecked(lane.stem_category is category)
        group.addAction(action)
        action.triggered.connect(
            lambda _checked=False, c=category: set_lane(window, lane.id, category=c.value)
        )
    label = (
        tr("UCS CatID: {0}...").format(lane.ucs_cat_id) if lane.ucs_cat_id else tr("UCS CatID...")
    )
    menu.addAction(label, lambda: ask_cat_id(window, lane))
