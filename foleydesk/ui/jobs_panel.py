"""Every job: state, the provider's own status text, progress; cancel, retry, resolve, error.

"Submission uncertain" is the one state that needs a human: the create request may have
reached the host and be billed. The panel asks before anything is sent again.
"""

from __future__ import annotations

import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foleydesk.core.events import Action, Change, Entity
from foleydesk.core.model import Job, JobState
from foleydesk.ui.session import ProjectSession

HEADERS = ("Job", "Cue", "Provider", "State", "Progress", "Updated", "Provider says")
STATUS_COLUMN = 6
STATE_COLOURS = {
    JobState.DONE: "#a5d6a7",
    JobState.FAILED: "#ef9a9a",
    JobState.CANCELLED: "#9aa0a8",
    JobState.UNCERTAIN: "#ffb74d",
}


class JobsPanel(QWidget):
    cancel_job = Signal(int)
    retry_job = Signal(int)
    resolve_job = Signal(int, bool)  # job id, resend
    error_text = Signal(str)

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((40, 90, 64, 80, 60, 64)):
            self.table.setColumnWidth(col, width)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.retry_button = QPushButton(self.tr("Retry"))
        self.check_button = QPushButton(self.tr("Drop it"))
        self.check_button.setToolTip(
            self.tr("Mark the job failed without sending it again (nothing more is billed)")
        )
        self.resend_button = QPushButton(self.tr("Send again (may bill twice)"))
        self.error_button = QPushButton(self.tr("Show error"))
        for b in (
            self.cancel_button,
            self.retry_button,
            self.check_button,
            self.resend_button,
            self.error_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.note = QLabel("")
        self.note.setObjectName("Hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.engine_blocker = ""
        self._rows: dict[int, int] = {}  # job id -> table row
        self._dirty: set[int] | None = set()  # jobs whose rows are stale; None: rebuild all
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(100)
        self._reload_timer.timeout.connect(self._refresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.cancel_button.clicked.connect(lambda: self._emit(self.cancel_job))
        self.retry_button.clicked.connect(lambda: self._emit(self.retry_job))
        self.check_button.clicked.connect(lambda: self._resolve(False))
        self.resend_button.clicked.connect(lambda: self._resolve(True))
        self.error_button.clicked.connect(self._show_error)
        session.changed.connect(self._on_model_changed)
        self.reload()

    def _on_model_changed(self, change: Change) -> None:
        if change.entity is Entity.JOB:
            if change.action is not Action.UPDATED:
                self._dirty = None  # a row comes or goes: rebuild
            elif self._dirty is not None:
                self._dirty.add(change.id)
        elif change.entity is Entity.CUE:
            if self._dirty is not None:  # the cue's name shows in its jobs' rows
                self._dirty.update(j.id for j in self.session.project.jobs_for(change.id))
        else:
            return
        if not self._reload_timer.isActive():
            self._reload_timer.start()  # progress arrives often: one refresh per 100 ms

    def jobs(self) -> list[Job]:
        return sorted(self.session.project.jobs.values(), key=lambda j: -j.id)

    def _refresh(self) -> None:
        """Rewrite the rows of the jobs that changed (ten running jobs among hundreds done
        cost ten rows, not the table); rebuild only when jobs came or went."""
        dirty, self._dirty = self._dirty, set()
        jobs = self.session.project.jobs
        if dirty is None or any(i not in self._rows or i not in jobs for i in dirty):
            self.reload()
            return
        for job_id in dirty:
            self._fill_row(self._rows[job_id], jobs[job_id])
        self._update_buttons()

    def reload(self) -> None:
        keep = self.current_job()
        jobs = self.jobs()
        self._dirty = set()
        self._rows = {job.id: row for row, job in enumerate(jobs)}
        self.table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            self._fill_row(row, job)
            if keep is not None and job.id == keep.id:
                self.table.selectRow(row)
        self._update_buttons()

    def _fill_row(self, row: int, job: Job) -> None:
        cue = self.session.project.cues.get(job.cue_id)
        updated = (
            datetime.datetime.fromtimestamp(job.updated_at).strftime("%H:%M:%S")
            if job.updated_at
            else ""
        )
        status = job.error or job.status_text
        values: list[Any] = [
            f"#{job.id}",
            cue.display_name() if cue else self.tr("(deleted cue)"),
            job.provider_id,
            self._state_text(job.state),
            f"{round(job.progress * 100)}%",
            updated,
            status,
        ]
        for col, value in enumerate(values):
            text = str(value)
            item = self.table.item(row, col)
            if item is None or item.data(Qt.ItemDataRole.UserRole) != job.id:
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, job.id)
                self.table.setItem(row, col, item)
            elif item.text() != text:
                item.setText(text)  # unchanged cells are left alone: nothing to repaint
            if col == 3:
                colour = STATE_COLOURS.get(job.state)
                if colour is not None:
                    item.setForeground(QColor(colour))
                elif item.data(Qt.ItemDataRole.ForegroundRole) is not None:
                    item.setData(Qt.ItemDataRole.ForegroundRole, None)
            if col == STATUS_COLUMN and item.toolTip() != status:
                item.setToolTip(status)

    def _state_text(self, state: JobState) -> str:
        if state is JobState.UNCERTAIN:
            return self.tr("submission uncertain")
        return state.value

    def current_job(self) -> Job | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            return None
        return self.session.project.jobs.get(int(item.data(Qt.ItemDataRole.UserRole)))

    def set_engine_blocker(self, reason: str) -> None:
        self.engine_blocker = reason
        self._update_buttons()

    def _update_buttons(self) -> None:
        job = self.current_job()
        has_engine = not self.engine_blocker
        running = job is not None and not job.state.finished
        uncertain = job is not None and job.state is JobState.UNCERTAIN
        self.cancel_button.setEnabled(has_engine and running)
        self.retry_button.setEnabled(
            has_engine and job is not None and job.state in (JobState.FAILED, JobState.CANCELLED)
        )
        self.check_button.setVisible(uncertain)
        self.resend_button.setVisible(uncertain)
        self.check_button.setEnabled(has_engine)
        self.resend_button.setEnabled(has_engine)
        self.error_button.setEnabled(job is not None and bool(job.error))
        for b in (self.cancel_button, self.retry_button):
            b.setToolTip(self.engine_blocker)
        if uncertain:
            self.note.setText(
                self.tr(
                    "The answer to this job's submission was lost. The provider may be running "
                    "it (and billing it). Drop it, or send it again knowing it may be paid twice."
                )
            )
        elif self.engine_blocker:
            self.note.setText(self.engine_blocker)
        else:
            self.note.setText("")

    def _emit(self, signal: Any) -> None:
        job = self.current_job()
        if job is not None:
            signal.emit(job.id)

    def _resolve(self, resend: bool) -> None:
        job = self.current_job()
        if job is not None:
            self.resolve_job.emit(job.id, resend)

    def _show_error(self) -> None:
        job = self.current_job()
        if job is not None and job.error:
            self.error_text.emit(f"Job #{job.id} ({job.provider_id}): {job.error}")
