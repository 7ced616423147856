"""The cue inspector: what the selected cue should sound like and how to ask for it.

Prompt lengths are checked live against the chosen provider's limits; the cost estimate and the
provider's own validation update as the user types. Text is committed as one undo step when the
field loses focus (or before generating), not on every keystroke.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from foleydesk.core.commands import EditCue
from foleydesk.core.events import Change, Entity
from foleydesk.core.model import Cue, CueKind
from foleydesk.core.timebase import seconds_text
from foleydesk.errors import UserError
from foleydesk.providers.base import GenerationRequest, Provider
from foleydesk.settings import load_settings
from foleydesk.ui import providers as provider_list
from foleydesk.ui.focus import guard_wheel
from foleydesk.ui.session import ProjectSession

log = logging.getLogger(__name__)


class CommitTextEdit(QPlainTextEdit):
    """A plain text edit that reports when the user leaves it (the moment to commit); Tab moves
    to the next field instead of typing a tab."""

    left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()


class CueInspector(QWidget):
    generate_requested = Signal(int)  # cue id
    error = Signal(object)

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = load_settings()
        self.providers = provider_list.all_providers(self.settings)
        self._clients: dict[str, Provider] = {}  # "model@host" -> its client (limits, checks)
        self._loading = False
        self.generate_blocker = ""  # why Generate cannot run at all (the job engine failed)
        self._build()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(120)
        self._refresh_timer.timeout.connect(self._update_checks)
        session.selection_changed.connect(self._on_selection_changed)
        session.changed.connect(self._on_model_changed)
        self._on_selection_changed(session.selected_cue_id)

    # -- layout --

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = self.scroll_area = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 8, 10, 8)

        self.empty = QLabel(
            self.tr(
                "No cue selected.\n\nMark a range with I and O on the timeline and press Enter, "
                "drag in an empty lane, or click a cue."
            )
        )
        self.empty.setObjectName("Hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

        self.form_box = QWidget()
        form = QFormLayout(self.form_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText(self.tr("e.g. Door slam"))
        form.addRow(self.tr("Label"), self.label_edit)
        self.range_label = QLabel()
        self.range_label.setObjectName("Secondary")
        self.range_label.setWordWrap(True)
        form.addRow(self.tr("Range"), self.range_label)
        self.lane_combo = QComboBox()
        form.addRow(self.tr("Lane"), self.lane_combo)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("Foley"), CueKind.FOLEY.value)
        self.kind_combo.addItem(self.tr("Music"), CueKind.MUSIC.value)
        form.addRow(self.tr("Kind"), self.kind_combo)
        from foleydesk.providers.registry import offerings as host_offerings

        self.provider_combo = QComboBox()
        for provider in self.providers:
            suffix = "" if provider_list.has_key(provider) else self.tr("  (no key)")
            # A host with several models is named alone: the Model box says which.
            several = len(host_offerings(provider.id)) > 1
            name = provider.name.split(" (")[0] if several else provider.name
            self.provider_combo.addItem(name + suffix, provider.id)
        form.addRow(self.tr("Provider"), self.provider_combo)
        self.model_label = QLabel(self.tr("Model"))
        self.model_combo = QComboBox()
        form.addRow(self.model_label, self.model_combo)
        self.limits_label = QLabel()
        self.limits_label.setObjectName("Secondary")
        self.limits_label.setWordWrap(True)
        form.addRow("", self.limits_label)

        self.prompt_edit = CommitTextEdit()
        self.prompt_edit.setPlaceholderText(self.tr("What should this range sound like?"))
        self.prompt_edit.setFixedHeight(72)
        self.prompt_count = QLabel()
        self.prompt_count.setObjectName("Secondary")
        self.prompt_label = QLabel(self.tr("Prompt"))
        form.addRow(self.prompt_label, self.prompt_edit)
        form.addRow("", self.prompt_count)
        # A second prompt for models that take one (Kling: sound effects + background music).
        self.music_label = QLabel(self.tr("Music"))
        self.music_edit = CommitTextEdit()
        self.music_edit.setPlaceholderText(self.tr("Background music, e.g. tense low strings"))
        self.music_edit.setFixedHeight(44)
        self.music_count = QLabel()
        self.music_count.setObjectName("Secondary")
        form.addRow(self.music_label, self.music_edit)
        form.addRow("", self.music_count)
        self.negative_edit = CommitTextEdit()
        self.negative_edit.setPlaceholderText(self.tr("What it should not sound like (e.g. music)"))
        self.negative_edit.setFixedHeight(44)
        self.negative_count = QLabel()
        self.negative_count.setObjectName("Secondary")
        form.addRow(self.tr("Negative"), self.negative_edit)
        form.addRow("", self.negative_count)
        self.lyrics_label = QLabel(self.tr("Lyrics (LRC)"))
        self.lyrics_edit = CommitTextEdit()
        self.lyrics_edit.setPlaceholderText(
            "[00:04.00] first line\n(empty or [inst]: instrumental)"
        )
        self.lyrics_edit.setFixedHeight(64)
        form.addRow(self.lyrics_label, self.lyrics_edit)
        self.style_label = QLabel(self.tr("Style"))
        self.style_edit = QLineEdit()
        self.style_edit.setPlaceholderText(self.tr("e.g. tense strings, slow"))
        form.addRow(self.style_label, self.style_edit)
        layout.addWidget(self.form_box)

        self.params_box = QGroupBox(self.tr("Parameters"))
        params = QFormLayout(self.params_box)
        self.duration_label = QLabel()
        params.addRow(self.tr("Duration"), self.duration_label)
        self.chunk_check = QCheckBox(self.tr("Split into chunks (range too long)"))
        params.addRow("", self.chunk_check)
        self.steps_spin = QSpinBox()
        params.addRow(self.tr("Steps"), self.steps_spin)
        self.cfg_spin = QDoubleSpinBox()
        self.cfg_spin.setDecimals(1)
        self.cfg_spin.setSingleStep(0.5)
        params.addRow(self.tr("Guidance"), self.cfg_spin)
        seed_row = QHBoxLayout()
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.random_seed = QCheckBox(self.tr("random"))
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.random_seed)
        params.addRow(self.tr("Seed"), seed_row)
        self.mask_check = QCheckBox(self.tr("Ignore what frames show"))
        params.addRow(self.tr("mask_away_clip"), self.mask_check)
        self.takes_spin = QSpinBox()
        self.takes_spin.setRange(1, 8)
        params.addRow(self.tr("Takes"), self.takes_spin)
        self.variations_label = QLabel(self.tr("Variations"))
        self.variations_spin = QSpinBox()
        self.variations_spin.setRange(1, 1)
        self.variations_spin.setToolTip(
            self.tr("Takes from one request: each variation becomes a take of the cue")
        )
        params.addRow(self.variations_label, self.variations_spin)
        self.influence_label = QLabel(self.tr("Prompt influence"))
        self.influence_spin = QDoubleSpinBox()
        self.influence_spin.setRange(0.0, 1.0)
        self.influence_spin.setSingleStep(0.05)
        self.influence_spin.setDecimals(2)
        self.influence_spin.setToolTip(self.tr("Higher follows the words more closely"))
        params.addRow(self.influence_label, self.influence_spin)
        layout.addWidget(self.params_box)

        layout.addStretch(1)

        footer_box = QWidget()
        footer_box.setObjectName("InspectorFooter")
        footer = QVBoxLayout(footer_box)
        footer.setContentsMargins(10, 4, 10, 8)
        self.problems = QLabel()
        self.problems.setObjectName("Over")
        self.problems.setWordWrap(True)
        footer.addWidget(self.problems)
        self.notice = QLabel()  # worth knowing before sending, not a problem
        self.notice.setObjectName("Hint")
        self.notice.setWordWrap(True)
        footer.addWidget(self.notice)
        bottom = QHBoxLayout()
        self.cost_label = QLabel()
        self.cost_label.setObjectName("Cost")
        bottom.addWidget(self.cost_label, 1)
        self.generate_button = QPushButton(self.tr("Generate  (G)"))
        self.generate_button.setObjectName("Primary")
        self.generate_button.setMinimumHeight(32)
        bottom.addWidget(self.generate_button)
        footer.addLayout(bottom)
        outer.addWidget(footer_box)
        # Text: live counters now, commit on leaving the field.
        self.prompt_edit.textChanged.connect(self._schedule_checks)
        self.negative_edit.textChanged.connect(self._schedule_checks)
        self.music_edit.textChanged.connect(self._schedule_checks)
        self.lyrics_edit.textChanged.connect(self._schedule_checks)
        self.style_edit.textChanged.connect(self._schedule_checks)
        for edit in (self.prompt_edit, self.negative_edit, self.lyrics_edit, self.music_edit):
            edit.left.connect(self.commit_text)
        self.label_edit.editingFinished.connect(self.commit_text)
        self.style_edit.editingFinished.connect(self.commit_text)
        # Choices: committed at once.
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.lane_combo.currentIndexChanged.connect(self._on_lane_changed)
        self.provider_combo.currentIndexChanged.connect(self._on_provider_changed)
        self.model_combo.currentIndexChanged.connect(self._on_model_choice_changed)
        for spin in (self.steps_spin, self.takes_spin, self.seed_spin, self.variations_spin):
            spin.editingFinished.connect(self._commit_params)
        self.cfg_spin.editingFinished.connect(self._commit_params)
        self.influence_spin.editingFinished.connect(self._commit_params)
        for check in (self.random_seed, self.mask_check, self.chunk_check):
            check.toggled.connect(self._commit_params)
        self.random_seed.toggled.connect(lambda on: self.seed_spin.setEnabled(not on))
        self.generate_button.clicked.connect(self._on_generate)
        self.wheel_guard = guard_wheel(self)

    # -- model -> widgets --

    @property
    def cue(self) -> Cue | None:
        return self.session.selected_cue

    def provider(self) -> Provider | None:
        """The client of the chosen host's chosen model (its limits, checks and price)."""
        provider_id = self.provider_combo.currentData()
        host = next((p for p in self.providers if p.id == provider_id), None)
        model_id = self.model_combo.currentData() or ""
        if host is None or not model_id or model_id == host.offering.model:
            return host
        from foleydesk.providers.registry import find_offering, get_provider

        if find_offering(model_id, host.id) is None:  # the list still shows another host's
            return host
        key = f"{model_id}@{host.id}"
        if key not in self._clients:
            self._clients[key] = get_provider(host.id, self.settings, None, model_id)
        return self._clients[key]

    def _fill_models(self, cue: Cue) -> None:
        """The chosen host's models; the cue's own when it names one on this host."""
        from foleydesk.providers.registry import default_offering, offerings

        host_id = self.provider_combo.currentData()
        self.model_combo.blockSignals(True)
        try:
            self.model_combo.clear()
            if host_id:
                for offering in offerings(host_id):
                    self.model_combo.addItem(offering.spec.name, offering.model)
                wanted = cue.model_id if cue.provider_id == host_id else ""
                wanted = wanted or default_offering(host_id, cue.kind).model
                self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(wanted)))
        finally:
            self.model_combo.blockSignals(False)
        several = self.model_combo.count() > 1
        self.model_label.setVisible(several)
        self.model_combo.setVisible(several)

    def _on_selection_changed(self, cue_id: object) -> None:
        cue = self.cue
        self.empty.setVisible(cue is None)
        self.form_box.setVisible(cue is not None)
        self.params_box.setVisible(cue is not None)
        self.problems.setVisible(cue is not None)
        self.cost_label.setVisible(cue is not None)
        self.generate_button.setVisible(cue is not None)
        if cue is not None:
            self._load(cue)

    def _on_model_changed(self, change: Change) -> None:
        cue = self.cue
        if cue is None:
            return
        if (change.entity is Entity.CUE and change.id == cue.id) or change.entity is Entity.LANE:
            # Another process (or the job engine) changed the cue: what is being typed stays;
            # leaving the field commits it over the change (last writer wins).
            self._load(cue, keep_typing=True)

    def _load(self, cue: Cue, keep_typing: bool = False) -> None:
        def typing(widget: QWidget) -> bool:
            return keep_typing and widget.hasFocus()

        self._loading = True
        try:
            if not typing(self.label_edit):
                self.label_edit.setText(cue.label)
            rate = self.session.rate
            tc = self.session.timecode
            span = f"{tc(cue.in_frame)} \u2013 {tc(cue.out_frame - 1)}"  # Out: last frame in it
            seconds = seconds_text(cue.duration(rate), 2)
            # No-break spaces keep "108 frames" and "4.32 s" whole when the line wraps.
            nb = "\u00a0"
            self.range_label.setText(f"{span}   ({cue.frame_count}{nb}frames, {seconds}{nb}s)")
            self.lane_combo.clear()
            for lane in self.session.project.sorted_lanes():
                self.lane_combo.addItem(lane.name, lane.id)
            self.lane_combo.setCurrentIndex(max(0, self.lane_combo.findData(cue.lane_id)))
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(cue.kind.value)))
            provider_id = cue.provider_id or provider_list.default_provider_id(self.settings)
            index = self.provider_combo.findData(provider_id)
            self.provider_combo.setCurrentIndex(max(0, index))
            self._fill_models(cue)
            if self.prompt_edit.toPlainText() != cue.prompt and not typing(self.prompt_edit):
                self.prompt_edit.setPlainText(cue.prompt)
            negative = cue.negative_prompt
            if self.negative_edit.toPlainText() != negative and not typing(self.negative_edit):
                self.negative_edit.setPlainText(negative)
            lyrics = str(cue.params.get("lyrics", ""))
            if self.lyrics_edit.toPlainText() != lyrics and not typing(self.lyrics_edit):
                self.lyrics_edit.setPlainText(lyrics)
            if not typing(self.style_edit):
                self.style_edit.setText(str(cue.params.get("style_prompt", "")))
            music_prompt = str(cue.params.get("music_prompt", ""))
            if self.music_edit.toPlainText() != music_prompt and not typing(self.music_edit):
                self.music_edit.setPlainText(music_prompt)
            self._load_params(cue)
        finally:
            self._loading = False
        self._update_checks()

    def _load_params(self, cue: Cue) -> None:
        provider = self.provider()
        caps = provider.capabilities if provider is not None else None
        low, high = caps.steps_range if caps else (1, 100)
        self.steps_spin.setRange(low, high)
        self.steps_spin.setValue(int(cue.params.get("steps", caps.default_steps if caps else 25)))
        c_low, c_high = caps.cfg_range if caps else (0.0, 20.0)
        self.cfg_spin.setRange(c_low, c_high)
        self.cfg_spin.setValue(
            float(cue.params.get("cfg_strength", caps.default_cfg if caps else 4.5))
        )
        seed = cue.params.get("seed")
        self.random_seed.setChecked(seed is None)
        self.seed_spin.setEnabled(seed is not None)
        self.seed_spin.setValue(int(seed) if seed is not None else 0)
        mask_ok = provider is not None and provider.capabilities.mask_away_clip
        self.mask_check.setEnabled(mask_ok)
        self.mask_check.setToolTip("" if mask_ok else self.tr("This host has no mask_away_clip."))
        self.mask_check.setChecked(bool(cue.params.get("mask_away_clip", False)) and mask_ok)
        self.chunk_check.setChecked(bool(cue.params.get("chunking", False)))
        self.takes_spin.setValue(int(cue.params.get("takes", 1)))
        music = cue.kind is CueKind.MUSIC
        for widget in (self.lyrics_label, self.lyrics_edit, self.style_label, self.style_edit):
            widget.setVisible(music)
        self._load_model_inputs(cue, provider)

    def _load_model_inputs(self, cue: Cue, provider: Provider | None) -> None:
        """Fields only some models take: a second (music) prompt, variations per request,
        prompt influence; and the model's limits and price in one line."""
        offering = provider.offering if provider is not None else None

        def takes(name: str) -> bool:
            return offering is not None and offering.takes(name)

        two_prompts = takes("music_prompt")
        self.prompt_label.setText(self.tr("Effects") if two_prompts else self.tr("Prompt"))
        for music_widget in (self.music_label, self.music_edit, self.music_count):
            music_widget.setVisible(two_prompts)
        negative = offering is None or takes("negative_prompt")
        self.negative_edit.setPlaceholderText(
            self.tr("What it should not sound like (e.g. music)")
            if negative
            else self.tr("This model takes no negative prompt")
        )
        most = offering.spec.max_variations if offering is not None else 1
        self.variations_spin.setRange(1, max(1, most))
        self.variations_spin.setValue(max(1, min(most, int(cue.params.get("variations", 1)))))
        self.variations_label.setVisible(takes("variations"))
        self.variations_spin.setVisible(takes("variations"))
        self.influence_spin.setValue(float(cue.params.get("prompt_influence", 0.3)))
        self.influence_label.setVisible(takes("prompt_influence"))
        self.influence_spin.setVisible(takes("prompt_influence"))
        self.limits_label.setText(self._limits_text(provider))

    def _limits_text(self, provider: Provider | None) -> str:
        if provider is None:
            return ""
        caps = provider.capabilities
        spec = provider.offering.spec
        parts = [
            self.tr("{0}–{1} s (best {2} s)").format(
                f"{float(caps.min_duration):g}",
                f"{float(caps.max_duration):g}",
                f"{float(caps.best_duration):g}",
            )
        ]
        if spec.max_variations > 1 and provider.offering.takes("variations"):
            parts.append(self.tr("up to {0} variations a request").format(spec.max_variations))
        if caps.pricing.text:
            parts.append(caps.pricing.text)
        if spec.licence:
            parts.append(spec.licence)
        return "  \u00b7  ".join(parts)

    # -- checks --

    def _schedule_checks(self) -> None:
        if not self._loading:
            self._refresh_timer.start()

    def request(self) -> GenerationRequest | None:
        """A GenerationRequest for what the fields say now (None without a selected cue)."""
        cue = self.cue
        if cue is None:
            return None
        kind = CueKind(self.kind_combo.currentData() or cue.kind.value)
        return GenerationRequest(
            kind=kind,
            prompt=self.prompt_edit.toPlainText(),
            duration=cue.duration(self.session.rate),
            negative_prompt=self.negative_edit.toPlainText(),
            seed=None if self.random_seed.isChecked() else self.seed_spin.value(),
            steps=self.steps_spin.value(),
            cfg_strength=self.cfg_spin.value(),
            mask_away_clip=self.mask_check.isChecked() and self.mask_check.isEnabled(),
            lyrics=self.lyrics_edit.toPlainText() if kind is CueKind.MUSIC else "",
            style_prompt=self.style_edit.text() if kind is CueKind.MUSIC else "",
            chunking=self.chunk_check.isChecked(),
            music_prompt=self.music_edit.toPlainText() if self.music_edit.isVisibleTo(self) else "",
            variations=self.variations_spin.value(),
            prompt_influence=self.influence_spin.value(),
        )

    def _update_checks(self) -> None:
        cue = self.cue
        if cue is None:
            return
        provider = self.provider()
        caps = provider.capabilities if provider is not None else None
        self._count(
            self.prompt_count,
            self.prompt_edit.toPlainText(),
            caps.max_prompt if caps else None,
            provider,
        )
        self._count(
            self.negative_count,
            self.negative_edit.toPlainText(),
            caps.max_negative if caps else None,
            provider,
        )
        if provider is not None and not provider.offering.takes("negative_prompt"):
            self.negative_count.setText(
                self.tr("not sent: {0} takes no negative prompt").format(
                    provider.offering.spec.name
                )
            )
        if provider is not None and provider.offering.takes("music_prompt"):
            music_limit = caps.max_prompt if caps else None
            self._count(self.music_count, self.music_edit.toPlainText(), music_limit, provider)
        duration = cue.duration(self.session.rate)
        limit = caps.max_duration if caps else None
        text = f"{seconds_text(duration, 2)} s"
        if limit is not None:
            text += self.tr("  (host limit {0} s)").format(f"{float(limit):g}")
        self.duration_label.setText(text)
        self.chunk_check.setVisible(limit is not None and duration > limit)
        problems: list[str] = []
        request = self.request()
        cost_text = ""
        if provider is None:
            problems.append(self.tr("No provider is available yet."))
        elif request is not None:
            try:
                problems = list(provider.validate(request))
                cost = float(provider.estimate_cost(request))
                takes = self.takes_spin.value()
                pricing = provider.capabilities.pricing.text
                estimated = "~" if provider.capabilities.pricing.estimated else ""
                cost_text = (
                    self.tr("Free")
                    if cost == 0
                    else self.tr("Estimated cost: {0}${1:.4f}").format(estimated, cost * takes)
                )
                if pricing:
                    cost_text += f"  \u00b7  {pricing}"
            except Exception as exc:
                log.exception("validate/estimate failed")
                problems.append(str(exc))
            if not provider_list.has_key(provider):
                problems.append(
                    self.tr("{0} needs an API key: set it in Settings.").format(provider.name)
                )
        self.problems.setText("\n".join(problems))
        notice = ""
        if provider is not None and request is not None:
            notice = provider.notice(request)
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        self.cost_label.setText(cost_text)
        blocker = self.generate_blocker
        self.generate_button.setEnabled(not problems and not blocker)
        self.generate_button.setToolTip(
            blocker or "\n".join(problems) or self.tr("Send this cue to the provider (G)")
        )

    def _count(
        self, label: QLabel, text: str, limit: int | None, provider: Provider | None
    ) -> None:
        if limit is None:
            label.setText(self.tr("{0} characters").format(len(text)))
            return
        label.setText(
            self.tr("{0} / {1} characters ({2})").format(
                len(text), limit, provider.name.split(" (")[0] if provider else ""
            )
        )
        label.setObjectName("Over" if len(text) > limit else "Secondary")
        label.style().unpolish(label)
        label.style().polish(label)

    def set_generate_blocker(self, reason: str) -> None:
        self.generate_blocker = reason
        self._update_checks()

    # -- widgets -> model --

    def _push(self, changes: dict[str, Any], text: str) -> None:
        cue = self.cue
        if cue is None or self._loading or self.session.closed:
            return
        changes = {k: v for k, v in changes.items() if getattr(cue, k) != v}
        if not changes:
            return
        try:
            self.session.push(EditCue(cue.id, changes, text))
        except UserError as exc:
            self.error.emit(exc)

    def commit_text(self) -> None:
        cue = self.cue
        if cue is None or self._loading or self.session.closed:
            return
        params = dict(cue.params)
        if cue.kind is CueKind.MUSIC or self.kind_combo.currentData() == CueKind.MUSIC.value:
            # Only what the fields changed: an absent key and an empty field are the same text,
            # and an undo step nobody can see ("Edit cue text" that changes nothing) is noise.
            for key, text in (
                ("lyrics", self.lyrics_edit.toPlainText()),
                ("style_prompt", self.style_edit.text()),
            ):
                if str(params.get(key, "")) != text:
                    params[key] = text
        if self.music_edit.isVisibleTo(self):
            music_prompt = self.music_edit.toPlainText()
            if str(params.get("music_prompt", "")) != music_prompt:
                params["music_prompt"] = music_prompt
        label = self.label_edit.text()
        changes: dict[str, Any] = {
            "label": cue.label if label.strip() == cue.label.strip() else label.strip(),
            "prompt": self.prompt_edit.toPlainText(),
            "negative_prompt": self.negative_edit.toPlainText(),
        }
        if params != cue.params:
            changes["params"] = params
        self._push(changes, self.tr("Edit cue text"))

    def _params_now(self, cue: Cue) -> dict[str, Any]:
        params = dict(cue.params)
        params["steps"] = self.steps_spin.value()
        params["cfg_strength"] = self.cfg_spin.value()
        params["takes"] = self.takes_spin.value()
        if self.random_seed.isChecked():
            params.pop("seed", None)
        else:
            params["seed"] = self.seed_spin.value()
        params["mask_away_clip"] = self.mask_check.isChecked() and self.mask_check.isEnabled()
        params["chunking"] = self.chunk_check.isChecked()
        if self.variations_spin.isVisibleTo(self):
            params["variations"] = self.variations_spin.value()
        if self.influence_spin.isVisibleTo(self):
            params["prompt_influence"] = round(self.influence_spin.value(), 2)
        return params

    def _commit_params(self) -> None:
        cue = self.cue
        if cue is None or self._loading:
            return
        self._push({"params": self._params_now(cue)}, self.tr("Edit parameters"))
        self._update_checks()

    def _on_kind_changed(self) -> None:
        kind = CueKind(self.kind_combo.currentData())
        self._push({"kind": kind}, self.tr("Change kind"))

    def _on_lane_changed(self) -> None:
        lane_id = self.lane_combo.currentData()
        if lane_id is not None:
            self._push({"lane_id": int(lane_id)}, self.tr("Move cue to lane"))

    def _on_provider_changed(self) -> None:
        provider = self.provider()
        cue = self.cue
        if provider is None or cue is None or self._loading:
            return
        self._loading = True
        try:
            self._fill_models(cue)
        finally:
            self._loading = False
        model_id = self.model_combo.currentData() or ""
        self._push({"provider_id": provider.id, "model_id": model_id}, self.tr("Choose provider"))
        self._loading = True
        try:
            self._load_params(self.cue or cue)
        finally:
            self._loading = False
        self._update_checks()

    def _on_model_choice_changed(self) -> None:
        cue = self.cue
        if cue is None or self._loading:
            return
        self._push({"model_id": self.model_combo.currentData() or ""}, self.tr("Choose model"))
        self._loading = True
        try:
            self._load_params(self.cue or cue)
        finally:
            self._loading = False
        self._update_checks()

    def focus_prompt(self) -> None:
        """Into the prompt with the cursor at the end: the next keys add, never replace."""
        self.prompt_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.prompt_edit.moveCursor(QTextCursor.MoveOperation.End)

    def _on_generate(self) -> None:
        cue = self.cue
        if cue is None:
            return
        self.commit_text()
        self._commit_params()
        self.generate_requested.emit(cue.id)

    def selected_duration(self) -> Fraction | None:
        cue = self.cue
        return cue.duration(self.session.rate) if cue is not None else None
