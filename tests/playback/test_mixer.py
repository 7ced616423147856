"""The mixer and the feeder without any output: the test is the consumer that pulls the ring."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from foleydesk.core.model import LaneKind
from foleydesk.media.audio import AudioReader
from foleydesk.playback.clock import AudioClock, TimelineMap
from foleydesk.playback.feeder import Feeder, FeedRange
from foleydesk.playback.mixer import Mixer, MixPlan, MixSettings, TakeCache, build_plan
from foleydesk.playback.ring import AudioRing
from tests.playback.conftest import ProjectFactory, add_alternative, add_take
from tests.playback.mediagen import SR, click_track, make_video, signature


def render(mixer: Mixer, start: int, n: int) -> np.ndarray:
    out = np.zeros((n, 2), np.float32)
    mixer.render(start, out)
    return out


def test_takes_land_at_their_cue_plus_offset_with_gain_and_fades(
    make_project: ProjectFactory,
) -> None:
    project = make_project()
    _cue, take = add_take(project, 25, 50, click_track(SR, [0, 1000]))  # cue at 1 s
    project.update_take(take.id, offset_samples=37, gain_db=-6.0)
    cache = TakeCache()  # one cache, as the engine keeps: new gain and fades must be heard
    mixer = Mixer(None)
    mixer.set_plan(build_plan(project, MixSettings(), cache), crossfade=False)
    out = render(mixer, SR - 100, 2000)
    hits = np.flatnonzero(np.abs(out[:, 0]) > 1e-6)
    assert list(hits + SR - 100) == [SR + 37, SR + 1037]
    assert abs(out[hits[0], 0] - 0.8 * 10 ** (-6 / 20)) < 1e-6
    # A 2000-sample fade-in scales the click at take sample 1000 by about one half.
    project.update_take(take.id, offset_samples=0, gain_db=0.0, fade_in_samples=2000)
    mixer.set_plan(build_plan(project, MixSettings(), cache), crossfade=False)
    out = render(mixer, SR, 2000)
    assert abs(out[1000, 0] - 0.8 * 1000.5 / 2000) < 1e-5
    assert out[0, 0] < 0.001


def test_lane_mute_solo_and_audition_in_the_plan(make_project: ProjectFactory) -> None:
    project = make_project()
    cue1, _ = add_take(project, 0, 25, np.full((SR, 2), 0.25, np.float32), lane_number=1)
    _cue2, _ = add_take(project, 0, 25, np.full((SR, 2), 0.5, np.float32), lane_number=2)
    alt = add_alternative(project, cue1, np.full((SR, 2), 0.125, np.float32))
    lane1 = project.lane_by_number(1, LaneKind.FOLEY)
    lane2 = project.lane_by_number(2, LaneKind.FOLEY)
    settings = MixSettings()
    cache = TakeCache()

    def level() -> float:
        mixer = Mixer(None)
        mixer.set_plan(build_plan(project, settings, cache), crossfade=False)
        return float(render(mixer, 1000, 64)[10, 0])

    assert abs(level() - 0.75) < 1e-6
    project.update_lane(lane2.id, mute=True)
    assert abs(level() - 0.25) < 1e-6
    project.update_lane(lane2.id, mute=False, solo=True)
    assert abs(level() - 0.5) < 1e-6
    project.update_lane(lane2.id, solo=False)
    project.update_lane(lane1.id, gain_db=-6.0)
    assert abs(level() - (0.25 * 10 ** (-6 / 20) + 0.5)) < 1e-6
    settings.auditions[cue1.id] = alt.id
    assert abs(level() - (0.125 * 10 ** (-6 / 20) + 0.5)) < 1e-6
    settings.volume = 0.5
    assert abs(level() - (0.125 * 10 ** (-6 / 20) + 0.5) / 2) < 1e-6


def test_plan_changes_crossfade_instead_of_jumping(make_project: ProjectFactory) -> None:
    project = make_project()
    add_take(project, 0, 25, np.full((SR, 2), 0.5, np.float32))
    mixer = Mixer(None)
    mixer.set_plan(build_plan(project, MixSettings(), TakeCache()), crossfade=False)
    first = render(mixer, 0, 512)
    project.update_lane(project.lane_by_number(1, LaneKind.FOLEY).id, mute=True)
    mixer.set_plan(build_plan(project, MixSettings(), TakeCache()))
    second = render(mixer, 512, 512)
    joined = np.concatenate([first, second])[:, 0]
    assert np.abs(np.diff(joined)).max() < 0.01
    assert abs(second[-1, 0]) < 1e-9


def test_source_audio_streams_from_the_file(tmp_path: Path) -> None:
    audio = click_track(2 * SR, [SR // 2, SR + 777])
    video = make_video(tmp_path / "clicks.mp4", 50, audio=audio)
    with AudioReader(video) as reader:
        mixer = Mixer(reader.read)
        mixer.set_plan(MixPlan(source_gain=1.0), crossfade=False)
        out = np.concatenate([render(mixer, s, 1024) for s in range(0, 2 * SR - 1024, 1024)])
    peaks = [int(i) for i in np.flatnonzero(np.abs(out[:, 0]) > 0.4)]
    assert any(abs(p - SR // 2) <= 1 for p in peaks) and any(abs(p - SR - 777) <= 1 for p in peaks)


def test_feeder_wraps_loops_sample_exactly_and_the_clock_follows() -> None:
    sig = signature(3 * SR, seed=7)

    def source(start: int, count: int) -> np.ndarray:
        out = np.zeros((count, 2), np.float32)
        lo, hi = max(start, 0), min(start + count, len(sig))
        if lo < hi:
            out[lo - start : hi - start] = sig[lo:hi]
        return out

    mixer = Mixer(source)
    mixer.set_plan(MixPlan(source_gain=1.0), crossfade=False)
    ring = AudioRing(SR)
    timeline = TimelineMap()
    clock = AudioClock(ring, timeline, SR)
    feeder = Feeder(ring, timeline, mixer, target_fill=SR // 10)
    feeder.start_thread()
    try:
        lo, hi = 10_007, 10_007 + 5_003
        feeder.wait_applied(feeder.play(FeedRange(9_000, 3 * SR, lo, hi)))
        pulled = []
        block = np.zeros((441, 2), np.float32)
        heard = 100.0
        for _ in range(60):
            ring.pull(block, heard, heard)
            pulled.append(block.copy())
            heard += 441 / SR
            time.sleep(0.002)
        got = np.concatenate(pulled)
        expected = np.concatenate([sig[9_000:hi]] + [sig[lo:hi]] * 6)[: len(got)]
        assert np.array_equal(got, expected)
        assert ring.underruns == 0
        # The clock maps what is heard back through the wraps: 441 * 20 samples in.
        at = 100.0 + (441 * 20 + 5) / SR
        n = 441 * 20 + 5
        first_pass = hi - 9_000
        assert clock.heard_sample(at) == lo + (n - first_pass) % (hi - lo)
    finally:
        feeder.close()


def test_an_empty_ring_while_playing_is_an_underrun() -> None:
    ring = AudioRing(4096)
    out = np.ones((256, 2), np.float32)
    ring.pull(out, 0.0, 0.0)
    assert ring.underruns == 0  # not playing: silence is expected
    ring.armed = True
    ring.write(np.full((100, 2), 0.5, np.float32))
    ring.pull(out, 0.0, 0.0)
    assert ring.underruns == 1
    assert np.all(out[:100] == 0.5) and np.all(out[100:] == 0.0)
