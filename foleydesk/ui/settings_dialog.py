"""Settings: API keys in the OS keyring (never shown back); base URLs, default provider,
concurrency, the audio output, new projects' lanes and the viewer proxy in settings.json.
Keyring calls can block on D-Bus, so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from foleydesk import secrets
from foleydesk.errors import UserError
from foleydesk.logs import redact
from foleydesk.providers.base import Provider
from foleydesk.providers.registry import get_provider
from foleydesk.settings import Settings, load_settings, save_settings
from foleydesk.ui import preferences
from foleydesk.ui import providers as provider_list
from foleydesk.ui.compat import TaskKeeper

log = logging.getLogger(__name__)
T = TypeVar("T")
TEST_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


class ProviderBox(QGroupBox):
    """One provider's key, URLs and concurrency, and a connection test."""

    def __init__(
        self,
        provider: Provider,
        settings: Settings,
        tasks: TaskKeeper,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(provider.name, parent)
        self.provider = provider
        self.settings = settings
        self.tasks = tasks
        self._test_task: asyncio.Task[None] | None = None
        caps = provider.capabilities
        own = settings.providers.get(provider.id)
        form = QFormLayout(self)
        self.key_state = QLabel()
        self.key_state.setObjectName("Secondary")
        self.key_state.setWordWrap(True)  # a keyring error is a sentence or two, read it all
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(self.tr("paste a new key to set or replace it"))
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        self.set_button = QPushButton(self.tr("Save key"))
        self.remove_button = QPushButton(self.tr("Remove"))
        for b in (self.set_button, self.remove_button):
            key_row.addWidget(b)
        if caps.needs_key:
            form.addRow(self.tr("API key"), key_row)
            form.addRow("", self.key_state)
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.setToolTip(
            self.tr("Asks the host about a task that does not exist: nothing is made or billed.")
        )
        self.test_result = QLabel()
        self.test_result.setObjectName("Secondary")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        self.base_url = QLineEdit(own.base_url or "" if own else "")
        self.base_url.setPlaceholderText(self.tr("default"))
        self.upload_url = QLineEdit(own.upload_url or "" if own else "")
        self.upload_url.setPlaceholderText(self.tr("default"))
        self.concurrency = QSpinBox()
        self.concurrency.setRange(0, 64)
        self.concurrency.setSpecialValueText(self.tr("default ({0})").format(caps.concurrency))
        self.concurrency.setValue(own.concurrency or 0 if own else 0)
        if provider.id != "offline":
            form.addRow(self.tr("Base URL"), self.base_url)
            if caps.needs_upload:
                form.addRow(self.tr("Upload URL"), self.upload_url)
            form.addRow(self.tr("Connection"), test_row)
        # A community model on Replicate is named by a version hash: the tested one unless
        # the editor names another (a newer build, or an older one that worked better).
        self.model_version = QLineEdit(own.model_version or "" if own else "")
        if provider.id == "replicate":
            from foleydesk.providers.hosts.replicate import PINNED_VERSIONS

            pinned = PINNED_VERSIONS.get(provider.offering.endpoint, "")
            self.model_version.setPlaceholderText(self.tr("tested: {0}").format(pinned[:12]))
            self.model_version.setToolTip(
                self.tr("{0}'s version hash (64 characters); empty: the tested one").format(
                    provider.offering.endpoint
                )
            )
            form.addRow(self.tr("Model version"), self.model_version)
        form.addRow(self.tr("Jobs at once"), self.concurrency)
        pricing = QLabel(caps.pricing.text or "")
        pricing.setObjectName("Cost")
        form.addRow(self.tr("Price"), pricing)
        if caps.privacy_note:
            privacy = QLabel(caps.privacy_note)
            privacy.setObjectName("Secondary")
            privacy.setWordWrap(True)
            form.addRow(self.tr("Uploads"), privacy)
        self.set_button.clicked.connect(self._save_key)
        self.remove_button.clicked.connect(self._remove_key)
        self.test_button.clicked.connect(self._test)
        if caps.needs_key:
            self.tasks.spawn(self._refresh_state(), "key-state")

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """The keyring can block on D-Bus: every call runs in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def _refresh_state(self) -> None:
        try:
            source = await self._call(secrets.key_source, self.provider.id)
        except UserError as exc:
            self.key_state.setText(exc.message)
            return
        if source == "environment":
            self.key_state.setText(
                self.tr("Key set by the environment variable (overrides the keyring).")
            )
        elif source == "keyring":
            self.key_state.setText(self.tr("Key stored in the system keyring."))
        else:
            self.key_state.setText(self.tr("No key yet."))

    def _save_key(self) -> None:
        value = self.key_edit.text()
        self.set_button.setEnabled(False)
        self.tasks.spawn(self._store_key(value), "set-key")

    async def _store_key(self, value: str) -> None:
        """Stored: the field forgets the key. Refused (a space, no keyring): the field keeps
        what was pasted, so the editor can fix it, and the reason is shown in full."""
        try:
            await self._call(secrets.set_key, self.provider.id, value)
        except UserError as exc:
            self.key_state.setText(f"{exc.message} {exc.hint}".strip())
            return
        finally:
            self.set_button.setEnabled(True)
        if self.key_edit.text() == value:
            self.key_edit.clear()  # never keep a stored key in the widget
        await self._refresh_state()

    def _remove_key(self) -> None:
        self.tasks.spawn(self._do(self._call(secrets.delete_key, self.provider.id)), "delete-key")

    async def _do(self, call: Awaitable[object]) -> None:
        try:
            await call
        except UserError as exc:
            self.key_state.setText(f"{exc.message} {exc.hint}".strip())
            return
        await self._refresh_state()

    def _test(self) -> None:
        if self._test_task is not None and not self._test_task.done():
            return
        self.test_button.setEnabled(False)
        self._show_test(self.tr("Testing..."), ok=None)
        self._test_task = self.tasks.spawn(self._run_test(), "test-connection")

    async def _run_test(self) -> None:
        try:
            text = await self._test_now()
        except UserError as exc:
            self._show_test(f"{exc.message} {exc.hint}".strip(), ok=False)
        except Exception as exc:
            log.warning("connection test of %s failed: %s", self.provider.id, redact(str(exc)))
            self._show_test(self.tr("The test failed: {0}").format(exc), ok=False)
        else:
            self._show_test(text, ok=True)
        finally:
            self.test_button.setEnabled(True)

    async def _test_now(self) -> str:
        """Test what the fields say now (an unsaved base URL too), with the stored key."""
        needs_key = self.provider.capabilities.needs_key
        if needs_key and not await self._call(secrets.has_key, self.provider.id):
            raise UserError(
                self.tr("There is no key to test."), self.tr("Paste the key, Save key, then test.")
            )
        settings = copy.deepcopy(self.settings)
        self.apply(settings)
        async with httpx.AsyncClient(timeout=TEST_TIMEOUT) as client:
            provider = get_provider(self.provider.id, settings, client)
            return await provider.test_connection(client)

    def _show_test(self, text: str, ok: bool | None) -> None:
        """The result in the box; whatever the host said, a key never reaches the screen."""
        self.test_result.setText(redact(text))
        self.test_result.setObjectName({True: "Ok", False: "Over", None: "Secondary"}[ok])
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)

    def cancel_test(self) -> None:
        if self._test_task is not None and not self._test_task.done():
            self._test_task.cancel()

    def apply(self, settings: Settings) -> None:
        own = settings.provider(self.provider.id)
        own.base_url = self.base_url.text().strip() or None
        own.upload_url = self.upload_url.text().strip() or None
        own.concurrency = self.concurrency.value() or None
        if self.provider.id == "replicate":
            own.model_version = self.model_version.text().strip().lower() or None


class SettingsDialog(QDialog):
    saved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.resize(720, 640)
        self.tasks = TaskKeeper()
        self.settings = load_settings()
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.default_provider = QComboBox()
        providers = provider_list.all_providers(self.settings)
        for provider in providers:
            self.default_provider.addItem(provider.name, provider.id)
        current = provider_list.default_provider_id(self.settings)
        self.default_provider.setCurrentIndex(max(0, self.default_provider.findData(current)))
        top.addRow(self.tr("Default provider"), self.default_provider)
        layout.addLayout(top)
        self.device_combo = QComboBox()
        self.device_combo.addItem(self.tr("System default"), "")
        self.device_combo.setEnabled(False)
        self.device_combo.setToolTip(self.tr("Looking for sound devices..."))
        top.addRow(self.tr("Audio output"), self.device_combo)
        self.lanes_spin = QSpinBox()
        self.lanes_spin.setRange(preferences.MIN_FOLEY_LANES, preferences.MAX_FOLEY_LANES)
        self.lanes_spin.setValue(preferences.new_project_lanes(self.settings))
        top.addRow(self.tr("Foley lanes in new projects"), self.lanes_spin)
        self.o_makes_cue = QCheckBox(self.tr("O with an In mark also makes the cue (else Enter)"))
        self.o_makes_cue.setChecked(self.settings.o_makes_cue)
        top.addRow(self.tr("Marks"), self.o_makes_cue)
        self.proxy_combo = QComboBox()
        for value, label in (
            ("auto", self.tr("When seeking is slow (long-GOP or large video, under 2 GB)")),
            ("always", self.tr("Always")),
            ("off", self.tr("Never")),
        ):
            self.proxy_combo.addItem(label, value)
        self.proxy_combo.setCurrentIndex(
            max(0, self.proxy_combo.findData(self.settings.viewer_proxy))
        )
        self.proxy_combo.setToolTip(
            self.tr(
                "An all-intra copy of the video at view size, built in the background "
                "(about 27 KB a frame): every frame seeks at once."
            )
        )
        top.addRow(self.tr("Viewer proxy"), self.proxy_combo)
        self.marker_length = QDoubleSpinBox()
        self.marker_length.setRange(0.1, 60.0)
        self.marker_length.setSingleStep(0.5)
        self.marker_length.setSuffix(self.tr(" s"))
        self.marker_length.setValue(self.settings.marker_cue_seconds)
        self.marker_length.setToolTip(
            self.tr("Length of a cue made from an imported NLE marker that has no duration")
        )
        top.addRow(self.tr("Cue from a point marker"), self.marker_length)
        self.conformed_timecode = QCheckBox(
            self.tr("At rates without timecode (12.5, VFR...), show the NLE's timecode")
        )
        self.conformed_timecode.setChecked(self.settings.conformed_timecode)
        self.conformed_timecode.setToolTip(
            self.tr(
                "Otherwise clock time and the frame number (00:00:01.200 15f); the timecode "
                "counts at the sequence rate the NLE conforms the clip to."
            )
        )
        top.addRow(self.tr("Odd frame rates"), self.conformed_timecode)
        self.tasks.spawn(self._list_devices(), "audio-devices")
        note = QLabel(
            self.tr(
                "Keys go to the system keyring and are never shown again. "
                "FOLEYDESK_<ID>_API_KEY in the environment overrides them."
            )
        )
        note.setObjectName("Hint")
        note.setWordWrap(True)
        layout.addWidget(note)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        self.boxes = [ProviderBox(p, self.settings, self.tasks) for p in providers]
        for box in self.boxes:
            body_layout.addWidget(box)
        body_layout.addStretch(1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.error = QLabel()
        self.error.setObjectName("Over")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.finished.connect(self._cancel_tests)

    def _cancel_tests(self, _code: int) -> None:
        """Closing the dialog drops a test still waiting for its host."""
        for box in self.boxes:
            box.cancel_test()

    async def _list_devices(self) -> None:
        names = await asyncio.get_running_loop().run_in_executor(None, preferences.output_devices)
        current = self.settings.audio_device
        for name in names:
            self.device_combo.addItem(name, name)
        if current and current not in names:
            self.device_combo.addItem(self.tr("{0} (not connected)").format(current), current)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(current or "")))
        self.device_combo.setEnabled(True)
        self.device_combo.setToolTip(
            "" if names else self.tr("No sound device found: playback runs silently.")
        )

    def _save(self) -> None:
        if self.device_combo.isEnabled():  # still listing devices: keep the saved choice
            self.settings.audio_device = self.device_combo.currentData() or None
        self.settings.foley_lanes = self.lanes_spin.value()
        self.settings.o_makes_cue = self.o_makes_cue.isChecked()
        self.settings.viewer_proxy = self.proxy_combo.currentData() or "auto"
        self.settings.marker_cue_seconds = self.marker_length.value()
        self.settings.conformed_timecode = self.conformed_timecode.isChecked()
        self.settings.default_provider = self.default_provider.currentData()
        for box in self.boxes:
            box.apply(self.settings)
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.error.setText(self.tr("Settings could not be saved: {0}").format(exc))
            return
        self.saved.emit()
        self.accept()
