"""The loudness meter while playing reads the mixer's output (the feeder's blocks, not the audio
callback): what it shows agrees with the offline measurement of the same sound, and the
integrated figure starts again at each play."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from foleydesk.media.loudness import measure_blocks
from foleydesk.playback import PlaybackEngine
from tests.playback.conftest import ProjectFactory, add_take

SR = 48_000


def test_meter_follows_what_plays(make_project: ProjectFactory) -> None:
    project = make_project()
    rng = np.random.default_rng(5)
    noise = (rng.standard_normal((SR * 4, 2)) * 0.05).astype(np.float32)
    add_take(project, 0, 100, noise)  # 4 s at 25 fps
    expected = measure_blocks([noise[: SR * 2]], SR, 2)
    with PlaybackEngine(project, use_device=False, video=False) as engine:
        assert engine.loudness.poll() is None  # nothing played yet
        engine.play()
        time.sleep(1.6)
        reading = engine.loudness.poll()
        engine.pause()
        assert reading is not None and reading.integrated is not None
        assert expected.integrated is not None and expected.true_peak is not None
        assert abs(reading.integrated - expected.integrated) <= 1.0
        assert reading.momentary is not None and abs(reading.momentary - expected.integrated) < 1.5
        assert reading.true_peak is not None and reading.true_peak <= expected.true_peak + 0.5

        # A play from the silent end starts the integrated figure again: nothing to gate in.
        engine.seek(Fraction(5))
        engine.play()
        time.sleep(0.8)
        again = engine.loudness.poll()
        engine.pause()
        assert again is not None and again.integrated is None and again.momentary is None
