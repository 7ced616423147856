"""The lane menu sets the lane's post category and UCS CatID, each one undo step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QInputDialog

from foleydesk.ui.timeline_menu import lane_menu


def test_lane_category_and_cat_id_from_the_lane_menu(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    assert run(window.open_async(fresh_video))
    session = window.session
    lane = session.project.lane_by_number(2)
    menu = lane_menu(window, lane.id)
    categories = next(a.menu() for a in menu.actions() if a.menu() is not None)
    checked = [a.text() for a in categories.actions() if a.isChecked()]
    assert checked == ["Foley"]  # a Foley lane's own category
    sfx = next(a for a in categories.actions() if a.text() == "SFX")
    sfx.trigger()
    assert session.project.lanes[lane.id].category == "SFX"
    session.undo_stack.undo()
    assert session.project.lanes[lane.id].stem_category.value == "Foley"

    ucs = next(a for a in menu.actions() if a.text().startswith("UCS CatID"))
    ucs.trigger()
    dialog = window.findChild(QInputDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue("DOOR Wood")  # not a CatID: refused with a banner
    dialog.accept()
    assert "not a UCS CatID" in window.banner.text
    assert session.project.lanes[lane.id].ucs_cat_id == ""
    ucs.trigger()
    dialog = [d for d in window.findChildren(QInputDialog) if d.isVisible()][-1]
    dialog.setTextValue("DOORWood")
    dialog.accept()
    assert session.project.lanes[lane.id].ucs_cat_id == "DOORWood"
