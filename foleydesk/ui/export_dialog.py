"""Export: the formats the export capability offers, a destination, progress and cancel.

Rendering runs in a worker thread; its progress comes back through the loop. The video needs
the source file, so it is offered disabled (with the reason) when the source is missing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foleydesk.errors import UserError
from foleydesk.interchange.export import export_timeline
from foleydesk.media.mux import mux_video
from foleydesk.media.stems import StemExport, export_stems
from foleydesk.ui.compat import TaskKeeper
from foleydesk.ui.session import ProjectSession

log = logging.getLogger(__name__)
TIMELINE_FORMATS = (
    ("fcp7", "Premiere / Resolve: FCP7 XML (.xml)", ".xml"),
    ("fcpxml", "Final Cut / Resolve: FCPXML (.fcpxml)", ".fcpxml"),
    ("edl", "CMX3600 EDL (.edl)", ".edl"),
    ("otio", "OpenTimelineIO (.otio)", ".otio"),
)


class ExportDialog(QDialog):
    def __init__(
        self, session: ProjectSession, tasks: TaskKeeper, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.cancel_flag = threading.Event()
        self.running: asyncio.Task[None] | None = None
        self.setWindowTitle(self.tr("Export"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        dest_row = QHBoxLayout()
        self.dest = QLineEdit(str(session.project.exports_dir))
        browse = QPushButton(self.tr("Choose..."))
        browse.clicked.connect(self._browse)
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(browse)
        form.addRow(self.tr("Folder"), dest_row)
        layout.addLayout(form)

        self.stems = QCheckBox(
            self.tr("Stems: one BWF per cue, one per lane, and the mix (at the source's timecode)")
        )
        self.stems.setChecked(True)
        layout.addWidget(self.stems)
        mux_reason = ""
        if self.session.project.source_path is None:
            mux_reason = self.tr("The source video was not found: relink it first.")
        self.video = QCheckBox(self.tr("Video with the mix (source picture copied, no re-encode)"))
        self._offer(self.video, mux_reason, False)
        layout.addWidget(self.video)
        row = QHBoxLayout()
        self.timeline = QCheckBox(self.tr("Timeline for your NLE:"))
        self.timeline.setChecked(True)
        self.timeline_format = QComboBox()
        for key, text, _suffix in TIMELINE_FORMATS:
            self.timeline_format.addItem(text, key)
        row.addWidget(self.timeline)
        row.addWidget(self.timeline_format, 1)
        layout.addLayout(row)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("Secondary")
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"))
        self.export_button = QPushButton(self.tr("Export"))
        self.export_button.setObjectName("Primary")
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        self.close_button.clicked.connect(self._close_or_cancel)
        self.export_button.clicked.connect(self._start)

    def _offer(self, box: QCheckBox, reason: str, default: bool) -> None:
        box.setEnabled(not reason)
        box.setChecked(default and not reason)
        box.setToolTip(reason)
        if reason:
            box.setText(box.text() + "  \u2014  " + self.tr("not available"))

    def _browse(self) -> None:
        dialog = QFileDialog(self, self.tr("Export to folder"), self.dest.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.fileSelected.connect(self.dest.setText)
        dialog.open()

    def _close_or_cancel(self) -> None:
        if self.running is not None and not self.running.done():
            self.cancel_flag.set()
            self.status.setText(self.tr("Cancelling..."))
        else:
            self.reject()

    def _start(self) -> None:
        if self.running is not None and not self.running.done():
            return
        if not (self.stems.isChecked() or self.video.isChecked() or self.timeline.isChecked()):
            self.status.setText(self.tr("Choose at least one thing to export."))
            return
        self.cancel_flag.clear()
        self.export_button.setEnabled(False)
        self.close_button.setText(self.tr("Cancel"))
        self.running = self.tasks.spawn(self._run(Path(self.dest.text()).expanduser()), "export")

    async def _run(self, folder: Path) -> None:
        loop = asyncio.get_running_loop()
        project = self.session.project

        def progress(fraction: float) -> None:
            loop.call_soon_threadsafe(self.progress.setValue, int(fraction * 1000))

        written: list[str] = []
        try:
            stems_result: StemExport | None = None
            if self.stems.isChecked() or self.timeline.isChecked():
                self.status.setText(self.tr("Rendering stems..."))
                stems_result = await loop.run_in_executor(
                    None,
                    lambda: export_stems(
                        project, folder / "stems", None, progress, self.cancel_flag
                    ),
                )
                written.append(str(folder / "stems"))
            if self.video.isChecked():
                video_out = folder / f"{project.name} with foley.mp4"
                self.status.setText(self.tr("Writing the video..."))
                await loop.run_in_executor(
                    None,
                    lambda: mux_video(project, video_out, "mix", True, progress, self.cancel_flag),
                )
                written.append(str(video_out))
            if self.timeline.isChecked():
                key = str(self.timeline_format.currentData())
                suffix = next(s for k, _t, s in TIMELINE_FORMATS if k == key)
                timeline_out = folder / f"{project.name}{suffix}"
                await loop.run_in_executor(
                    None, lambda: export_timeline(project, timeline_out, key, stems_result)
                )
                written.append(str(timeline_out))
            self.progress.setValue(1000)
            self.status.setText(self.tr("Done:\n") + "\n".join(written))
        except UserError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
        except Exception as exc:
            log.exception("export failed")
            self.status.setText(self.tr("Export failed: {0}").format(exc))
        finally:
            self.export_button.setEnabled(True)
            self.close_button.setText(self.tr("Close"))
