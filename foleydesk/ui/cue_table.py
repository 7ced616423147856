"""The cue list: label, lane, in, out, duration, prompt, takes, status; sortable and editable.

Edits go through the undo stack like every other edit; in and out accept source timecode.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from foleydesk.core.commands import EditCue
from foleydesk.core.events import Action, Change, Entity
from foleydesk.core.model import Cue
from foleydesk.core.positions import parse_position
from foleydesk.core.timebase import seconds_text
from foleydesk.errors import UserError
from foleydesk.ui.session import ProjectSession

COLUMNS = ("Label", "Lane", "In", "Out", "Duration", "Prompt", "Takes", "Status")
TAKES_COLUMN = 6
EDITABLE = {0, 2, 3, 5}
AnyIndex = QModelIndex | QPersistentModelIndex


class CueTableModel(QAbstractTableModel):
    error = Signal(object)

    def __init__(self, session: ProjectSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.cues: list[Cue] = session.project.sorted_cues()
        self._stale_status: set[int] = set()  # cue ids whose takes/status cells may be stale
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._refresh_status)
        session.changed.connect(self._on_model_changed)

    def _on_model_changed(self, change: Change) -> None:
        """Cells, not the table: a job's progress or a new take touches one row's takes and
        status cells; an edited cue its row. Only cues coming or going, or lanes, reset."""
        project = self.session.project
        if change.entity is Entity.CUE and change.action is Action.UPDATED:
            row = self._row_of(change.id)
            cue = project.cues.get(change.id)
            if row is None or cue is None:
                self.refresh()
                return
            self.cues[row] = cue
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        elif change.entity in (Entity.CUE, Entity.LANE):
            self.refresh()
        elif change.entity in (Entity.JOB, Entity.TAKE):
            record = (project.jobs if change.entity is Entity.JOB else project.takes).get(change.id)
            if record is None:  # removed: which cue it belonged to is unknown, look at all
                self._stale_status.update(c.id for c in self.cues)
            else:
                self._stale_status.add(record.cue_id)
            if not self._refresh_timer.isActive():
                self._refresh_timer.start()  # progress arrives often: one update per 150 ms

    def _row_of(self, cue_id: int) -> int | None:
        return next((row for row, cue in enumerate(self.cues) if cue.id == cue_id), None)

    def _refresh_status(self) -> None:
        stale, self._stale_status = self._stale_status, set()
        for row, cue in enumerate(self.cues):
            if cue.id in stale:
                self.dataChanged.emit(
                    self.index(row, TAKES_COLUMN), self.index(row, len(COLUMNS) - 1)
                )

    def refresh(self) -> None:
        self.beginResetModel()
        self.cues = self.session.project.sorted_cues()
        self._stale_status.clear()
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cues)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(COLUMNS[section])
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in EDITABLE:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        cue = self.cues[index.row()]
        col = index.column()
        rate = self.session.rate
        if role == Qt.ItemDataRole.UserRole:
            return cue.id
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return QColor(cue.colour)
        if role == Qt.ItemDataRole.UserRole + 1:  # sort key
            return [
                cue.display_name().lower(),
                cue.lane_id,
                cue.in_frame,
                cue.out_frame,
                cue.frame_count,
                cue.prompt.lower(),
                len(self.session.project.takes_for(cue.id)),
                self.session.cue_status(cue),
            ][col]
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.EditRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        lane = self.session.project.lanes.get(cue.lane_id)
        values = [
            cue.display_name() if role != Qt.ItemDataRole.EditRole else cue.label,
            lane.name if lane else "?",
            self.session.timecode(cue.in_frame),
            self.session.timecode(cue.out_frame - 1),  # the last frame in it, as NLEs show Out
            f"{seconds_text(cue.duration(rate), 2)} s",
            cue.prompt,
            str(len(self.session.project.takes_for(cue.id))),
            self.session.cue_status(cue),
        ]
        return values[col]

    def setData(self, index: AnyIndex, value: Any, role: int = 0) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        cue = self.cues[index.row()]
        col = index.column()
        text = str(value)
        try:
            if col == 0:
                command = EditCue(cue.id, {"label": text.strip()}, self.tr("Rename cue"))
            elif col == 5:
                command = EditCue(cue.id, {"prompt": text}, self.tr("Edit prompt"))
            else:
                frame = parse_position(text, self.session.project.source)
                if col == 2:
                    command = EditCue(cue.id, {"in_frame": frame}, self.tr("Trim cue"))
                else:  # Out is typed as the last included frame
                    command = EditCue(cue.id, {"out_frame": frame + 1}, self.tr("Trim cue"))
            self.session.push(command)
        except UserError as exc:
            self.error.emit(exc)
            return False
        return True


class CueTableView(QTableView):
    error = Signal(object)
    activated_cue = Signal(int)  # clicked in the list: the window moves the playhead there
    drag_cue = Signal(int)  # a row dragged out: the window renders the cue's clip

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.source_model = CueTableModel(session, self)
        self.source_model.error.connect(self.error)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source_model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole + 1)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._syncing = False  # the session's selection is being shown: do not echo it back
        self.setAlternatingRowColors(True)
        self.setDragEnabled(True)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        # Clock time and frame (00:00:04.800 60f) where the source's rate has no timecode.
        tc = 100 if session.project.source.smpte or session.conformed_timecode else 150
        for col, width in ((0, 150), (1, 80), (2, tc), (3, tc), (4, 80), (6, 50), (7, 110)):
            self.setColumnWidth(col, width)
        self.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.clicked.connect(self._on_clicked)
        session.selection_changed.connect(self._on_session_selection)
        self.source_model.modelReset.connect(self._on_model_reset)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        rows = self.selectionModel().selectedRows()
        if rows:
            self.drag_cue.emit(int(rows[0].data(Qt.ItemDataRole.UserRole)))

    def _on_clicked(self, index: QModelIndex) -> None:
        cue_id = index.data(Qt.ItemDataRole.UserRole)
        if cue_id is not None:
            self.activated_cue.emit(int(cue_id))

    def _on_model_reset(self) -> None:
        self._on_session_selection(self.session.selected_cue_id)

    def _on_selection_changed(self, *_args: object) -> None:
        """Rows picked here (Shift/Ctrl+click too) become the session's selection; the row with
        the cursor is the one the inspector shows."""
        if self._syncing:
            return
        ids = [int(r.data(Qt.ItemDataRole.UserRole)) for r in self.selectionModel().selectedRows()]
        if not ids:
            return
        current = self.currentIndex().data(Qt.ItemDataRole.UserRole)
        if current in ids:
            ids.remove(current)
            ids.insert(0, int(current))
        self.session.set_selection(ids)

    def _on_session_selection(self, _cue_id: object) -> None:
        wanted = self.session.selected_ids()
        model = self.proxy
        selection = QItemSelection()
        current: QModelIndex | None = None
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            cue_id = index.data(Qt.ItemDataRole.UserRole)
            if cue_id in wanted:
                selection.select(index, model.index(row, model.columnCount() - 1))
                if cue_id == self.session.selected_cue_id:
                    current = index
        flags = QItemSelectionModel.SelectionFlag
        self._syncing = True
        try:
            if current is not None and self.currentIndex().row() != current.row():
                self.selectionModel().setCurrentIndex(current, flags.NoUpdate)
            self.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
        finally:
            self._syncing = False
