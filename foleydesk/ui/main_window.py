"""The main window: viewer and transport over the timeline, inspector, takes, jobs, cue list.

Each opened project gets a fresh ProjectSession and fresh views bound to it, then its job and
playback controllers (controllers.py, imported at the first project: the engines are heavy).
The menus and shortcuts are built by menus.py; the timeline with its tools by timeline_pane.py.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from foleydesk import APP_NAME
from foleydesk.core.commands import (
    AddMarker,
    Command,
    DeleteMarker,
    EditMarker,
)
from foleydesk.core.events import Change, Entity
from foleydesk.core.model import Marker
from foleydesk.core.positions import start_timecode_change
from foleydesk.core.project import OPENABLE_SUFFIXES, Project
from foleydesk.core.timebase import format_rate
from foleydesk.errors import UserError
from foleydesk.settings import load_settings
from foleydesk.ui import preferences, recent
from foleydesk.ui.banner import Banner
from foleydesk.ui.compat import TaskKeeper, dialog_result
from foleydesk.ui.cue_table import CueTableView
from foleydesk.ui.focus import FieldKeys
from foleydesk.ui.follow import ProjectFollower
from foleydesk.ui.help_sheet import HelpSheet
from foleydesk.ui.inspector import CueInspector
from foleydesk.ui.jobs_panel import JobsPanel
from foleydesk.ui.loudness_meter import LoudnessMeterLabel
from foleydesk.ui.marks import MarkKeys
from foleydesk.ui.media_loader import MediaLoader
from foleydesk.ui.menus import build_menus
from foleydesk.ui.opening import open_or_create
from foleydesk.ui.proxy_builder import ProxyKeeper
from foleydesk.ui.relink import SourceWatch
from foleydesk.ui.session import ProjectSession
from foleydesk.ui.takes_panel import TakesPanel
from foleydesk.ui.timeline_pane import TimelinePane
from foleydesk.ui.transport import TransportBar
from foleydesk.ui.view_state import ViewState, load_view, save_view
from foleydesk.ui.viewer import ViewerWidget

if TYPE_CHECKING:
    from foleydesk.ui.controllers import JobController, PlaybackController

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    project_opened = Signal(object)  # ProjectSession
    closed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.tasks = TaskKeeper(self._on_task_error)
        self.session: ProjectSession | None = None
        self.loader: MediaLoader | None = None
        self.proxies: ProxyKeeper | None = None  # the open project's viewer proxy
        self.controllers: list[JobController | PlaybackController] = []
        self.jobs: JobController | None = None  # None: no project, or the job engine failed
        self.player: PlaybackController | None = None  # None: no project or no source file
        self._opening = False
        self.playback_blocker = ""  # why playback cannot run (the source file is missing)
        self.jobs_blocker = ""  # why generating cannot run (the job engine failed to start)
        self._warmed = False
        self.edit_revision = 0  # counts model changes: drag-out renders know when they are stale
        self.drag_renders: dict[Path, int] = {}
        self.marker_dialog: QInputDialog | None = None  # open while a marker is being renamed
        self.start_tc_dialog: QInputDialog | None = None
        self.generate_confirm: QMessageBox | None = None  # open while G asks about many cues
        self._build_shell()
        self.field_keys = FieldKeys(self, self.keys_home, self.show_help)
        self.marks = MarkKeys(self)
        self.source_watch = SourceWatch(self)
        self.relink_question: QMessageBox | None = None  # open while a rewrap is asked about
        self.menu_actions = build_menus(self)
        self._update_enabled()
        self.resize(1280, 800)

    # ------------------------------------------------------------------ shell

    def _build_shell(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 0)
        outer.setSpacing(4)
        self.banner = Banner()
        outer.addWidget(self.banner)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(2)
        self.viewer = ViewerWidget()
        self.viewer.file_dropped.connect(self.open_path)
        top_layout.addWidget(self.viewer, 1)
        self.transport = TransportBar()
        top_layout.addWidget(self.transport)
        self.splitter.addWidget(top)
        self.timeline_holder = QWidget()
        self.timeline_layout = QVBoxLayout(self.timeline_holder)
        self.timeline_layout.setContentsMargins(0, 0, 0, 0)
        self.timeline_layout.setSpacing(0)
        self.timeline_placeholder = QLabel(
            self.tr("Open a video to start (File > Open, or drop it on the window).")
        )
        self.timeline_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.timeline_placeholder.setObjectName("Hint")
        self.timeline_layout.addWidget(self.timeline_placeholder)
        self.splitter.addWidget(self.timeline_holder)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        outer.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)

        self.inspector_dock = self._dock(
            self.tr("Cue"), "inspector", Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.side_tabs = QTabWidget()
        self.side_dock = self._dock(
            self.tr("Takes and jobs"), "side", Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.side_dock.setWidget(self.side_tabs)
        self.cues_dock = self._dock(
            self.tr("Cue list"), "cues", Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.resizeDocks([self.inspector_dock], [400], Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock, self.side_dock], [430, 250], Qt.Orientation.Vertical)
        self.resizeDocks([self.cues_dock], [150], Qt.Orientation.Vertical)
        self.status = self.statusBar()
        self.proxy_status = QLabel()
        self.proxy_status.setObjectName("Secondary")
        self.proxy_status.hide()
        self.status.addPermanentWidget(self.proxy_status)
        self.peaks_status = QLabel()  # "Building waveform... N %"
        self.peaks_status.setObjectName("Secondary")
        self.peaks_status.hide()
        self.status.addPermanentWidget(self.peaks_status)
        self.jobs_status = QLabel()  # "N jobs running, M %": busy, never blocking
        self.jobs_status.setObjectName("Secondary")
        self.jobs_status.hide()
        self.status.addPermanentWidget(self.jobs_status)
        self._jobs_status_timer = QTimer(self)
        self._jobs_status_timer.setSingleShot(True)
        self._jobs_status_timer.setInterval(250)
        self._jobs_status_timer.timeout.connect(self._update_jobs_status)
        self.engine_status = QLabel()
        self.engine_status.setObjectName("Secondary")
        self.status.addPermanentWidget(self.engine_status)
        self.others_status = QLabel()  # "also open in another process" (follow.py)
        self.others_status.setObjectName("Secondary")
        self.others_status.hide()
        self.status.addPermanentWidget(self.others_status)
        self.follower: ProjectFollower | None = None
        self.loudness_meter = LoudnessMeterLabel()
        self.status.addPermanentWidget(self.loudness_meter)

        self.transport.play_toggled.connect(self.toggle_play)
        self.transport.step.connect(self.step)
        self.transport.go_start.connect(lambda: self.seek(0))
        self.transport.go_end.connect(self.go_end)
        self.transport.play_cue.connect(self.play_cue)
        self.transport.loop_toggled.connect(self._on_loop_toggled)
        self.transport.volume_changed.connect(self._on_volume)

    def keys_home(self) -> QWidget | None:
        """Where the keys go when a field gives them back: the timeline."""
        return self.timeline if self.session is not None else None

    def _dock(self, title: str, name: str, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _update_enabled(self) -> None:
        has = self.session is not None
        for action in self.menu_actions.need_project():
            action.setEnabled(has)
        stack = self.session.undo_stack if self.session else None
        self.menu_actions.undo.setEnabled(bool(stack and stack.canUndo()))
        self.menu_actions.redo.setEnabled(bool(stack and stack.canRedo()))
        if stack is not None:
            self.menu_actions.undo.setText(self.tr("&Undo {0}").format(stack.undoText()))
            self.menu_actions.redo.setText(self.tr("&Redo {0}").format(stack.redoText()))
        self.menu_actions.build_proxy.setEnabled(
            self.proxies is not None and self.proxies.can_build
        )
        blocker = self.playback_blocker if has else self.tr("Open a video first")
        self.transport.set_playback_available(not blocker, blocker)

    # ------------------------------------------------------------------ errors

    def _on_task_error(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.show_error(exc)
        else:
            log.error("background task failed", exc_info=exc)
            self.show_error(
                UserError(
                    self.tr("Something went wrong: {0}").format(exc),
                    self.tr("Details are in the log file."),
                )
            )

    def show_error(self, error: BaseException) -> None:
        self.banner.show_error(error)
        message = error.message if isinstance(error, UserError) else str(error)
        self.status.showMessage(message, 8000)

    def show_info(self, text: str) -> None:
        self.banner.show_info(text)

    # ------------------------------------------------------------------ opening

    def open_path(self, path: str | Path) -> asyncio.Task[bool]:
        return self.tasks.spawn(self.open_async(Path(path)), "open")

    async def open_async(self, path: Path) -> bool:
        """Open a project, or make one for a video; a bad file leaves the window as it was."""
        if self._opening:
            return False
        self._opening = True
        self.status.showMessage(self.tr("Opening {0}...").format(path.name))
        try:
            loop = asyncio.get_running_loop()
            try:
                lanes = preferences.new_project_lanes(load_settings())
                project = await loop.run_in_executor(None, open_or_create, path, lanes)
            except UserError as exc:
                self.show_error(exc)
                return False
            except Exception as exc:
                log.exception("opening %s failed", path)
                self.show_error(
                    UserError(
                        self.tr("{0} could not be opened ({1}).").format(path.name, exc),
                        self.tr("Check that the file is complete and readable."),
                    )
                )
                return False
            self.banner.hide()
            await self.install_project(project)
            recent.add_recent(project.path)
            self.status.showMessage(self.tr("Opened {0}").format(project.name), 4000)
            return True
        finally:
            self._opening = False

    async def install_project(self, project: Project) -> None:
        await self.close_session()
        session = ProjectSession(project)
        session.conformed_timecode = load_settings().conformed_timecode
        self.session = session
        self.loader = MediaLoader(project, self.tasks, self)
        self.loader.waveform_progress.connect(self._on_peaks_progress)
        self.proxies = ProxyKeeper(project, self.tasks, self)
        self.proxies.ready.connect(self._on_proxy_ready)
        self.proxies.progress_changed.connect(self._on_proxy_progress)
        self.proxies.failed.connect(self.show_error)
        self.proxies.state_changed.connect(self._update_enabled)
        self._build_views(session)
        session.undo_stack.indexChanged.connect(lambda _i: self._update_enabled())
        session.position_changed.connect(self._on_position_changed)
        session.changed.connect(self._on_model_changed)
        session.selection_changed.connect(self._on_selection_changed)
        self._update_title()
        self._attach_engines(session)
        session.refused.connect(self.show_error)
        jobs = self.jobs
        self.follower = ProjectFollower(
            session, self.tasks, jobs.adopt_orphans if jobs is not None else None, self
        )
        self.follower.others_changed.connect(self._on_others_changed)
        self.proxies.start(load_settings().viewer_proxy)
        self._update_enabled()
        self._on_position_changed(session.position)
        self.restore_view()
        self.timeline.setFocus()  # the keys start on the timeline, not in the first list or field
        try:
            project.require_source()
        except UserError as exc:  # the project still opens: cues can be edited, then relinked
            self.show_error(exc)
        self.source_watch.start()
        self.project_opened.emit(session)

    def _build_views(self, session: ProjectSession) -> None:
        source = session.project.source
        self.viewer.set_aspect(source.width, source.height)
        self.viewer.image = None
        loader = self.loader
        assert loader is not None
        if not loader.can_show_frames:
            self.viewer.set_note(loader.why_no_frames())
        else:
            self.viewer.set_note(self.tr("Loading picture..."))
        loader.frame_ready.connect(self._on_frame_ready)
        loader.display_size_ready.connect(self._on_display_size)
        loader.failed.connect(self.show_error)

        while self.timeline_layout.count():
            item = self.timeline_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.timeline_pane = TimelinePane(session)
        self.timeline = self.timeline_pane.timeline
        self.timeline.error.connect(self.show_error)
        self.timeline.cue_activated.connect(lambda _id: self.edit_prompt())
        self.timeline.lane_dragged.connect(self.drag_lane)
        self.timeline.marker_rename.connect(self.rename_marker)
        self.timeline.marker_delete.connect(self.delete_marker)
        self.timeline.range_released.connect(self.marks.make_cue)
        self.timeline.cue_menu_wanted.connect(self._cue_menu)
        self.timeline.lane_menu_wanted.connect(self._lane_menu)
        self.timeline.thumbnails_wanted.connect(loader.request_thumbnails)
        loader.thumbnail_ready.connect(self.timeline.set_thumbnail)
        loader.waveform_ready.connect(self.timeline.set_waveform)
        if not loader.can_show_frames:
            self.timeline.set_thumb_note(loader.why_no_frames())
        self.timeline_layout.addWidget(self.timeline_pane)

        self.inspector = CueInspector(session)
        self.inspector.error.connect(self.show_error)
        self.inspector.generate_requested.connect(self.generate)
        old = self.inspector_dock.widget()
        self.inspector_dock.setWidget(self.inspector)
        if old is not None:
            old.deleteLater()
        self.takes_panel = TakesPanel(session)
        self.takes_panel.error.connect(self.show_error)
        self.takes_panel.audition.connect(self.audition)
        self.takes_panel.generate_new_part.connect(self.generate_new_part)
        self.takes_panel.regenerate.connect(self.regenerate_whole)
        self.takes_panel.table.drag_file.connect(self.drag_take)
        self.jobs_panel = JobsPanel(session)
        self.jobs_panel.error_text.connect(lambda t: self.show_error(UserError(t)))
        self.jobs_panel.cancel_job.connect(self.cancel_job)
        self.jobs_panel.retry_job.connect(self.retry_job)
        self.jobs_panel.resolve_job.connect(self.resolve_job)
        while self.side_tabs.count():
            widget = self.side_tabs.widget(0)
            self.side_tabs.removeTab(0)
            if widget is not None:
                widget.deleteLater()
        self.side_tabs.addTab(self.takes_panel, self.tr("Takes"))
        self.side_tabs.addTab(self.jobs_panel, self.tr("Jobs"))
        self.cue_table = CueTableView(session)
        self.cue_table.error.connect(self.show_error)
        self.cue_table.drag_cue.connect(self.drag_cue)
        self.cue_table.activated_cue.connect(self._go_to_cue)
        self.cue_table.itemDelegate().closeEditor.connect(self._on_cell_edit_closed)
        old = self.cues_dock.widget()
        self.cues_dock.setWidget(self.cue_table)
        if old is not None:
            old.deleteLater()
        loader.load_waveform()

    def _on_cell_edit_closed(
        self, _editor: QWidget, hint: QAbstractItemDelegate.EndEditHint
    ) -> None:
        """Enter or Esc in a cue-list cell leaves it as they leave any field: the keys go back
        to the timeline (Tab goes on to the next cell)."""
        moving = (
            QAbstractItemDelegate.EndEditHint.EditNextItem,
            QAbstractItemDelegate.EndEditHint.EditPreviousItem,
        )
        if hint not in moving:
            self.field_keys.give_back()

    def _attach_engines(self, session: ProjectSession) -> None:
        from foleydesk.ui.controllers import attach_engines
        from foleydesk.ui.warmup import warm_up

        if not self._warmed:
            self._warmed = True
            asyncio.get_running_loop().run_in_executor(None, warm_up)
        attach_engines(self, session)

    async def close_session(self) -> None:
        if self.follower is not None:
            self.follower.close()
            self.follower.deleteLater()
            self.follower = None
            self._on_others_changed(None)
        if self.proxies is not None:
            proxies, self.proxies = self.proxies, None
            await proxies.close()  # a build stops at its next frame and removes its file
            proxies.deleteLater()
            self.proxy_status.hide()
        for controller in self.controllers:
            try:
                await controller.close()
            except Exception:
                log.exception("closing %r failed", controller)
        self.controllers.clear()
        self.jobs = None
        self.player = None
        if self.loader is not None:
            self.loader.close()
            self.loader = None
        self._jobs_status_timer.stop()
        self.jobs_status.hide()
        self.peaks_status.hide()
        if self.session is not None:
            self.inspector.commit_text()  # what is being typed belongs to this project
            self.keep_view()
            self.session.close()
            self.session = None

    def _on_selection_changed(self, _cue_id: object) -> None:
        """Several cues selected: say so (the inspector shows the first one only)."""
        session = self.session
        count = len(session.selected_ids()) if session is not None else 0
        if count > 1:
            self.status.showMessage(
                self.tr(
                    "{0} cues selected: G generates them all, Delete removes them all, "
                    "right-click for colour and lane. The inspector shows the first."
                ).format(count),
                8000,
            )

    def keep_view(self) -> None:
        """Playhead, zoom, scroll and the picture/timeline split, for the next opening."""
        session = self.session
        if session is None:
            return
        scale = self.timeline.scale
        fitted = abs(scale.px_per_frame - scale.width / scale.frame_count) < 1e-9
        save_view(
            session.project,
            ViewState(
                position=session.position,
                first_frame=scale.first_frame,
                visible_frames=None if fitted else scale.visible_frames,
                splitter=list(self.splitter.sizes()),
            ),
        )

    def restore_view(self) -> None:
        session = self.session
        if session is None:
            return
        state = load_view(session.project)
        if len(state.splitter) == self.splitter.count() and sum(state.splitter) > 0:
            self.splitter.setSizes(state.splitter)
        else:  # first opening: every lane in view when the window has room for it
            want = self.timeline_pane.full_height()
            total = sum(self.splitter.sizes())
            if total - want >= self.viewer.minimumHeight() + 40:
                self.splitter.setSizes([total - want, want])
        self.seek(state.position)
        timeline = self.timeline

        def zoom() -> None:  # once the timeline has its width
            if self.session is not session:
                return
            if state.visible_frames:
                scale = timeline.scale
                timeline.zoom(scale.visible_frames / state.visible_frames, 0.0)
            timeline.scroll_to(state.first_frame)

        QTimer.singleShot(0, zoom)

    def _on_model_changed(self, change: object) -> None:
        self.edit_revision += 1
        is_job = isinstance(change, Change) and change.entity is Entity.JOB
        if is_job and not self._jobs_status_timer.isActive():
            self._jobs_status_timer.start()  # progress arrives often: 4 updates a second

    def _update_jobs_status(self) -> None:
        running = (
            [j for j in self.session.project.jobs.values() if not j.state.finished]
            if self.session is not None
            else []
        )
        if not running:
            self.jobs_status.hide()
            return
        percent = round(100 * sum(j.progress for j in running) / len(running))
        self.jobs_status.setText(
            self.tr("{0} jobs running, {1} %").format(len(running), percent)
            if len(running) > 1
            else self.tr("1 job running, {0} %").format(percent)
        )
        self.jobs_status.show()

    def _on_peaks_progress(self, fraction: float | None) -> None:
        if fraction is None:
            self.peaks_status.hide()
            return
        percent = min(99, int(fraction * 100))
        self.peaks_status.setText(self.tr("Building waveform\u2026 {0} %").format(percent))
        self.peaks_status.show()

    def _on_others_changed(self, other: int | None) -> None:
        """Say when the project is not ours alone: edits from there appear here as they land."""
        if other is None:
            self.others_status.hide()
            return
        self.others_status.setText(self.tr("also open in another process"))
        if other > 0:
            self.others_status.setToolTip(
                self.tr("Process {0} has this project open too.").format(other)
            )
        self.others_status.show()

    # ------------------------------------------------------------------ viewer proxy

    @property
    def viewer_proxy(self) -> Path | None:
        """The open project's finished viewer proxy (None: frames come from the source)."""
        return self.proxies.path if self.proxies is not None else None

    def build_proxy_now(self) -> None:
        if self.proxies is not None:
            self.proxies.build_now()

    def _on_proxy_progress(self, fraction: float | None) -> None:
        if fraction is None:
            self.proxy_status.hide()
            return
        percent = min(99, int(fraction * 100))
        if self.proxies is not None and self.proxies.held:
            text = self.tr("Viewer proxy {0} %, paused while playing").format(percent)
        else:
            text = self.tr("Building viewer proxy\u2026 {0} %").format(percent)
        self.proxy_status.setText(text)
        self.proxy_status.show()

    def _on_proxy_ready(self, path: Path, built: bool) -> None:
        """The viewer and the player read the proxy from their next frame on."""
        if self.loader is not None:
            self.loader.use_proxy(path)
        if self.player is not None:
            self.player.use_proxy(path)
        if built:
            self.status.showMessage(self.tr("Viewer proxy ready: exact seeks are instant."), 5000)
        self._update_enabled()

    def _update_title(self) -> None:
        if self.session is None:
            self.setWindowTitle(APP_NAME)
            return
        project = self.session.project
        self.setWindowTitle(f"{project.name} \u2014 {APP_NAME}")

    def choose_file(self) -> None:
        dialog = QFileDialog(self, self.tr("Open a video or a FoleyDesk project"))
        patterns = " ".join(f"*{ext}" for ext in OPENABLE_SUFFIXES)
        dialog.setNameFilters(
            [self.tr("Videos and projects ({0})").format(patterns), self.tr("All files (*)")]
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        # Deleted when closed: a dialog left alive keeps watching (and reading) the folder the
        # new project is made in (core/filelock.py says why that once cost edits).
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.session is not None:  # start where the open project is (a new dialog each time)
            dialog.setDirectory(str(self.session.project.path.parent))
        dialog.fileSelected.connect(self.open_path)
        dialog.open()

    def choose_relink(self) -> None:
        if self.session is None:
            return
        dialog = QFileDialog(self, self.tr("Find the source video"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda p: self.tasks.spawn(self._relink(Path(p)), "relink"))
        dialog.open()

    async def _relink(self, path: Path) -> None:
        from foleydesk.ui.relink import relink

        await relink(self, path)

    async def install_project_again(self) -> None:
        if self.session is None:
            return
        path = self.session.project.path
        await self.close_session()
        project = await asyncio.get_running_loop().run_in_executor(None, Project.open, path)
        await self.install_project(project)

    def open_demo(self) -> asyncio.Task[bool]:
        return self.tasks.spawn(self.open_demo_async(), "demo")

    async def open_demo_async(self) -> bool:
        from foleydesk.demo import ensure_demo_project

        self.status.showMessage(self.tr("Preparing the demo project..."))
        self.viewer.set_note(self.tr("Rendering the demo clip..."))
        try:
            path = await asyncio.get_running_loop().run_in_executor(None, ensure_demo_project)
        except UserError as exc:
            self.show_error(exc)
            return False
        opened = await self.open_async(path)
        if opened and self.session is not None:
            cues = self.session.project.sorted_cues()
            if cues:  # the inspector shows the first example, so G works at once
                self.session.select_cue(cues[0].id)
            self.show_info(
                self.tr(
                    "This is the demo: two cues on the offline provider (no key, no network). "
                    "Select a cue and press G to generate, then audition and choose a take."
                )
            )
        return opened

    # ------------------------------------------------------------------ drops

    def dragEnterEvent(self, event: Any) -> None:
        self.viewer.dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:
        self.viewer.dropEvent(event)

    # ------------------------------------------------------------------ position and picture

    def seek(self, frame: int) -> None:
        if self.session is None:
            return
        if self.player is not None:
            self.player.seek(self.session.clamp_frame(frame))
        self.session.seek(frame)

    def step(self, frames: int) -> None:
        if self.session is not None:
            if self.player is not None and self.player.playing:
                self.player.pause()
            self.seek(self.session.position + frames)

    def go_end(self) -> None:
        if self.session is not None:
            self.seek(self.session.frame_count - 1)

    def _go_to_cue(self, cue_id: int) -> None:
        if self.session is not None and cue_id in self.session.project.cues:
            self.seek(self.session.project.cues[cue_id].in_frame)

    def _on_position_changed(self, frame: int) -> None:
        session = self.session
        if session is None:
            return
        timecode = session.timecode(frame)
        self.transport.set_position(timecode, frame, session.frame_count)
        self.viewer.set_timecode(timecode)
        playing = self.player is not None and self.player.playing
        if self.loader is not None and not playing:
            self.loader.request_frame(frame, self.viewer.wanted_size())

    def _on_display_size(self, width: int, height: int) -> None:
        if self.session is None:
            return
        self.viewer.set_aspect(width, height)
        self.timeline.set_display_size(width, height)
        if self.loader is not None:
            self.loader.request_frame(self.session.position, self.viewer.wanted_size())

    def _on_frame_ready(self, index: int, image: QImage) -> None:
        self.viewer.set_frame(index, image)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.session is not None and self.loader is not None:
            self.loader.request_frame(self.session.position, self.viewer.wanted_size())

    def zoom_in(self) -> None:
        if self.session is not None:
            self.timeline_pane.zoom_in()

    def zoom_out(self) -> None:
        if self.session is not None:
            self.timeline_pane.zoom_out()

    def fit(self) -> None:
        if self.session is not None:
            self.timeline.fit()

    # ------------------------------------------------------------------ marks and cues

    def _push(self, command: Command) -> bool:
        if self.session is None:
            return False
        try:
            self.session.push(command)
        except UserError as exc:
            self.show_error(exc)
            return False
        return True

    def add_marker(self) -> None:
        session = self.session
        if session is None:
            return
        here = session.position
        if any(m.frame == here for m in session.project.markers.values()):
            self.status.showMessage(self.tr("There is already a marker here."), 4000)
            return
        self._push(AddMarker(Marker(0, here), self.tr("Add marker")))

    def marker_before_playhead(self) -> Marker | None:
        """The marker at the playhead, else the nearest one before it."""
        if self.session is None:
            return None
        here = self.session.position
        earlier = [m for m in self.session.project.markers.values() if m.frame <= here]
        return max(earlier, key=lambda m: (m.frame, m.id)) if earlier else None

    def _no_marker(self) -> None:
        self.status.showMessage(self.tr("No marker at or before the playhead."), 4000)

    def delete_marker_here(self) -> None:
        marker = self.marker_before_playhead()
        if marker is None:
            self._no_marker()
            return
        self.delete_marker(marker.id)

    def delete_marker(self, marker_id: int) -> None:
        self._push(DeleteMarker(marker_id, self.tr("Delete marker")))

    def rename_marker_here(self) -> None:
        marker = self.marker_before_playhead()
        if marker is None:
            self._no_marker()
            return
        self.rename_marker(marker.id)

    def rename_marker(self, marker_id: int) -> asyncio.Task[None] | None:
        """Ask for the marker's name in a window-modal box (the loop keeps running)."""
        session = self.session
        if session is None or marker_id not in session.project.markers:
            return None
        marker = session.project.markers[marker_id]
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Rename marker"))
        dialog.setLabelText(self.tr("Marker at {0}:").format(session.timecode(marker.frame)))
        dialog.setTextValue(marker.label)
        self.marker_dialog = dialog

        async def ask() -> None:
            accepted = await dialog_result(dialog) == QInputDialog.DialogCode.Accepted
            label = dialog.textValue().strip()
            dialog.deleteLater()
            self.marker_dialog = None
            if not accepted or self.session is not session:
                return
            current = session.project.markers.get(marker_id)
            if current is not None and current.label != label:
                self._push(EditMarker(marker_id, {"label": label}, self.tr("Rename marker")))

        return self.tasks.spawn(ask(), "rename-marker")

    def show_waveform_of(self, position: int | None) -> None:
        """The source waveform of one audio stream (position in the list), or None: the
        production streams summed."""
        if self.session is None or self.loader is None:
            return
        self.session.project.update_source(waveform_stream=position)
        self.loader.load_waveform()

    def ask_start_timecode(self) -> asyncio.Task[None] | None:
        """Set or change the project's start timecode (a reference export often has none);
        every cue stays on its frame and every export uses it."""
        session = self.session
        if session is None:
            return None
        source = session.project.source
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Start timecode"))
        rate = format_rate(source.timecode_rate)
        dialog.setLabelText(
            self.tr(
                "Timecode of the first frame (at {0} fps; ';' before the frames for DF):"
            ).format(rate)
        )
        dialog.setTextValue(source.start_timecode())
        self.start_tc_dialog = dialog

        async def ask() -> None:
            accepted = await dialog_result(dialog) == QInputDialog.DialogCode.Accepted
            text = dialog.textValue()
            dialog.deleteLater()
            self.start_tc_dialog = None
            if not accepted or self.session is not session:
                return
            try:
                session.project.update_source(**start_timecode_change(source, text))
            except UserError as exc:
                self.show_error(exc)
                return
            self._on_position_changed(session.position)
            self.status.showMessage(
                self.tr("Start timecode {0}").format(session.project.source.start_timecode()), 4000
            )

        return self.tasks.spawn(ask(), "start-timecode")

    def edit_prompt(self) -> None:
        if self.session is not None and self.session.selected_cue is not None:
            self.inspector_dock.show()
            self.inspector.focus_prompt()

    def delete_selection(self) -> None:
        if self.session is None:
            return
        focus = self.focusWidget()
        if focus is not None and self.takes_panel.isAncestorOf(focus):
            self.takes_panel.delete_selected()
            return
        from foleydesk.ui.selection import delete_cues

        delete_cues(self, self.session.selected_ids())

    def _cue_menu(self, cue_id: int, where: QPoint) -> None:
        from foleydesk.ui.timeline_menu import cue_menu

        if self.session is not None and cue_id in self.session.project.cues:
            menu = cue_menu(self, cue_id)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(where)

    def _lane_menu(self, lane_id: int, where: QPoint) -> None:
        from foleydesk.ui.timeline_menu import lane_menu

        if self.session is not None and lane_id in self.session.project.lanes:
            menu = lane_menu(self, lane_id)
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(where)

    def select_all(self) -> None:
        """Ctrl+A: every cue (in a text field, Ctrl+A stays the field's own)."""
        if self.session is not None:
            self.session.set_selection([c.id for c in self.session.project.sorted_cues()])

    def compare_selected(self) -> None:
        if self.session is not None and self.session.selected_ids():
            from foleydesk.ui.compare import compare_cues

            compare_cues(self, self.session.selected_ids())

    def step_take(self, step: int) -> None:
        if self.session is not None:
            self.takes_panel.step(step)

    def choose_take(self) -> None:
        if self.session is not None:
            self.takes_panel.choose_current()

    def undo(self) -> None:
        if self.session is not None and self.session.undo_stack.canUndo():
            self.session.undo_stack.undo()

    def redo(self) -> None:
        if self.session is not None and self.session.undo_stack.canRedo():
            self.session.undo_stack.redo()

    # ------------------------------------------------------------------ engines (controllers)

    def generate_cues(self, cue_ids: list[int]) -> None:
        from foleydesk.ui.selection import generate_cues

        generate_cues(self, cue_ids)

    def compare_cues(self, cue_ids: list[int]) -> None:
        from foleydesk.ui.compare import compare_cues

        compare_cues(self, cue_ids)

    def generate_selected(self) -> None:
        if self.session is not None and len(self.session.selected_ids()) > 1:
            self.generate_cues(self.session.selected_ids())
            return
        if self.session is not None and self.session.selected_cue is not None:
            self.inspector.commit_text()
            if self.inspector.generate_button.isEnabled():
                self.generate(self.session.selected_cue.id)
            else:
                self.show_error(
                    UserError(
                        self.tr("This cue cannot be generated yet."),
                        self.inspector.generate_button.toolTip(),
                    )
                )

    def generate(self, cue_id: int) -> None:
        if self.jobs is None:
            self.show_error(UserError(self.tr("Generating is not available."), self.jobs_blocker))
            return
        self.jobs.generate(cue_id)

    def _cue_for_action(self, cue_id: int | None) -> int | None:
        """The given cue, or the selected one (menus and context menus call without an id)."""
        if cue_id is None and self.session is not None and self.session.selected_cue:
            cue_id = self.session.selected_cue.id
        if cue_id is None:
            return None
        if self.jobs is None:
            self.show_error(UserError(self.tr("Generating is not available."), self.jobs_blocker))
            return None
        self.inspector.commit_text()
        return cue_id

    def generate_new_part(self, cue_id: int | None = None) -> None:
        """Generate only the not-generated (hatched) part of a cue and join it to its take."""
        cue_id = self._cue_for_action(cue_id)
        if cue_id is not None and self.jobs is not None:
            self.jobs.generate_new_part(cue_id)

    def regenerate_whole(self, cue_id: int | None = None) -> None:
        """Generate the whole cue again; the new take becomes the chosen one."""
        cue_id = self._cue_for_action(cue_id)
        if cue_id is not None and self.jobs is not None:
            self.jobs.generate(cue_id, choose=True)

    def cancel_job(self, job_id: int) -> None:
        if self.jobs is not None:
            self.jobs.cancel(job_id)

    def retry_job(self, job_id: int) -> None:
        if self.jobs is not None:
            self.jobs.retry(job_id)

    def resolve_job(self, job_id: int, resend: bool) -> None:
        if self.jobs is None:
            return
        if not resend:
            self.jobs.resolve(job_id, False)
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Send again?"),
            self.tr(
                "The provider may already be running this job and billing it. Sending it again "
                "may charge twice."
            ),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        send = box.addButton(self.tr("Send again"), QMessageBox.ButtonRole.AcceptRole)

        async def ask() -> None:
            await dialog_result(box)
            if box.clickedButton() is send and self.jobs is not None:
                self.jobs.resolve(job_id, True)

        self.tasks.spawn(ask(), "resolve")

    def toggle_play(self) -> None:
        if self.player is not None:
            self.player.toggle()

    def set_playing(self, playing: bool) -> None:
        """The picture started or stopped: the transport shows it, and a viewer proxy build
        holds while it plays (on two cores it takes the CPU the picture and the keys need)."""
        self.transport.set_playing(playing)
        if self.proxies is not None:
            self.proxies.hold(playing)

    def key_j(self) -> None:
        """J: backwards (again: faster); with K held, one frame back."""
        if self.field_keys.k_held or self.player is None:
            self.step(-1)
        else:
            self.player.key_j()

    def key_k(self) -> None:
        if self.player is not None:
            self.player.pause()

    def key_l(self) -> None:
        """L: forwards (again: 2x, 4x, 8x); with K held, one frame forward."""
        if self.field_keys.k_held or self.player is None:
            self.step(1)
        else:
            self.player.key_l()

    def play_marked(self) -> None:
        """Shift+Space: the marked range once (the selected cue when nothing is marked)."""
        session = self.session
        if self.player is None or session is None:
            return
        start, end = session.mark_in, session.mark_out
        cue = session.selected_cue
        if start is None and end is None:
            if cue is None:
                self.status.showMessage(self.tr("Mark a range (I, O) to play it."), 4000)
                return
            start, end = cue.in_frame, cue.out_frame
        start = start if start is not None else session.position
        end = end if end is not None else session.frame_count
        self.player.play_range(start, end)

    def play_cue(self) -> None:
        if self.player is not None and self.session is not None:
            cue = self.session.selected_cue
            if cue is not None:
                self.player.play_cue(cue.id, None)

    def audition(self, take_id: int) -> None:
        if self.player is not None and self.session is not None:
            take = self.session.project.takes.get(take_id)
            if take is not None:
                self.player.play_cue(take.cue_id, take_id)

    def _on_loop_toggled(self, on: bool) -> None:
        if self.player is not None:
            self.player.set_loop(on)

    def _on_volume(self, volume: float) -> None:
        if self.player is not None:
            self.player.set_volume(volume)

    def drag_take(self, take_id: int) -> None:
        from foleydesk.ui.dragout import drag_take

        drag_take(self, take_id)

    def drag_cue(self, cue_id: int) -> None:
        from foleydesk.ui.dragout import drag_cue

        drag_cue(self, cue_id, self.cue_table)

    def drag_lane(self, lane_id: int) -> None:
        from foleydesk.ui.dragout import drag_lane

        drag_lane(self, lane_id, self.timeline)

    def choose_markers(self) -> None:
        """File > Import markers: the NLE's markers become cues (one undo step)."""
        if self.session is None:
            return
        dialog = QFileDialog(self, self.tr("Import markers from Premiere or Resolve"))
        dialog.setNameFilters(
            [
                self.tr("Markers (*.xml *.fcpxml *.edl *.otio *.csv *.txt)"),
                self.tr("All files (*)"),
            ]
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda p: self.import_markers(Path(p)))
        dialog.open()

    def import_markers(self, path: Path) -> None:
        from foleydesk.interchange.markers_cues import ImportMarkers

        if self.session is None:
            return
        command = ImportMarkers(path, load_settings().marker_cue_seconds)
        try:
            self.session.push(command)
        except UserError as exc:
            self.show_error(exc)
            return
        assert command.result is not None
        lines = [command.result.summary()]
        lines += [
            self.tr("Not placed: {0}: {1}").format(m.name or self.tr("no name"), why)
            for m, why in command.result.outside
        ]
        self.show_info("\n".join(lines))

    def show_export(self) -> None:
        if self.session is None:
            return
        from foleydesk.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.session, self.tasks, self)
        dialog.open()

    def show_settings(self) -> None:
        from foleydesk.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        dialog.saved.connect(self._on_settings_saved)
        dialog.open()

    def _on_settings_saved(self) -> None:
        if self.session is not None:
            self.tasks.spawn(self.install_project_again(), "reload-settings")

    def show_help(self) -> None:
        if not any(sheet.isVisible() for sheet in self.findChildren(HelpSheet)):
            sheet = HelpSheet(self)
            sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            sheet.open()

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session is not None:
            self.inspector.commit_text()
            self.keep_view()
        preferences.save_window(self.saveGeometry(), self.saveState())
        if self.proxies is not None:
            self.proxies.cancel()  # quitting: the build thread stops at its next frame
        self.closed.emit()
        super().closeEvent(event)
