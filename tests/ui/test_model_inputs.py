"""The inspector asks for what the chosen model takes: a host's models in a Model box, two prompt
fields for Kling (sound effects and music), variations for Mirelo, prompt influence for
ElevenLabs, each model's limits and price, and a notice (never a silent cut) for a text sound
longer than one generation. Driven with real key events on the real window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QScrollArea

from tests.ui.test_field_keys import add_cue, click_into, opened


def choose(combo: QComboBox, text: str) -> None:
    """Pick a combo item (as test_bad_paths does: popups and arrow keys are not dependable
    offscreen, and letters and arrows are the timeline's shortcuts); text and spin boxes
    below are typed into with real keys."""
    row = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.setCurrentIndex(row)
    assert combo.currentText().startswith(text)


def test_kling_on_fal_asks_for_an_effects_and_a_music_prompt(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_FAL_API_KEY", "fal-key-1234")
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 0, 50, prompt="tyres screech")
    session.select_cue(cue_id)
    inspector = window.inspector
    assert not inspector.music_edit.isVisibleTo(inspector)  # the offline sketch: one prompt

    choose(inspector.provider_combo, "fal.ai")
    assert inspector.model_combo.isVisibleTo(inspector)  # fal serves several models
    assert session.project.cue(cue_id).provider_id == "fal"
    choose(inspector.model_combo, "Kling")
    cue = session.project.cue(cue_id)
    assert cue.model_id == "kling-v2a"
    assert inspector.prompt_label.text() == "Effects"
    assert inspector.music_edit.isVisibleTo(inspector)
    assert "3\u201320 s" in inspector.limits_label.text()
    assert "$0.035 per video" in inspector.limits_label.text()

    click_into(qtbot, inspector.music_edit)
    qtbot.keyClicks(inspector.music_edit, "tense low strings")
    click_into(qtbot, inspector.prompt_edit)  # leaving the field commits it
    assert session.project.cue(cue_id).params["music_prompt"] == "tense low strings"
    assert "200 characters" in inspector.music_count.text()
    request = inspector.request()
    assert request is not None and request.music_prompt == "tense low strings"


def test_mirelo_offers_variations_and_prices_them(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLEYDESK_FAL_API_KEY", "fal-key-1234")
    session = opened(window, run, qtbot, fresh_video)
    cue_id = add_cue(window, 0, 50, prompt="footsteps on gravel")
    session.select_cue(cue_id)
    inspector = window.inspector
    choose(inspector.provider_combo, "fal.ai")
    assert not inspector.variations_spin.isVisibleTo(inspector)  # MMAudio: one per request
    choose(inspector.model_combo, "Mirelo")
    assert inspector.variations_spin.isVisibleTo(inspector)
    assert inspector.variations_spin.maximum() == 4
    one = inspector.cost_label.text()
    spin = inspector.variations_spin
    area = spin.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    assert area is not None
    area.ensureWidgetVisible(spin)  # the inspector scrolls: bring the field into view
    spin.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    spin.selectAll()
    qtbot.keyClicks(spin, "3")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.project.cue(cue_id).params.get("variations") == 3)
    qtbot.waitUntil(lambda: inspector.cost_label.text() != one, timeout=2000)
    assert "$0.0420" in inspector.cost_label.text()  # 2 s x $0.007 x 3 variations
    assert inspector.negative_edit.placeholderText() == "This model takes no negative prompt"
    assert inspector.negative_count.text() == "not sent: Mirelo SFX 1.5 takes no negative prompt"
    assert "MMAudio" not in inspector.provider_combo.currentText()  # the host alone


def test_a_long_text_sound_is_said_not_cut(
    run: Any, qtbot: Any, fresh_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foleydesk.settings import load_settings, save_settings
    from foleydesk.ui.main_window import MainWindow

    monkeypatch.setenv("FOLEYDESK_ELEVENLABS_API_KEY", "el-key-1234")
    settings = load_settings()
    settings.provider("elevenlabs").max_seconds = 1.5  # as if one sound were 1.5 s at most
    save_settings(settings)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    try:
        session = opened(window, run, qtbot, fresh_video)
        cue_id = add_cue(window, 0, 50, prompt="distant siren")
        session.select_cue(cue_id)
        inspector = window.inspector
        choose(inspector.provider_combo, "ElevenLabs")
        assert not inspector.model_combo.isVisibleTo(inspector)  # one model there
        assert inspector.influence_spin.isVisibleTo(inspector)
        qtbot.waitUntil(lambda: inspector.notice.isVisibleTo(inspector), timeout=2000)
        text = inspector.notice.text()
        assert "first 1.5 s are generated and placed at the cue's in point" in text
        assert "loop the take or make a second take" in text
        assert inspector.problems.text() == ""  # not a problem: Generate stays enabled
        assert inspector.generate_button.isEnabled()
    finally:
        run(window.close_session())
        run(window.tasks.cancel_all())
        window.close()
        window.deleteLater()
        qtbot.wait(10)


def test_settings_name_another_replicate_version(window: Any, qtbot: Any) -> None:
    from foleydesk.settings import load_settings, save_settings
    from foleydesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window)
    dialog.show()
    box = next(b for b in dialog.boxes if b.provider.id == "replicate")
    assert box.model_version.isVisibleTo(dialog)
    assert box.model_version.placeholderText() == "tested: 62871fb59889"
    other = "0e759d66310ead26e0880bd9111db74ef7bccb3081b49653da706bc5a8db87f0"
    click_into(qtbot, box.model_version)
    qtbot.keyClicks(box.model_version, other.upper())
    with qtbot.waitSignal(dialog.saved, timeout=3000):
        dialog._save()
    saved = load_settings()
    assert saved.provider("replicate").model_version == other
    from foleydesk.providers.registry import get_provider

    assert get_provider("replicate", saved).version == other  # type: ignore[attr-defined]
    saved.provider("replicate").model_version = None
    save_settings(saved)
    dialog.close()
