"""What the editor hears, checked on a real sound server: PulseAudio's null sink, its monitor
recorded with parec while the engine plays. Without PulseAudio these skip (the null-output
tests in test_transport.py still run)."""

from __future__ import annotations

import os
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.model import LaneKind
from foleydesk.playback import PlaybackEngine
from tests.playback.conftest import AudioSetup, ProjectFactory, add_alternative, add_take
from tests.playback.mediagen import SR, click_track, level_at, signature, tone
from tests.playback.soundserver import start_sound_server

pytestmark = pytest.mark.soundserver


def engine_on_device(project: object, audio_setup: AudioSetup) -> PlaybackEngine:
    engine = PlaybackEngine(
        project,  # type: ignore[arg-type]
        use_device=True,
        device=audio_setup.device,
        video=False,
    )
    assert engine.on_device, engine.device_status
    return engine


def test_clicks_are_heard_when_the_clock_says(
    audio_setup: AudioSetup, make_project: ProjectFactory
) -> None:
    recorder = audio_setup.recorder()
    project = make_project()
    # A take on frames 25..125 (1 s .. 5 s) with clicks at known samples of the timeline.
    clicks = [SR + 6000, SR + 30000, 2 * SR + 17, 2 * SR + 36011, 3 * SR + 5]
    take = click_track(4 * SR, [c - SR for c in clicks])
    add_take(project, 25, 125, take)
    start = Fraction(SR + 2400, SR)  # play from 1.05 s: the first click is 75 ms in
    with engine_on_device(project, audio_setup) as engine:
        engine.seek(start)
        recorder.start()
        engine.play()
        time.sleep(2.4)
        first_heard = engine.clock.first_heard_time()
        engine.pause()
        time.sleep(0.2)
        recording = recorder.stop()
    assert first_heard is not None
    found = np.flatnonzero(np.abs(recording.samples[:, 0]) > 0.4)
    expected = [c for c in clicks if c < SR + 2400 + 2.2 * SR]
    assert len(found) == len(expected), f"clicks heard at {found}"
    # Sample-exact spacing: the pipeline neither drops nor repeats a sample.
    assert list(np.diff(found)) == list(np.diff(expected))
    start_sample = SR + 2400
    for click, index in zip(expected, found, strict=True):
        heard_at = recording.time_of(int(index))
        due = first_heard + (click - start_sample) / SR
        assert abs(heard_at - due) < 0.005, (
            f"click {click}: heard {1000 * (heard_at - due):.2f} ms off"
        )
        # And the playhead agrees at that instant.
        heard_sample = engine.clock.heard_sample(heard_at)
        assert heard_sample is not None
        assert abs(heard_sample - click) < 0.005 * SR


def test_loop_boundaries_are_sample_exact(
    audio_setup: AudioSetup, make_project: ProjectFactory
) -> None:
    recorder = audio_setup.recorder()
    project = make_project()
    sig = signature(6 * SR, seed=3)
    add_take(project, 25, 175, sig)  # 1 s .. 7 s of the timeline
    loop_start, loop_end = Fraction(2), Fraction(2) + Fraction(13, 25)
    pre, post = Fraction(1, 10), Fraction(7, 100)
    lo = int((loop_start - pre) * SR) - SR  # as indices into the take
    hi = int((loop_end + post) * SR) - SR
    with engine_on_device(project, audio_setup) as engine:
        engine.set_loop(loop_start, loop_end, pre, post)
        engine.seek(loop_start - pre)
        recorder.start()
        engine.play()
        time.sleep(0.69 * 2.6)
        engine.pause()
        time.sleep(0.2)
        recording = recorder.stop()
    heard = recording.samples
    first = int(np.flatnonzero(np.abs(heard[:, 0]) > 0.01)[0])
    period = hi - lo
    expected = np.tile(sig[lo:hi], (3, 1))
    span = 2 * period + period // 2
    got = heard[first : first + span]
    assert len(got) == span
    mismatch = np.flatnonzero(np.abs(got - expected[:span]).max(axis=1) > 1e-6)
    assert mismatch.size == 0, f"first wrong sample at {mismatch[0]} (loop is {period} long)"


def test_mute_and_solo_are_heard(audio_setup: AudioSetup, make_project: ProjectFactory) -> None:
    recorder = audio_setup.recorder()
    project = make_project()
    add_take(project, 0, 150, tone(6 * SR, 1000), lane_number=1)
    add_take(project, 0, 150, tone(6 * SR, 1500), lane_number=2)
    lane1 = project.lane_by_number(1, LaneKind.FOLEY)
    lane2 = project.lane_by_number(2, LaneKind.FOLEY)
    windows: list[tuple[str, float, float]] = []
    with engine_on_device(project, audio_setup) as engine:
        recorder.start()
        engine.play()

        def hold(name: str) -> None:
            time.sleep(0.35)  # the change reaches the ear after the buffer and device latency
            begin = time.monotonic()
            time.sleep(0.25)
            windows.append((name, begin, time.monotonic()))

        hold("both")
        project.update_lane(lane1.id, mute=True)
        hold("lane 1 muted")
        project.update_lane(lane1.id, mute=False)
        project.update_lane(lane2.id, solo=True)
        hold("lane 2 solo")
        engine.set_source_audio(solo=True)
        project.update_lane(lane2.id, solo=False)
        hold("source solo")
        engine.pause()
        recording = recorder.stop()
    levels = {}
    for name, begin, end in windows:
        a = int((begin - recording.first_heard) * SR)
        b = int((end - recording.first_heard) * SR)
        chunk = recording.samples[a:b]
        levels[name] = (level_at(chunk, 1000), level_at(chunk, 1500))
    assert levels["both"][0] > 0.3 and levels["both"][1] > 0.3, levels
    assert levels["lane 1 muted"][0] < 0.01 and levels["lane 1 muted"][1] > 0.3, levels
    assert levels["lane 2 solo"][0] < 0.01 and levels["lane 2 solo"][1] > 0.3, levels
    assert max(levels["source solo"]) < 0.01, levels


def test_take_switch_while_playing_makes_no_click(
    audio_setup: AudioSetup, make_project: ProjectFactory
) -> None:
    recorder = audio_setup.recorder()
    project = make_project()
    cue, _ = add_take(project, 0, 150, tone(6 * SR, 440, level=0.5))
    inverted = add_alternative(project, cue, tone(6 * SR, 440, level=0.5, phase=np.pi))
    with engine_on_device(project, audio_setup) as engine:
        recorder.start()
        engine.play()
        time.sleep(0.5)
        switched_at = time.monotonic()
        engine.audition(cue.id, inverted.id)
        time.sleep(0.8)
        engine.pause()
        time.sleep(0.1)
        recording = recorder.stop()
    x = recording.samples[:, 0]
    playing = np.flatnonzero(np.abs(x) > 0.1)
    body = x[playing[0] + 10 : playing[-1] - 10]
    # A 440 Hz sine at 0.5 moves at most 0.029 per sample; the switch to the inverted take
    # would jump by up to 1.0 without the crossfade.
    assert np.abs(np.diff(body)).max() < 0.05
    # ... and the switch did happen: the recording ends in the inverted take's phase.
    t_end = recording.time_of(int(playing[-1]))
    assert t_end - switched_at > 0.5
    reference = tone(6 * SR, 440, level=0.5)[:, 0]
    index = int(playing[-1]) - 2000
    sample = engine.clock.heard_sample(recording.time_of(index))
    assert sample is not None
    window = x[index - 200 : index + 200]
    same = float(np.dot(window, reference[sample - 200 : sample + 200]))
    assert same < 0, "the auditioned (inverted) take is not the one heard"


@pytest.mark.slow
def test_a_minute_of_playback_has_no_underrun(
    audio_setup: AudioSetup, make_project: ProjectFactory, source_video: object
) -> None:
    project = make_project()
    add_take(project, 0, 200, tone(8 * SR, 440))
    engine = PlaybackEngine(
        project, use_device=audio_setup.use_device, device=audio_setup.device, video=True
    )
    with engine:
        engine.set_loop(Fraction(0), Fraction(8))
        engine.play()
        began = time.monotonic()
        frames = 0
        while time.monotonic() - began < 60:
            if engine.current_frame((160, 96)) is not None:
                frames += 1
            time.sleep(0.02)
        stats = engine.stats()
        engine.pause()
    assert stats.underruns == 0
    assert stats.device_underflows == 0
    assert stats.dropped_frames == 0
    assert stats.presented_frames >= 60 * 25 - 10
    if not audio_setup.use_device:
        warnings.warn(
            f"a minute played on the null output only: {audio_setup.reason}", stacklevel=1
        )


def test_losing_the_device_mid_play_falls_back_to_the_null_output(
    audio_setup: AudioSetup, make_project: ProjectFactory, tmp_path: Path
) -> None:
    if audio_setup.server is None:
        pytest.skip(f"needs PulseAudio ({audio_setup.reason})")
    doomed = start_sound_server(tmp_path / "doomed")
    project = make_project()
    saved = os.environ["PULSE_SERVER"]
    os.environ["PULSE_SERVER"] = doomed.env["PULSE_SERVER"]
    try:
        engine = engine_on_device(project, audio_setup)
    finally:
        os.environ["PULSE_SERVER"] = saved
    with engine:
        engine.play()
        time.sleep(0.3)
        doomed.stop()  # the sound server goes away under the engine
        deadline = time.monotonic() + 5
        while engine.on_device and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not engine.on_device
        assert engine.device_lost
        assert "lost" in engine.device_status
        before = engine.position
        time.sleep(0.3)
        assert engine.playing
        assert engine.position - before > Fraction(2, 10)
