"""The export dialog offers what `foleydesk export` does and runs the same export."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import av

from foleydesk.media.bwf import read_bwf_time_reference
from foleydesk.ui.export_dialog import ExportDialog


def test_every_format_from_one_dialog(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    assert run(window.open_async(fresh_video))
    window.show_export()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None
    out = tmp_path / "delivery"
    dialog.dest.setText(str(out))
    dialog.float_stems.setChecked(True)
    dialog.video.setChecked(True)
    dialog.audio_mode.setCurrentIndex(dialog.audio_mode.findData("tracks"))
    for box in dialog.timeline_formats.values():
        box.setChecked(True)
    dialog.start_at_hour.setChecked(True)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Done"), timeout=60000)

    name = window.session.project.name
    mix = out / "stems" / "Mix.wav"
    assert read_bwf_time_reference(mix) == 0  # the source has no timecode: midnight
    with av.open(str(out / f"{name} with foley.mov")) as movie:
        # separate tracks: the mix and the production audio (lanes with no take get none),
        # then the source's own audio stream copied as it is
        assert [
            s.metadata.get("title", s.metadata.get("handler_name")) for s in movie.streams.audio
        ] == ["Mix", "Original", "Production 1"]
    xmeml = ET.parse(out / f"{name}.xml").getroot()
    assert xmeml.tag == "xmeml"
    start = xmeml.find(".//sequence/timecode/string")
    assert start is not None and start.text is not None and start.text.startswith("01:00:00")
    for suffix in (".fcpxml", ".edl", ".otio"):
        assert (out / f"{name}{suffix}").stat().st_size > 0
    dialog.reject()


def test_nothing_ticked_says_so(window: Any, run: Any, qtbot: Any, fresh_video: Path) -> None:
    assert run(window.open_async(fresh_video))
    window.show_export()
    dialog = window.findChild(ExportDialog)
    dialog.stems.setChecked(False)
    dialog.timeline.setChecked(False)
    dialog.export_button.click()
    assert "at least one" in dialog.status.text()
    dialog.reject()
