"""Settings: keys go to the keyring and never come back into a widget; URLs and defaults save."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_key_is_never_shown_back_and_settings_save(window: Any, run: Any, qtbot: Any) -> None:
    from foleydesk.settings import load_settings
    from foleydesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window)
    dialog.show()
    box = next(b for b in dialog.boxes if b.provider.id == "qubico")
    qtbot.waitUntil(lambda: box.key_state.text() != "", timeout=5000)
    # A pasted key with a line break in it: refused in full words, and the paste is kept.
    box.key_edit.setText("sk-test-0123\n456789")
    box.set_button.click()
    qtbot.waitUntil(lambda: "line breaks" in box.key_state.text(), timeout=5000)
    assert box.key_edit.text() == "sk-test-0123\n456789"
    assert box.key_state.wordWrap()
    box.key_edit.setText("sk-test-0123456789")
    box.set_button.click()
    qtbot.waitUntil(
        lambda: "keyring" in box.key_state.text().lower() or "stored" in box.key_state.text(),
        timeout=5000,
    )
    # Stored (the widget forgets it), or a clear word that the keyring is missing (with the
    # variable to use instead; the paste stays for another try).
    state = box.key_state.text()
    assert "sk-test-0123456789" not in state
    assert "stored" in state or "FOLEYDESK_QUBICO_API_KEY" in state
    assert box.key_edit.text() == ("" if "stored" in state else "sk-test-0123456789")

    box.base_url.setText("http://127.0.0.1:9")
    dialog.default_provider.setCurrentIndex(dialog.default_provider.findData("qubico"))
    with qtbot.waitSignal(dialog.saved, timeout=3000):
        dialog._save()
    saved = load_settings()
    assert saved.default_provider == "qubico"
    assert saved.provider("qubico").base_url == "http://127.0.0.1:9"
    saved.default_provider = None
    saved.provider("qubico").base_url = None
    from foleydesk.settings import save_settings

    save_settings(saved)


def test_project_defaults_and_audio_device_choice(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    """The lanes and the audio output are saved in settings.json with the rest; no ui.ini."""
    import json

    from foleydesk.core.model import LaneKind
    from foleydesk.settings import load_settings
    from foleydesk.ui.settings_dialog import SettingsDialog

    monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(tmp_path / "config"))
    dialog = SettingsDialog(window)
    dialog.show()
    qtbot.waitUntil(dialog.device_combo.isEnabled, timeout=10000)
    assert dialog.device_combo.itemData(0) == ""  # "System default" is always offered
    assert dialog.lanes_spin.value() == 2
    dialog.lanes_spin.setValue(3)
    dialog._save()
    saved = json.loads((tmp_path / "config" / "settings.json").read_text(encoding="utf-8"))
    assert saved["foley_lanes"] == 3
    assert saved["audio_device"] is None
    assert not (tmp_path / "config" / "ui.ini").exists()
    assert load_settings().foley_lanes == 3
    assert run(window.open_async(fresh_video))
    lanes = window.session.project.sorted_lanes()
    assert [lane.kind for lane in lanes].count(LaneKind.FOLEY) == 3


def test_an_older_settings_file_loads_and_keeps_a_disconnected_device(
    window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """A version-1 file from before these fields gets the defaults and keeps what it had; a
    device that is not plugged in now is shown as such and survives a save."""
    import json

    from foleydesk.settings import load_settings, save_settings
    from foleydesk.ui.settings_dialog import SettingsDialog

    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("FOLEYDESK_CONFIG_DIR", str(config))
    old = {"version": 1, "default_provider": "qubico", "providers": {"qubico": {"concurrency": 3}}}
    (config / "settings.json").write_text(json.dumps(old), encoding="utf-8")
    settings = load_settings()
    assert (settings.audio_device, settings.foley_lanes) == (None, 2)
    assert settings.default_provider == "qubico"
    assert settings.provider("qubico").concurrency == 3

    settings.audio_device = "Studio Interface 7 (unplugged)"
    save_settings(settings)
    dialog = SettingsDialog(window)
    dialog.show()
    qtbot.waitUntil(dialog.device_combo.isEnabled, timeout=10000)
    assert dialog.device_combo.currentData() == "Studio Interface 7 (unplugged)"
    assert "not connected" in dialog.device_combo.currentText()
    dialog._save()
    again = load_settings()
    assert again.audio_device == "Studio Interface 7 (unplugged)"
    assert again.provider("qubico").concurrency == 3


def test_connection_test_shows_the_hosts_answer_never_the_key(
    window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    """Test connection talks to the host (here an emulator on 127.0.0.1) with the base URL in
    the field, saved or not, and shows what came back; the key never appears."""
    from foleydesk.ui.settings_dialog import SettingsDialog
    from tests.fakes.hosts import QubicoHost

    key = "sk-qubico-0123456789abcdef"
    host = QubicoHost(key=key)
    host.start()
    try:
        monkeypatch.delenv("FOLEYDESK_QUBICO_BASE_URL", raising=False)
        monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", key)
        dialog = SettingsDialog(window)
        dialog.show()
        box = next(b for b in dialog.boxes if b.provider.id == "qubico")

        def test_says(expected: str) -> str:
            box.test_button.click()
            assert not box.test_button.isEnabled()  # one test at a time; the window runs on
            qtbot.waitUntil(box.test_button.isEnabled, timeout=15000)
            text = box.test_result.text()
            assert expected in text, text
            assert key not in text
            return text

        box.base_url.setText(host.base_url)  # not saved: the test uses what the field says
        test_says("accepts the key")
        assert box.test_result.objectName() == "Ok"

        monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", "sk-wrong-key-000000")
        text = test_says("refused the API key")
        assert "sk-wrong-key-000000" not in text
        assert box.test_result.objectName() == "Over"

        monkeypatch.setenv("FOLEYDESK_QUBICO_API_KEY", key)
        box.base_url.setText("http://127.0.0.1:9")  # nothing listens on the discard port
        test_says("did not answer")
        dialog.reject()
    finally:
        host.stop()
