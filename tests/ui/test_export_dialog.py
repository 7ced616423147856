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


def test_one_failing_format_is_named_with_its_reason_and_the_rest_is_written(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt

    assert run(window.open_async(fresh_video))
    name = window.session.project.name
    out = tmp_path / "delivery"
    (out / f"{name}.edl").mkdir(parents=True)  # a folder where the EDL should go
    window.show_export()
    dialog = window.findChild(ExportDialog)
    dialog.dest.setText(str(out))
    for box in dialog.timeline_formats.values():
        box.setChecked(True)
    dialog.handles.setValue(0.5)
    assert not dialog.reveal_button.isEnabled()
    dialog.dest.setFocus()
    qtbot.keyClick(dialog.dest, Qt.Key.Key_Return)  # Enter exports (not "Choose...")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Done"), timeout=60000)
    text = dialog.status.text()
    assert text.startswith("Done, with problems."), text
    written, not_written = text.split("Not written:")
    for suffix in (".xml", ".fcpxml", ".otio"):
        assert f"{name}{suffix}" in written
        assert (out / f"{name}{suffix}").is_file()
    assert "stems/Mix.wav" in written
    assert f"{name}.edl:" in not_written
    for raw in ("Traceback", "Errno", "IsADirectoryError"):
        assert raw not in text
    assert dialog.reveal_button.isEnabled()
    dialog.reject()

    # The next dialog for this project offers the same choices.
    window.show_export()
    qtbot.waitUntil(lambda: len(window.findChildren(ExportDialog)) >= 1, timeout=2000)
    again = [d for d in window.findChildren(ExportDialog) if d is not dialog and d.isVisible()]
    assert again, "no second dialog"
    second = again[-1]
    assert second.dest.text() == str(out)
    assert second.handles.value() == 0.5
    assert all(box.isChecked() for box in second.timeline_formats.values())
    second.reject()


def test_post_group_writes_spotting_sheet_and_normalises_the_mix(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from foleydesk.media.bwf import read_bwf_info

    assert run(window.open_async(fresh_video))
    window.show_export()
    dialog = window.findChild(ExportDialog)
    out = tmp_path / "post"
    dialog.dest.setText(str(out))
    dialog.timeline.setChecked(False)
    post = dialog.post
    post.setChecked(True)
    assert not post.true_peak.isEnabled()  # "measure only" until a target is chosen
    QTest.mouseClick(post.spotting, Qt.MouseButton.LeftButton)
    post.loudness.setCurrentIndex(post.loudness.findData("ebu-r128"))
    post.normalize.setCurrentIndex(post.normalize.findData("mix"))
    assert post.true_peak.value() == -1.0 and post.normalize.isEnabled()
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Done"), timeout=60000)
    name = window.session.project.name
    assert (out / f"{name} spotting.pdf").stat().st_size > 0
    assert "Mix.wav" in dialog.status.text() and "gain" in dialog.status.text()
    mix = read_bwf_info(out / "stems" / "Mix.wav")
    assert mix.loudness and mix.loudness[0] is not None  # measured into the bext
    dialog.reject()

    window.show_export()  # the next export of this project starts from the same choices
    second = [d for d in window.findChildren(ExportDialog) if d is not dialog and d.isVisible()]
    assert second and second[-1].post.isChecked()
    post2 = second[-1].post
    assert post2.spotting.isChecked() and post2.loudness.currentData() == "ebu-r128"
    assert post2.normalize.currentData() == "mix"
    second[-1].reject()


def test_every_output_of_a_request_is_its_own_part() -> None:
    from dataclasses import fields

    from foleydesk.interchange.export import ExportRequest
    from foleydesk.ui.export_parts import OUTPUT_FIELDS, split_request

    paths = [f.name for f in fields(ExportRequest) if "Path" in str(f.type)]
    assert sorted(paths) == sorted(OUTPUT_FIELDS), "a new output must be split into its own part"
    out = Path("/tmp/out")
    request = ExportRequest(
        stems_dir=out / "stems",
        loudness_report=out / "loud.json",
        video=out / "v.mov",
        xml=out / "t.xml",
        aaf=out / "t.aaf",
        spotting=out / "s.csv",
    )
    parts = dict(split_request(request))
    assert list(parts) == ["Stems", "t.xml", "t.aaf", "v.mov", "s.csv"]
    assert parts["Stems"].loudness_report == out / "loud.json"
    assert parts["t.aaf"].stems_dir == out / "stems" and parts["t.aaf"].xml is None
    assert parts["v.mov"].stems_dir is None and parts["v.mov"].aaf is None
