"""The window stays free while jobs run and the picture plays (issue 17): a landing take is
read off the loop, and each change repaints what it changed, not whole views."""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QImage

from foleydesk import loopguard
from foleydesk.core.model import Cue, Job, JobState, Marker, Take, TakeStatus
from foleydesk.media.peaks import source_waveform_peaks
from foleydesk.media.takes import write_wav
from foleydesk.threads import BACKGROUND_NICE
from foleydesk.ui import media_loader
from foleydesk.ui.media_loader import MediaLoader
from foleydesk.ui.timeline_layers import Layer


def _open(window: Any, run: Any, qtbot: Any, video: Path) -> Any:
    assert run(window.open_async(video))
    qtbot.waitUntil(lambda: window.player is not None and window.player.ready, timeout=10000)
    return window.session.project


def _cue(project: Any, label: str = "knock") -> Cue:
    lane = project.sorted_lanes()[0]
    cue: Cue = project.add_cue(Cue(0, lane.id, 5, 30, label=label, prompt=label, colour=""))
    return cue


def test_a_take_landing_while_the_app_is_open_is_heard_without_reading_it_on_the_loop(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    project = _open(window, run, qtbot, fresh_video)
    cue = _cue(project)
    with loopguard.allowed():  # the test writes the take file itself
        write_wav(project.takes_dir / "knock.wav", np.full((25 * 1920, 2), 0.25, np.float32))
    take = project.add_take(
        Take(0, cue.id, "offline", status=TakeStatus.READY, file="takes/knock.wav")
    )
    project.update_cue(cue.id, chosen_take_id=take.id)  # both changes reach the mix at once
    mixer = window.player.engine.mixer

    def heard() -> bool:
        clips = [clip for strip in mixer.plan.strips for clip in strip.clips]
        return any(len(c.samples) and np.isclose(c.samples.max(), 0.25) for c in clips)

    qtbot.waitUntil(heard, timeout=5000)  # read in a worker thread, then mixed in
    assert not loopguard.violations


class _Paints(QObject):
    """The area (in pixels) of each region a widget is asked to paint."""

    def __init__(self) -> None:
        super().__init__()
        self.areas: list[int] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            rects: list[QRect] = list(event.region())  # type: ignore[attr-defined]
            self.areas.append(sum(r.width() * r.height() for r in rects))
        return False


def _settled(qtbot: Any, timeline: Any) -> None:
    """Wait until thumbnails and the waveform are in (each repaints a cached layer)."""
    qtbot.waitUntil(lambda: timeline.waveform is not None and timeline._static is not None)
    while True:
        painted = timeline.layer_paints.total()
        qtbot.wait(300)
        if timeline.layer_paints.total() == painted:
            return


def test_a_moving_playhead_repaints_two_strips_not_the_timeline(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    _open(window, run, qtbot, fresh_video)
    timeline = window.timeline
    _settled(qtbot, timeline)
    paints = _Paints()
    timeline.installEventFilter(paints)
    painted = timeline.layer_paints.copy()
    whole = timeline.width() * timeline.height()
    for frame in (10, 11, 12, 30):
        window.session.seek(frame)
        qtbot.waitUntil(lambda: bool(paints.areas), timeout=3000)
        # the strips the playhead left and entered, a few per cent of the widget
        assert sum(paints.areas) < whole * 0.1, (paints.areas, whole)
        paints.areas.clear()
    assert timeline.layer_paints == painted  # the cached layers were not painted again
    timeline.removeEventFilter(paints)


def test_job_progress_repaints_a_badge_only_when_the_status_word_changes(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    project = _open(window, run, qtbot, fresh_video)
    cue = _cue(project)
    job = project.add_job(Job(0, cue.id, "offline", state=JobState.RUNNING))
    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline._badges.get(cue.id) == "running", timeout=3000)
    _settled(qtbot, timeline)
    painted = timeline.layer_paints.copy()
    for percent in range(1, 20):
        project.update_job(job.id, progress=percent / 100, status_text=f"{percent}%")
    qtbot.wait(150)
    assert timeline.layer_paints == painted  # progress alone: nothing on the timeline changed
    project.update_job(job.id, state=JobState.DOWNLOADING)
    qtbot.waitUntil(lambda: timeline._badges.get(cue.id) == "downloading", timeout=3000)
    # The new word repainted the lanes' strip, not the ruler, thumbnails or waveform above.
    assert timeline.layer_paints - painted == Counter({Layer.LANES: 1})


def test_each_change_repaints_its_own_strip_and_the_others_keep_their_pixels(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    """Strips repainted alone must still show every change: a marker on the ruler, a cue's
    block on its lane and its tick on the overview, a zoom everywhere."""
    project = _open(window, run, qtbot, fresh_video)
    timeline = window.timeline
    _settled(qtbot, timeline)
    tops = _strip_tops(timeline)

    def strip(layer: Layer) -> Any:
        image = timeline.grab().toImage()
        top, height = tops[layer]
        return _pixels(image.copy(0, top, image.width(), height))

    before = {layer: strip(layer) for layer in tops}
    painted = timeline.layer_paints.copy()
    project.add_marker(Marker(0, 40, label="door", colour="#ff00ff"))
    qtbot.waitUntil(lambda: timeline.layer_paints[Layer.RULER] > painted[Layer.RULER])
    assert not np.array_equal(strip(Layer.RULER), before[Layer.RULER])  # the marker shows
    for layer in (Layer.THUMBS, Layer.WAVE, Layer.LANES):
        assert np.array_equal(strip(layer), before[layer]), layer
    assert (timeline.layer_paints - painted).keys() == {Layer.RULER}

    painted = timeline.layer_paints.copy()
    _cue(project, "slam")
    qtbot.waitUntil(lambda: timeline.layer_paints[Layer.LANES] > painted[Layer.LANES])
    assert not np.array_equal(strip(Layer.LANES), before[Layer.LANES])  # the block shows
    assert not np.array_equal(strip(Layer.OVERVIEW), before[Layer.OVERVIEW])  # and its tick
    assert (timeline.layer_paints - painted).keys() == {Layer.LANES, Layer.OVERVIEW}

    painted = timeline.layer_paints.copy()
    timeline.zoom(2.0)
    qtbot.waitUntil(lambda: timeline.layer_paints[Layer.RULER] > painted[Layer.RULER])
    assert (timeline.layer_paints - painted).keys() == set(Layer.ALL)


def _strip_tops(timeline: Any) -> dict[Layer, tuple[int, int]]:
    ratio = timeline.devicePixelRatioF()
    rects = timeline._layer_rects()
    return {
        layer: (int(rect.top() * ratio), int(rect.height() * ratio))
        for layer, rect in rects.items()
    }


def _pixels(image: Any) -> Any:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return data.copy()


def test_job_progress_rewrites_its_rows_and_keeps_the_lists_as_they_are(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    project = _open(window, run, qtbot, fresh_video)
    cue = _cue(project)
    jobs = [
        project.add_job(Job(0, cue.id, "offline", state=JobState.DONE, progress=1.0))
        for _ in range(200)
    ]
    running = project.add_job(Job(0, cue.id, "offline", state=JobState.RUNNING))
    panel, cues = window.jobs_panel, window.cue_table
    qtbot.waitUntil(lambda: panel.table.rowCount() == len(jobs) + 1, timeout=3000)
    panel.table.selectRow(5)
    chosen = panel.current_job()
    done_item = panel.table.item(5, 4)
    resets: list[bool] = []
    cues.source_model.modelReset.connect(lambda: resets.append(True))

    project.update_job(running.id, progress=0.42, status_text="rendering")
    row = next(r for r in range(panel.table.rowCount()) if panel.table.item(r, 0).text() == "#201")
    qtbot.waitUntil(lambda: panel.table.item(row, 4).text() == "42%", timeout=3000)
    assert panel.table.item(row, 6).text() == "rendering"
    assert panel.table.item(5, 4) is done_item  # the other 200 rows were left alone
    assert panel.current_job() == chosen  # and the editor's selection stays

    project.update_job(running.id, state=JobState.DOWNLOADING)
    status = cues.proxy.index(0, 7)
    qtbot.waitUntil(lambda: status.data() == "downloading", timeout=3000)
    assert not resets  # the cue list updated a cell, it did not rebuild


def test_the_status_bar_says_how_far_jobs_and_the_waveform_are(
    window: Any, run: Any, qtbot: Any, fresh_video: Path
) -> None:
    project = _open(window, run, qtbot, fresh_video)
    qtbot.waitUntil(lambda: window.timeline.waveform is not None, timeout=5000)
    assert not window.peaks_status.isVisible()  # the build is over: its progress went away
    cue = _cue(project)
    first = project.add_job(Job(0, cue.id, "offline", state=JobState.RUNNING))
    second = project.add_job(Job(0, cue.id, "offline", state=JobState.UPLOADING))
    project.update_job(first.id, progress=0.3)
    project.update_job(second.id, progress=0.2)
    label = window.jobs_status
    qtbot.waitUntil(lambda: label.isVisible() and label.text() == "2 jobs running, 25 %")
    project.update_job(first.id, state=JobState.DONE, progress=1.0)
    qtbot.waitUntil(lambda: label.text() == "1 job running, 20 %")
    project.update_job(second.id, state=JobState.FAILED)
    qtbot.waitUntil(lambda: not label.isVisible())

    window.loader.waveform_progress.emit(0.5)  # what the peaks thread's progress becomes
    assert window.peaks_status.isVisible()
    assert window.peaks_status.text() == "Building waveform\u2026 50 %"
    window.loader.waveform_progress.emit(None)
    assert not window.peaks_status.isVisible()


def _nice_here() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_the_source_waveform_and_thumbnails_are_made_at_background_priority(
    window: Any, run: Any, qtbot: Any, fresh_video: Path, monkeypatch: Any
) -> None:
    """Opening reads the whole soundtrack and decodes a strip of pictures: on two busy cores
    that work waits for the loop and the playing picture, not the other way round."""
    seen: dict[str, int] = {}
    real_thumb = MediaLoader._decode_thumb

    def peaks(*args: Any, **kwargs: Any) -> Any:
        seen["peaks"] = _nice_here()
        return source_waveform_peaks(*args, **kwargs)

    def thumb(*args: Any, **kwargs: Any) -> Any:
        seen["thumbnail"] = _nice_here()
        return real_thumb(*args, **kwargs)

    monkeypatch.setattr(media_loader, "source_waveform_peaks", peaks)
    monkeypatch.setattr(MediaLoader, "_decode_thumb", thumb)
    _open(window, run, qtbot, fresh_video)
    qtbot.waitUntil(lambda: window.timeline.waveform is not None and "thumbnail" in seen)
    background = max(_nice_here(), BACKGROUND_NICE)
    assert seen == {"peaks": background, "thumbnail": background}
