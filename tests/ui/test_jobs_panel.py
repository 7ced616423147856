"""The jobs panel: a lost submission is never re-sent without the user's say; cancel works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from foleydesk.core.model import Cue, Job, JobState
from foleydesk.jobs.requests import build_request


@pytest.fixture()
def opened(window: Any, run: Any, fresh_video: Path) -> Any:
    assert run(window.open_async(fresh_video))
    return window


def _uncertain_job(window: Any) -> Job:
    project = window.session.project
    lane = project.sorted_lanes()[0]
    cue = project.add_cue(Cue(0, lane.id, 5, 35, prompt="door slam", provider_id="offline"))
    request = build_request(cue, 7, {})
    return project.add_job(
        Job(0, cue.id, "offline", request=request, state=JobState.UNCERTAIN, submit_attempts=1)
    )


def test_uncertain_submission_can_be_dropped(opened: Any, qtbot: Any) -> None:
    window = opened
    job = _uncertain_job(window)
    panel = window.jobs_panel
    window.side_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=3000)
    panel.table.selectRow(0)
    assert panel.check_button.isVisible() and panel.resend_button.isVisible()
    assert "may be paid twice" in panel.note.text()
    panel.check_button.click()
    project = window.session.project
    assert project.job(job.id).state is JobState.FAILED
    assert project.job(job.id).submit_attempts == 1  # nothing was sent


def test_uncertain_submission_is_resent_only_after_confirming(opened: Any, qtbot: Any) -> None:
    window = opened
    job = _uncertain_job(window)
    panel = window.jobs_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=3000)
    panel.table.selectRow(0)
    panel.resend_button.click()
    box = None

    def asked() -> bool:
        nonlocal box
        box = next((w for w in window.findChildren(QMessageBox) if w.isVisible()), None)
        return box is not None

    qtbot.waitUntil(asked, timeout=3000)
    project = window.session.project
    assert project.job(job.id).state is JobState.UNCERTAIN  # still waiting for the answer
    assert "charge twice" in box.text()
    send = next(b for b in box.buttons() if b.text() == "Send again")
    send.click()
    qtbot.waitUntil(lambda: project.job(job.id).state is JobState.DONE, timeout=30000)
    assert project.takes_for(project.job(job.id).cue_id)


def test_cancel_stops_a_running_job(
    opened: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, run: Any, fresh_video: Path
) -> None:
    from tests.fakes.hosts import QubicoHost

    host = QubicoHost(key="test-key", latency=30.0)
    host.start()
    try:
        monkeypatch.setenv("FOLEYDESK_QUBICO_BASE_URL", host.base_url)
        monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", "test-key")
        window = opened
        # Reopen so the job engine reads the emulator's address.
        run(window.install_project_again())
        project = window.session.project
        lane = project.sorted_lanes()[0]
        cue = project.add_cue(Cue(0, lane.id, 5, 35, prompt="wind", provider_id="qubico"))
        window.session.select_cue(cue.id)
        window.generate(cue.id)
        qtbot.waitUntil(
            lambda: any(j.state is JobState.RUNNING for j in project.jobs.values()), timeout=15000
        )
        panel = window.jobs_panel
        qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=3000)
        panel.table.selectRow(0)
        assert panel.cancel_button.isEnabled()
        panel.cancel_button.click()
        qtbot.waitUntil(
            lambda: next(iter(project.jobs.values())).state is JobState.CANCELLED, timeout=10000
        )
        qtbot.waitUntil(lambda: panel.table.item(0, 3).text() == "cancelled", timeout=3000)
        panel.table.selectRow(0)
        assert panel.retry_button.isEnabled()
    finally:
        host.stop()


def test_restart_with_a_submit_in_flight_asks_the_user(opened: Any, qtbot: Any, run: Any) -> None:
    window = opened
    project = window.session.project
    lane = project.sorted_lanes()[0]
    cue = project.add_cue(Cue(0, lane.id, 5, 35, prompt="rain", provider_id="qubico"))
    request = build_request(cue, 3, {})
    job = project.add_job(Job(0, cue.id, "qubico", request=request, state=JobState.SUBMITTING))
    run(window.install_project_again())  # as if the app had been killed mid-submit
    project = window.session.project
    qtbot.waitUntil(lambda: project.job(job.id).state is JobState.UNCERTAIN, timeout=5000)
    qtbot.waitUntil(lambda: "may have been submitted" in window.banner.text, timeout=3000)
    assert window.side_tabs.currentWidget() is window.jobs_panel
