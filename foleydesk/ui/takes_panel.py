"""Takes of the selected cue: audition, choose, gain, nudge (frames and ms), fades, delete; each
row shows the take's waveform, prompt, model and seed, and says so when it is silent, clipped,
much shorter than its cue or moved from its picture.

Several takes compare quickly: select one and press Audition (or double-click) and it plays in
place over the cue's range; choosing is one undoable edit.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foleydesk.core.commands import DeleteTake, EditTake, choose_take
from foleydesk.core.events import Change, Entity
from foleydesk.core.model import Take, TakeStatus
from foleydesk.core.placement import not_generated
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.errors import UserError
from foleydesk.media.take_check import problems_text
from foleydesk.media.take_peaks import TakePeaks
from foleydesk.ui.cue_painter import TakePeaksCache, display_level, wave_mask_image
from foleydesk.ui.elided import ElidedLabel
from foleydesk.ui.focus import guard_wheel
from foleydesk.ui.session import ProjectSession

HEADERS = ("", "Take", "Model", "Sound", "Prompt", "Seed", "Made", "Status")
WAVE_COL = 3
WAVE_SIZE = (72, 22)


def samples_per_frame(rate: Fraction) -> Fraction:
    return Fraction(PROJECT_SAMPLE_RATE) / rate


def split_offset(samples: int, rate: Fraction) -> tuple[int, float]:
    """An offset in samples as whole frames plus milliseconds (toward zero)."""
    spf = samples_per_frame(rate)
    frames = int(Fraction(samples) / spf)
    rest = Fraction(samples) - frames * spf
    return frames, float(rest * 1000 / PROJECT_SAMPLE_RATE)


def join_offset(frames: int, ms: float, rate: Fraction) -> int:
    spf = samples_per_frame(rate)
    ms_samples = Fraction(str(round(ms, 3))) * PROJECT_SAMPLE_RATE / 1000
    return round(frames * spf + ms_samples)


class TakeTable(QTableWidget):
    """Rows are takes; dragging one out hands a rendered WAV to the file manager or NLE."""

    drag_file = Signal(int)  # take id: the window renders and starts the drag

    def startDrag(self, actions: Qt.DropAction) -> None:
        row = self.currentRow()
        item = self.item(row, 1) if row >= 0 else None
        if item is not None:
            self.drag_file.emit(int(item.data(Qt.ItemDataRole.UserRole)))


def take_wave_pixmap(
    peaks: TakePeaks, take: Take, width: int, height: int, ratio: float
) -> QPixmap:
    """A small picture of the whole take (gain applied), for its row in the takes list."""
    w, h = max(1, round(width * ratio)), max(4, round(height * ratio))
    cols = peaks.columns(0.0, max(1.0, peaks.length / w), w) * 10 ** (take.gain_db / 20)
    shown = display_level(cols.astype(np.float64))
    mid, half = (h - 1) / 2, h / 2 - 1
    top = np.floor(mid - shown[:, 1] * half).astype(np.int32)
    bottom = np.ceil(mid - shown[:, 0] * half).astype(np.int32)
    colour = QColor("#ef9a9a") if take.problems else QColor("#7fc8bf")
    pixmap = QPixmap.fromImage(wave_mask_image(top, bottom, h, colour))
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class TakesPanel(QWidget):
    audition = Signal(int)  # take id
    error = Signal(object)
    generate_new_part = Signal(int)  # cue id
    regenerate = Signal(int)  # cue id

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._loading = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = ElidedLabel()
        self.title.setObjectName("Secondary")
        layout.addWidget(self.title)
        self.table = TakeTable(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setDragEnabled(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # "Model @ host"
        header.setMinimumSectionSize(20)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setIconSize(QSize(*WAVE_SIZE))
        self.table.verticalHeader().setDefaultSectionSize(WAVE_SIZE[1] + 6)
        for col, width in enumerate((22, 48, 150, WAVE_SIZE[0] + 8, 120, 72, 46)):
            self.table.setColumnWidth(col, width)
        layout.addWidget(self.table, 1)

        # The take's controls: hidden when the cue has no take, so nothing of the previous
        # cue's take (its Chosen button, gain, nudge, fades) is left on show.
        self.take_box = QWidget()
        take_layout = QVBoxLayout(self.take_box)
        take_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.audition_button = QPushButton(self.tr("Audition"))
        self.choose_button = QPushButton(self.tr("Choose"))
        self.choose_button.setObjectName("Primary")
        self.delete_button = QPushButton(self.tr("Delete"))
        for b in (self.audition_button, self.choose_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        take_layout.addLayout(buttons)
        regenerate = QHBoxLayout()
        self.new_part_button = QPushButton(self.tr("Generate the new part"))
        self.new_part_button.setToolTip(
            self.tr("Generate only the hatched, not-generated part and join it to the chosen take")
        )
        self.regenerate_button = QPushButton(self.tr("Regenerate whole cue"))
        self.regenerate_button.setToolTip(
            self.tr("Generate the cue's whole range again; the new take becomes the chosen one")
        )
        regenerate.addWidget(self.new_part_button)
        regenerate.addWidget(self.regenerate_button)
        regenerate.addStretch(1)
        take_layout.addLayout(regenerate)
        self.placement_note = QLabel()
        self.placement_note.setObjectName("Hint")
        self.placement_note.setWordWrap(True)
        take_layout.addWidget(self.placement_note)

        form = QFormLayout()
        self.gain = QDoubleSpinBox()
        self.gain.setRange(-60.0, 24.0)
        self.gain.setSingleStep(0.5)
        self.gain.setSuffix(" dB")
        form.addRow(self.tr("Gain"), self.gain)
        self.pan = QDoubleSpinBox()
        self.pan.setRange(-100.0, 100.0)
        self.pan.setDecimals(0)
        self.pan.setSingleStep(10)
        self.pan.setToolTip(
            self.tr(
                "Where a mono take sits in the stereo mix (-100 left, 100 right); a stereo "
                "take keeps its own image"
            )
        )
        form.addRow(self.tr("Pan"), self.pan)
        nudge = QHBoxLayout()
        self.nudge_frames = QSpinBox()
        self.nudge_frames.setRange(-10_000, 10_000)
        self.nudge_frames.setSuffix(self.tr(" fr"))
        self.nudge_ms = QDoubleSpinBox()
        self.nudge_ms.setRange(-1000.0, 1000.0)
        self.nudge_ms.setDecimals(1)
        self.nudge_ms.setSuffix(" ms")
        nudge.addWidget(self.nudge_frames)
        nudge.addWidget(self.nudge_ms)
        form.addRow(self.tr("Nudge"), nudge)
        fades = QHBoxLayout()
        self.fade_in = QDoubleSpinBox()
        self.fade_out = QDoubleSpinBox()
        for spin, prefix in ((self.fade_in, self.tr("in ")), (self.fade_out, self.tr("out "))):
            spin.setRange(0.0, 10_000.0)
            spin.setDecimals(0)
            spin.setSingleStep(10)
            spin.setPrefix(prefix)
            spin.setSuffix(" ms")
            fades.addWidget(spin)
        form.addRow(self.tr("Fades"), fades)
        take_layout.addLayout(form)
        self.hint = QLabel(self.tr("Drag a take out to get its WAV."))
        self.hint.setObjectName("Hint")
        take_layout.addWidget(self.hint)
        layout.addWidget(self.take_box)
        self.wheel_guard = guard_wheel(self)

        self.table.itemSelectionChanged.connect(self._on_row_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self._on_audition())
        self.audition_button.clicked.connect(self._on_audition)
        self.choose_button.clicked.connect(self._on_choose)
        self.delete_button.clicked.connect(self.delete_selected)
        self.new_part_button.clicked.connect(self._on_new_part)
        self.regenerate_button.clicked.connect(self._on_regenerate)
        self.peaks = TakePeaksCache(session.project, self)
        self.peaks.ready.connect(self._reload_timer.start)
        for spin in (self.gain, self.pan, self.nudge_ms, self.fade_in, self.fade_out):
            spin.editingFinished.connect(self._commit_take)
        self.nudge_frames.editingFinished.connect(self._commit_take)
        session.selection_changed.connect(lambda _id: self.reload())
        session.changed.connect(self._on_model_changed)
        self.audition_blocker = ""
        self.reload()

    # -- model -> view --

    def _on_model_changed(self, change: Change) -> None:
        if change.entity in (Entity.TAKE, Entity.CUE):
            self.reload()
        elif change.entity is Entity.JOB and not self._reload_timer.isActive():
            self._reload_timer.start()

    def takes(self) -> list[Take]:
        """The cue's takes grouped by the model that made them (Compare puts several side by
        side), in the order they were made within a model."""
        cue = self.session.selected_cue
        takes = self.session.project.takes_for(cue.id) if cue is not None else []
        first: dict[tuple[str, str], int] = {}
        for index, take in enumerate(takes):
            first.setdefault((take.model_id, take.provider_id), index)
        return sorted(takes, key=lambda t: (first[(t.model_id, t.provider_id)], takes.index(t)))

    def step(self, step: int) -> None:
        """Select the next / previous take (while the cue plays it is heard at once)."""
        count = self.table.rowCount()
        if count == 0:
            return
        row = self.table.currentRow()
        target = 0 if row < 0 else max(0, min(count - 1, row + step))
        self.table.selectRow(target)

    def reload(self) -> None:
        from foleydesk.providers.catalog import take_label

        cue = self.session.selected_cue
        keep = self.session.selected_take_id
        self._loading = True
        try:
            takes = self.takes()
            self.title.set_full_text(
                self.tr("Takes of {0}").format(cue.display_name())
                if cue is not None
                else self.tr("Select a cue to see its takes.")
            )
            self.table.setRowCount(len(takes))
            for row, take in enumerate(takes):
                chosen = cue is not None and cue.chosen_take_id == take.id
                when = (
                    datetime.datetime.fromtimestamp(take.created_at).strftime("%H:%M")
                    if take.created_at
                    else ""
                )
                job = self.session.project.jobs.get(take.job_id or 0)
                prompt = str(job.request.get("prompt", "")) if job is not None else ""
                problems = problems_text(take.problem_list)
                status = take.status.value
                if take.moved_frames:
                    status = self.tr("moved from its picture")
                if problems:
                    status = problems
                values = [
                    "\u2713" if chosen else "",
                    f"#{row + 1}",
                    take_label(take.model_id, take.provider_id),
                    "",
                    prompt,
                    "" if take.seed is None else str(take.seed),
                    when,
                    status,
                ]
                for col, value in enumerate(values):
                    item = QTableWidgetItem(value)
                    item.setData(Qt.ItemDataRole.UserRole, take.id)
                    if value:
                        item.setToolTip(value)
                    if problems and col == len(values) - 1:
                        item.setForeground(QColor("#ef9a9a"))
                    self.table.setItem(row, col, item)
                peaks = self.peaks.get(take)
                if peaks is not None:
                    icon = take_wave_pixmap(peaks, take, *WAVE_SIZE, self.devicePixelRatioF())
                    wave_item = self.table.item(row, WAVE_COL)
                    if wave_item is not None:
                        wave_item.setIcon(QIcon(icon))
            rows = [i for i, t in enumerate(takes) if t.id == keep]
            if rows:
                self.table.selectRow(rows[0])
            elif takes:
                chosen_rows = [
                    i for i, t in enumerate(takes) if cue is not None and t.id == cue.chosen_take_id
                ]
                self.table.selectRow(chosen_rows[0] if chosen_rows else len(takes) - 1)
        finally:
            self._loading = False
        self._on_row_changed()

    def current_take(self) -> Take | None:
        row = self.table.currentRow()
        item = self.table.item(row, 1) if row >= 0 else None
        if item is None:
            return None
        return self.session.project.takes.get(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_row_changed(self) -> None:
        take = self.current_take()
        if not self._loading:
            self.session.select_take(take.id if take else None)
        ready = take is not None and take.status is TakeStatus.READY
        for widget in (
            self.choose_button,
            self.gain,
            self.pan,
            self.nudge_frames,
            self.nudge_ms,
            self.fade_in,
            self.fade_out,
        ):
            widget.setEnabled(ready)
        self.delete_button.setEnabled(take is not None)
        self._update_regenerate()
        self.audition_button.setEnabled(ready and not self.audition_blocker)
        self.audition_button.setToolTip(
            self.audition_blocker
            or self.tr("Play the cue's range with this take (double-click a row)")
        )
        self.take_box.setVisible(take is not None)
        if take is None:
            self._loading = True
            try:  # nothing of an earlier take stays in the (hidden) fields
                self.choose_button.setText(self.tr("Choose"))
                for spin in (self.gain, self.pan, self.nudge_ms, self.fade_in, self.fade_out):
                    spin.setValue(0.0)
                self.nudge_frames.setValue(0)
            finally:
                self._loading = False
            return
        self._loading = True
        try:
            cue = self.session.selected_cue
            chosen = cue is not None and cue.chosen_take_id == take.id
            self.choose_button.setText(self.tr("Chosen") if chosen else self.tr("Choose"))
            self.choose_button.setEnabled(ready and not chosen)
            self.gain.setValue(take.gain_db)
            self.pan.setValue(round(take.pan * 100))
            frames, ms = split_offset(take.offset_samples, self.session.rate)
            self.nudge_frames.setValue(frames)
            self.nudge_ms.setValue(ms)
            self.fade_in.setValue(take.fade_in_samples * 1000 / PROJECT_SAMPLE_RATE)
            self.fade_out.setValue(take.fade_out_samples * 1000 / PROJECT_SAMPLE_RATE)
        finally:
            self._loading = False

    def _update_regenerate(self) -> None:
        """Generate the new part: only when the chosen take leaves part of the cue empty."""
        cue = self.session.selected_cue
        chosen = self.session.project.chosen_take(cue) if cue is not None else None
        ready = chosen is not None and chosen.status is TakeStatus.READY
        gaps = not_generated(cue, chosen) if cue is not None and ready else []
        self.new_part_button.setEnabled(bool(gaps))
        self.regenerate_button.setEnabled(cue is not None)
        notes: list[str] = []
        if gaps and cue is not None:
            frames = sum(hi - lo for lo, hi in gaps)
            notes.append(
                self.tr("{0} frame(s) of the cue have no sound yet (hatched).").format(frames)
            )
        if chosen is not None and chosen.moved_frames:
            notes.append(
                self.tr(
                    "The chosen take was moved {0:+d} frame(s) from the picture it was made for."
                ).format(chosen.moved_frames)
            )
        self.placement_note.setText(" ".join(notes))
        self.placement_note.setVisible(bool(notes))

    def _on_new_part(self) -> None:
        cue = self.session.selected_cue
        if cue is not None:
            self.generate_new_part.emit(cue.id)

    def _on_regenerate(self) -> None:
        cue = self.session.selected_cue
        if cue is not None:
            self.regenerate.emit(cue.id)

    def set_audition_blocker(self, reason: str) -> None:
        self.audition_blocker = reason
        self._on_row_changed()

    # -- view -> model --

    def _push(self, command: Any) -> None:
        try:
            self.session.push(command)
        except UserError as exc:
            self.error.emit(exc)

    def _commit_take(self) -> None:
        take = self.current_take()
        if take is None or self._loading:
            return
        changes = {
            "gain_db": round(self.gain.value(), 2),
            "pan": round(self.pan.value() / 100, 2),
            "offset_samples": join_offset(
                self.nudge_frames.value(), self.nudge_ms.value(), self.session.rate
            ),
            "fade_in_samples": round(self.fade_in.value() * PROJECT_SAMPLE_RATE / 1000),
            "fade_out_samples": round(self.fade_out.value() * PROJECT_SAMPLE_RATE / 1000),
        }
        changes = {k: v for k, v in changes.items() if getattr(take, k) != v}
        if changes:
            self._push(EditTake(take.id, changes, self.tr("Adjust take")))

    def _on_choose(self) -> None:
        take = self.current_take()
        cue = self.session.selected_cue
        if take is not None and (cue is None or cue.chosen_take_id != take.id):
            self._push(choose_take(take.cue_id, take.id))

    def choose_current(self) -> bool:
        take = self.current_take()
        if take is None or take.status is not TakeStatus.READY:
            return False
        self._on_choose()
        return True

    def delete_selected(self) -> None:
        take = self.current_take()
        if take is not None:
            self._push(DeleteTake(take.id, self.tr("Delete take")))

    def _on_audition(self) -> None:
        take = self.current_take()
        if take is not None and take.status is TakeStatus.READY and not self.audition_blocker:
            self.audition.emit(take.id)
