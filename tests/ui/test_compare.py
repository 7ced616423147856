"""Compare models on one cue, with real key events: Shift+G opens the choice with a price per
offering and the total, three models make three takes labelled and grouped by model, Alt+Down
steps through them, the chosen take's model is on the timeline block, spend is in the ledger."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from foleydesk.core.model import TakeStatus
from foleydesk.jobs.limits import UsageLedger
from tests.fakes.harness import start_host
from tests.ui.test_timeline_menu import add_cue, opened

PICK = ("sketch@offline", "mmaudio@wavespeed", "hunyuan-foley@wavespeed")


def test_compare_three_models_on_one_cue(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foleydesk.ui.compare import CompareDialog

    server = start_host(monkeypatch, "wavespeed", latency=0.1)
    with server:
        session = opened(window, run, qtbot, fresh_video)
        project = session.project
        cue_id = add_cue(session, 5, 45, prompt="wooden knock")
        session.set_selection([cue_id])
        qtbot.keyClick(window.timeline, Qt.Key.Key_G, Qt.KeyboardModifier.ShiftModifier)

        def dialog() -> CompareDialog | None:
            found = [w for w in QApplication.topLevelWidgets() if isinstance(w, CompareDialog)]
            return found[0] if found and found[0].isVisible() else None

        qtbot.waitUntil(lambda: dialog() is not None, timeout=5000)
        box = dialog()
        assert box is not None
        for check, offering in box.checks:
            check.setChecked(offering.key in PICK)
        picked = [o for o in box.chosen()]
        assert sorted(o.key for o in picked) == sorted(PICK)
        total = sum(box.cost(o) or 0.0 for o in picked)
        assert total > 0 and f"${total:.4f}" in box.total.text()
        for check, offering in box.checks:  # each line shows its own price
            if offering.key in PICK:
                cost = box.cost(offering) or 0.0
                assert ("free" if cost == 0 else f"${cost:.4f}") in check.text()
        qtbot.mouseClick(box.send, Qt.MouseButton.LeftButton)

        def ready() -> int:
            return sum(t.status is TakeStatus.READY for t in project.takes_for(cue_id))

        qtbot.waitUntil(lambda: ready() == 3, timeout=30_000)
    panel = window.takes_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3, timeout=3000)
    labels = [panel.table.item(row, 2).text() for row in range(3)]
    assert sorted(labels) == sorted(
        ["Offline sketch @ offline", "MMAudio v2 @ wavespeed", "HunyuanVideo-Foley @ wavespeed"]
    )
    panel.table.selectRow(0)
    first = session.selected_take_id
    window.activateWindow()  # the dialog had the keys; back to the timeline, as a click would
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert session.selected_take_id not in (None, first)
    while panel.table.item(panel.table.currentRow(), 2).text() != labels[-1]:
        qtbot.keyClick(window.timeline, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(window.timeline, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: project.cues[cue_id].chosen_take_id is not None, timeout=3000)
    assert window.timeline._chosen_model(project.cues[cue_id]) == labels[-1]
    assert UsageLedger().spent("wavespeed", time.time()) > 0
    mono_row = labels.index("MMAudio v2 @ wavespeed")
    panel.table.selectRow(mono_row)
    panel.pan.setValue(-100)
    panel.pan.editingFinished.emit()
    take_id = session.selected_take_id
    qtbot.waitUntil(lambda: project.takes[take_id].pan == -1.0, timeout=3000)
