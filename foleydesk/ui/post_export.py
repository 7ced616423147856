"""The export dialog's hand-off to post sound: AAF, spotting sheet, loudness, file naming and
category stems. One group that fills the same ExportRequest fields the CLI flags do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QWidget,
)

from foleydesk.core.project import Project
from foleydesk.interchange.aaf import AafOptions
from foleydesk.media.normalize import PRESETS, LoudnessTarget
from foleydesk.media.stem_loudness import LoudnessPlan
from foleydesk.media.stems import StemExport

CUSTOM = "custom"


class PostExportGroup(QGroupBox):
    """AAF for Pro Tools, a spotting sheet, loudness targets, UCS names, category stems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("For post sound: AAF, spotting sheet, loudness, names"))
        self.setCheckable(True)
        self.setChecked(False)
        form = QFormLayout(self)

        aaf_row = QHBoxLayout()
        self.aaf = QCheckBox(self.tr("AAF for Pro Tools (.aaf)"))
        self.aaf_link = QComboBox()
        self.aaf_link.addItem(self.tr("clips link each cue's file"), "clips")
        self.aaf_link.addItem(self.tr("clips link the lane stems"), "stems")
        self.aaf_embed = QCheckBox(self.tr("embed the audio (one file)"))
        for widget in (self.aaf, self.aaf_link, self.aaf_embed):
            aaf_row.addWidget(widget)
        aaf_row.addStretch(1)
        form.addRow(self.tr("AAF"), aaf_row)

        spot_row = QHBoxLayout()
        self.spotting = QCheckBox(self.tr("Spotting sheet"))
        self.spotting_format = QComboBox()
        self.spotting_format.addItem(self.tr("PDF to print"), ".pdf")
        self.spotting_format.addItem(self.tr("CSV for a database"), ".csv")
        spot_row.addWidget(self.spotting)
        spot_row.addWidget(self.spotting_format)
        spot_row.addStretch(1)
        form.addRow(self.tr("Spotting"), spot_row)

        loud_row = QHBoxLayout()
        self.loudness = QComboBox()
        self.loudness.addItem(self.tr("measure only"), "none")
        for key, preset in PRESETS.items():
            self.loudness.addItem(preset.describe(), key)
        self.loudness.addItem(self.tr("custom"), CUSTOM)
        self.custom_lufs = QDoubleSpinBox()
        self.custom_lufs.setRange(-40.0, -5.0)
        self.custom_lufs.setValue(-20.0)
        self.custom_lufs.setSuffix(" LUFS")
        self.true_peak = QDoubleSpinBox()
        self.true_peak.setRange(-20.0, 0.0)
        self.true_peak.setValue(-1.0)
        self.true_peak.setSuffix(" dBTP")
        self.normalize = QComboBox()
        self.normalize.addItem(self.tr("each lane stem"), "lanes")
        self.normalize.addItem(self.tr("the mix"), "mix")
        for control in (self.loudness, self.custom_lufs, self.true_peak, self.normalize):
            loud_row.addWidget(control)
        loud_row.addStretch(1)
        form.addRow(self.tr("Loudness"), loud_row)
        self.loudness.currentIndexChanged.connect(self._on_loudness_changed)
        # Ticking the group enables every child again: re-apply what the preset allows.
        self.toggled.connect(self._on_loudness_changed)
        self._on_loudness_changed()

        names_row = QHBoxLayout()
        self.naming = QComboBox()
        self.naming.addItem(self.tr("label_lane.wav"), "default")
        self.naming.addItem(self.tr("UCS: CatID_FXName_CreatorID_SourceID"), "ucs")
        self.creator_id = QLineEdit("FD")
        self.creator_id.setMaximumWidth(80)
        self.creator_id.setToolTip(self.tr("UCS CreatorID: you or your company, short"))
        names_row.addWidget(self.naming)
        names_row.addWidget(self.creator_id)
        names_row.addStretch(1)
        form.addRow(self.tr("Clip names"), names_row)

        groups_row = QHBoxLayout()
        self.category_stems = QCheckBox(self.tr("a stem per category"))
        self.m_and_e = QCheckBox(self.tr("M&&E (no dialogue)"))  # && shows one &
        groups_row.addWidget(self.category_stems)
        groups_row.addWidget(self.m_and_e)
        groups_row.addStretch(1)
        form.addRow(self.tr("Stems"), groups_row)

    def _boxes(self) -> dict[str, QCheckBox]:
        return {
            "aaf": self.aaf,
            "aaf_embed": self.aaf_embed,
            "spotting": self.spotting,
            "category_stems": self.category_stems,
            "m_and_e": self.m_and_e,
        }

    def _combos(self) -> dict[str, QComboBox]:
        return {
            "aaf_link": self.aaf_link,
            "spotting_format": self.spotting_format,
            "loudness": self.loudness,
            "normalize": self.normalize,
            "naming": self.naming,
        }

    def choices(self) -> dict[str, Any]:
        """What to remember for this project's next export (the dialog keeps it)."""
        data: dict[str, Any] = {"on": self.isChecked()}
        data.update({k: box.isChecked() for k, box in self._boxes().items()})
        data.update({k: combo.currentData() for k, combo in self._combos().items()})
        data.update(
            custom_lufs=self.custom_lufs.value(),
            true_peak=self.true_peak.value(),
            creator_id=self.creator_id.text(),
        )
        return data

    def restore(self, data: dict[str, Any]) -> None:
        for key, combo in self._combos().items():
            index = combo.findData(data.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        for key, box in self._boxes().items():
            if isinstance(data.get(key), bool):
                box.setChecked(data[key])
        for key, spin in (("custom_lufs", self.custom_lufs), ("true_peak", self.true_peak)):
            if isinstance(data.get(key), (int, float)):
                spin.setValue(float(data[key]))
        if isinstance(data.get("creator_id"), str):
            self.creator_id.setText(data["creator_id"])
        if isinstance(data.get("on"), bool):
            self.setChecked(data["on"])

    def _on_loudness_changed(self) -> None:
        choice = self.loudness.currentData()
        self.custom_lufs.setVisible(choice == CUSTOM)
        on = self.isChecked() and choice != "none"
        self.true_peak.setEnabled(on)
        self.normalize.setEnabled(on)
        if choice in PRESETS:
            self.true_peak.setValue(PRESETS[choice].true_peak)

    def target(self) -> LoudnessTarget | None:
        choice = self.loudness.currentData()
        if choice == "none":
            return None
        if choice == CUSTOM:
            return LoudnessTarget("custom", self.custom_lufs.value(), self.true_peak.value())
        preset = PRESETS[str(choice)]
        return LoudnessTarget(preset.name, preset.integrated, self.true_peak.value())

    def request_fields(self, folder: Path, project: Project) -> dict[str, Any]:
        """ExportRequest fields; nothing when the group is off (then nothing changes)."""
        if not self.isChecked():
            return {}
        fields: dict[str, Any] = {
            "loudness": LoudnessPlan(self.target(), str(self.normalize.currentData())),
            "naming": str(self.naming.currentData()),
            "creator_id": self.creator_id.text().strip() or "FD",
            "category_stems": self.category_stems.isChecked(),
            "m_and_e": self.m_and_e.isChecked(),
        }
        if self.aaf.isChecked():
            fields["aaf"] = folder / f"{project.name}.aaf"
            fields["aaf_options"] = AafOptions(
                str(self.aaf_link.currentData()), self.aaf_embed.isChecked()
            )
        if self.spotting.isChecked():
            suffix = str(self.spotting_format.currentData())
            fields["spotting"] = folder / f"{project.name} spotting{suffix}"
        return fields


def loudness_lines(stems: StemExport) -> list[str]:
    """A line per lane stem, category stem and the mix: figures and what normalisation did."""
    out = []
    for row in stems.loudness_rows():
        if row["kind"] == "clip":
            continue
        level = row["integrated_lufs"]
        text = f"{row['file']}: " + (f"{level:.1f} LUFS" if level is not None else "silent")
        if row["true_peak_dbtp"] is not None:
            text += f", peak {row['true_peak_dbtp']:.1f} dBTP"
        if row["target"]:
            text += f"  ({row['applied']} {row['gain_db']:+.1f} dB)"
        out.append(text)
    return out
