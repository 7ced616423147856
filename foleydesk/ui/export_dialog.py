"""Export: everything `foleydesk export` offers, a destination, progress and cancel.

The dialog only fills an ExportRequest; `interchange.export.export_project` does the work in a
worker thread, exactly as the CLI does, and its progress comes back through the loop. The video
needs the source file, so it is offered disabled (with the reason) when the source is missing.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from foleydesk.core.timebase import format_rate
from foleydesk.errors import UserError
from foleydesk.interchange.export import ExportRequest
from foleydesk.interchange.sequence import default_sequence_rate, sequence_rate
from foleydesk.ui.compat import TaskKeeper
from foleydesk.ui.export_parts import PartsOutcome, load_choices, run_parts, save_choices
from foleydesk.ui.post_export import PostExportGroup, loudness_lines
from foleydesk.ui.session import ProjectSession

log = logging.getLogger(__name__)

# (request field, label, file suffix)
TIMELINE_FORMATS = (
    ("xml", "FCP7 XML for Premiere and Resolve (.xml)", ".xml"),
    ("fcpxml", "FCPXML for Resolve and Final Cut (.fcpxml)", ".fcpxml"),
    ("edl", "CMX3600 EDL (.edl)", ".edl"),
    ("otio", "OpenTimelineIO (.otio)", ".otio"),
)


SEQUENCE_RATE_CHOICES = (
    "23.976",
    "24",
    "25",
    "29.97",
    "29.97df",
    "30",
    "47.952",
    "48",
    "50",
    "59.94",
    "59.94df",
    "60",
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
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)

        dest_row = QHBoxLayout()
        self.dest = QLineEdit(str(session.project.exports_dir))
        browse = QPushButton(self.tr("Choose..."))
        browse.clicked.connect(self._browse)
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Folder"), dest_row)
        layout.addLayout(form)

        layout.addWidget(self._stems_group())
        layout.addWidget(self._video_group())
        layout.addWidget(self._timeline_group())
        self.post = PostExportGroup(self)
        layout.addWidget(self.post)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("Secondary")
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # A long report (every file, loudness) scrolls instead of growing the dialog off screen.
        report = QScrollArea()
        report.setWidgetResizable(True)
        report.setFrameShape(QFrame.Shape.NoFrame)
        report.setMinimumHeight(150)
        report.setMaximumHeight(220)
        report.setWidget(self.status)
        layout.addWidget(report)
        buttons = QHBoxLayout()
        self.reveal_button = QPushButton(self.tr("Reveal in folder"))
        self.reveal_button.setEnabled(False)
        self.reveal_button.clicked.connect(self.reveal)
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"))
        self.export_button = QPushButton(self.tr("Export"))
        self.export_button.setObjectName("Primary")
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        self.close_button.clicked.connect(self._close_or_cancel)
        self.export_button.clicked.connect(self._start)
        # Enter exports (not "Choose...", the first button in the dialog).
        for button in (browse, self.reveal_button, self.close_button):
            button.setAutoDefault(False)
        self.export_button.setDefault(True)
        self.restore_choices(load_choices(session.project))
        self.last_folder: Path | None = None

    # -- choices kept per project --

    def choices(self) -> dict[str, Any]:
        """What the editor ticked, to offer again next time for this project."""
        return {
            "folder": self.dest.text(),
            "stems": self.stems.isChecked(),
            "float": self.float_stems.isChecked(),
            "handles": self.handles.value(),
            "video": self.video.isChecked(),
            "container": self.video_container.currentData(),
            "audio_mode": self.audio_mode.currentData(),
            "production_audio": self.include_original.isChecked(),
            "timeline": self.timeline.isChecked(),
            "formats": {k: box.isChecked() for k, box in self.timeline_formats.items()},
            "start_at_hour": self.start_at_hour.isChecked(),
            "relative_paths": self.relative_paths.isChecked(),
            "post": self.post.choices(),
        }

    def restore_choices(self, data: dict[str, Any]) -> None:
        def flag(key: str, box: QCheckBox | QGroupBox) -> None:
            if isinstance(data.get(key), bool):
                box.setChecked(data[key])

        if isinstance(data.get("folder"), str) and data["folder"].strip():
            self.dest.setText(data["folder"])
        flag("stems", self.stems)
        flag("float", self.float_stems)
        if isinstance(data.get("handles"), (int, float)):
            self.handles.setValue(float(data["handles"]))
        if self.video.isEnabled():
            flag("video", self.video)
        for key, combo in (("container", self.video_container), ("audio_mode", self.audio_mode)):
            index = combo.findData(data.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        flag("production_audio", self.include_original)
        flag("timeline", self.timeline)
        formats = data.get("formats")
        if isinstance(formats, dict):
            for key, box in self.timeline_formats.items():
                if isinstance(formats.get(key), bool):
                    box.setChecked(formats[key])
        flag("start_at_hour", self.start_at_hour)
        flag("relative_paths", self.relative_paths)
        if isinstance(data.get("post"), dict):
            self.post.restore(data["post"])

    def reveal(self) -> None:
        folder = self.last_folder or Path(self.dest.text()).expanduser()
        if folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # -- the three groups --

    def _stems_group(self) -> QGroupBox:
        self.stems = QGroupBox(
            self.tr("Stems: one BWF per cue, one per lane and the mix, at the source's timecode")
        )
        self.stems.setCheckable(True)
        self.stems.setChecked(True)
        row = QHBoxLayout(self.stems)
        self.float_stems = QCheckBox(self.tr("32-bit float (else 24-bit)"))
        self.handles = QDoubleSpinBox()
        self.handles.setRange(0.0, 10.0)
        self.handles.setSingleStep(0.5)
        self.handles.setSuffix(self.tr(" s handles"))
        self.handles.setToolTip(
            self.tr("Extra audio before and after each cue, where the take has it")
        )
        row.addWidget(self.float_stems)
        row.addWidget(self.handles)
        row.addStretch(1)
        return self.stems

    def _video_group(self) -> QGroupBox:
        self.video = QGroupBox(self.tr("Video: the source picture copied, no re-encode"))
        self.video.setCheckable(True)
        self.video.setChecked(False)
        row = QHBoxLayout(self.video)
        self.video_container = QComboBox()
        self.video_container.addItem(self.tr("MOV with PCM audio"), ".mov")
        self.video_container.addItem(self.tr("MP4 with AAC audio"), ".mp4")
        self.video_container.addItem(self.tr("MKV with PCM audio (any picture codec)"), ".mkv")
        self.audio_mode = QComboBox()
        self.audio_mode.addItem(self.tr("the mix as one track"), "mix")
        self.audio_mode.addItem(self.tr("separate tracks (original, lanes, mix)"), "tracks")
        self.include_original = QCheckBox(self.tr("production audio"))
        self.include_original.setChecked(True)
        for widget in (self.video_container, self.audio_mode, self.include_original):
            row.addWidget(widget)
        if self.session.project.source_path is None:
            reason = self.tr("The source video was not found: relink it first.")
            self.video.setEnabled(False)
            self.video.setToolTip(reason)
            self.video.setTitle(self.video.title() + "  \u2014  " + self.tr("not available"))
        return self.video

    def _timeline_group(self) -> QGroupBox:
        self.timeline = QGroupBox(self.tr("Timelines for your NLE (they reference the stems)"))
        self.timeline.setCheckable(True)
        self.timeline.setChecked(True)
        column = QVBoxLayout(self.timeline)
        self.timeline_formats: dict[str, QCheckBox] = {}
        for field, text, _suffix in TIMELINE_FORMATS:
            box = QCheckBox(self.tr(text))
            box.setChecked(field == "xml")
            self.timeline_formats[field] = box
            column.addWidget(box)
        options = QHBoxLayout()
        self.start_at_hour = QCheckBox(
            self.tr("Sequence starts at 01:00:00:00 (Resolve's default)")
        )
        self.relative_paths = QCheckBox(self.tr("Relative paths (OTIO)"))
        options.addWidget(self.start_at_hour)
        options.addWidget(self.relative_paths)
        options.addStretch(1)
        column.addLayout(options)
        column.addLayout(self._sequence_rate_row())
        return self.timeline

    def _sequence_rate_row(self) -> QHBoxLayout:
        """The rate timelines are written at: the source's own when an NLE has it; otherwise
        the rate the NLE would conform it to, said so, and changeable (kept in the project)."""
        source = self.session.project.source
        default = default_sequence_rate(source)
        chosen = sequence_rate(self.session.project)
        row = QHBoxLayout()
        self.sequence_rate = QComboBox()
        for text in SEQUENCE_RATE_CHOICES:
            label = text.replace("df", " DF")
            if text == default.text:
                label += self.tr(" (default)")
            self.sequence_rate.addItem(label, text)
        self.sequence_rate.setCurrentIndex(max(0, self.sequence_rate.findData(chosen.text)))
        row.addWidget(QLabel(self.tr("Sequence rate")))
        row.addWidget(self.sequence_rate)
        if not source.smpte:
            what = self.tr("VFR, about {0} fps") if source.vfr else self.tr("{0} fps")
            note = QLabel(
                self.tr("The source is {0}: NLEs conform it to {1}.").format(
                    what.format(format_rate(source.frame_rate)), default.text
                )
            )
            note.setObjectName("SequenceRateNote")
            row.addWidget(note)
        row.addStretch(1)
        return row

    # -- running --

    def request_for(self, folder: Path) -> ExportRequest:
        """What the ticked boxes ask for, as the CLI would say it."""
        project = self.session.project
        handles = Fraction(repr(self.handles.value())) * project.source.frame_rate
        fields: dict[str, Any] = {
            "stems_dir": folder / "stems" if self.stems.isChecked() else None,
            "subtype": "float32" if self.float_stems.isChecked() else "pcm24",
            "handle_frames": math.ceil(handles),
            "start_at_hour": self.start_at_hour.isChecked(),
            "relative_paths": self.relative_paths.isChecked(),
            "sequence_rate": str(self.sequence_rate.currentData()),
        }
        if self.video.isChecked() and self.video.isEnabled():
            suffix = str(self.video_container.currentData())
            fields["video"] = folder / f"{project.name} with foley{suffix}"
            fields["audio_mode"] = "tracks" if self.audio_mode.currentData() == "tracks" else "mix"
            fields["include_original"] = self.include_original.isChecked()
        if self.timeline.isChecked():
            for field, _text, suffix in TIMELINE_FORMATS:
                if self.timeline_formats[field].isChecked():
                    fields[field] = folder / f"{project.name}{suffix}"
        fields.update(self.post.request_fields(folder, project))
        return ExportRequest(**fields)

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
        request = self.request_for(Path(self.dest.text()).expanduser())
        try:
            request.validate()
        except UserError:
            self.status.setText(self.tr("Choose at least one thing to export."))
            return
        self.cancel_flag.clear()
        self.export_button.setEnabled(False)
        self.close_button.setText(self.tr("Cancel"))
        self.running = self.tasks.spawn(self._run(request), "export")

    async def _run(self, request: ExportRequest) -> None:
        loop = asyncio.get_running_loop()
        project = self.session.project
        save_choices(project, self.choices())
        self.last_folder = Path(self.dest.text()).expanduser()

        def progress(fraction: float) -> None:
            loop.call_soon_threadsafe(self.progress.setValue, int(fraction * 1000))

        self.status.setText(self.tr("Exporting..."))
        try:
            outcome = await loop.run_in_executor(
                None, lambda: run_parts(project, request, progress, self.cancel_flag)
            )
            self.progress.setValue(1000)
            self.status.setText(self.outcome_text(outcome))
            self.reveal_button.setEnabled(self.last_folder.is_dir())
        finally:
            self.export_button.setEnabled(True)
            self.close_button.setText(self.tr("Close"))

    def outcome_text(self, outcome: PartsOutcome) -> str:
        """Written files by name, then what was not written and why (never a traceback)."""
        folder = self.last_folder
        lines: list[str] = []

        def shown(path: Path) -> str:
            if folder is not None and path.is_relative_to(folder):
                return str(path.relative_to(folder))
            return str(path)

        if outcome.failed:
            lines.append(self.tr("Done, with problems."))
        elif outcome.cancelled:
            lines.append(self.tr("Cancelled."))
        else:
            lines.append(self.tr("Done:"))
        if outcome.written:
            lines.append(self.tr("Written:"))
            lines += [f"  {shown(p)}" for p in outcome.written]
        if outcome.reused:
            lines.append(self.tr("{0} stems already up to date").format(len(outcome.reused)))
        if outcome.stems is not None:
            lines.append(self.tr("Loudness:"))
            lines += [f"  {line}" for line in loudness_lines(outcome.stems)]
        if outcome.failed:
            lines.append(self.tr("Not written:"))
            lines += [f"  {what}: {why}" for what, why in outcome.failed]
        return "\n".join(lines)
