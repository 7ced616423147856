"""The offline sketch: onset-synced, audible, deterministic, fast."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.core.model import CueKind
from foleydesk.providers.base import GenerationRequest, TaskState
from foleydesk.providers.hosts.offline import OfflineProvider, render
from foleydesk.providers.motion import find_onsets, motion_energy
from foleydesk.providers.sketch import beds_for, material_for
from tests.fakes.clips import make_clip

SR = 48_000


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("offline") / "jumps.mp4", frames=50, jumps=(10, 30))


def test_onsets_are_the_frames_where_the_square_jumps(clip: Path) -> None:
    onsets = find_onsets(motion_energy(clip))
    assert [o.time for o in onsets] == [Fraction(10, 25), Fraction(30, 25)]


def test_still_picture_has_no_onsets(tmp_path: Path) -> None:
    still = make_clip(tmp_path / "still.mp4", frames=25, jumps=())
    assert find_onsets(motion_energy(still)) == []


def _request(clip: Path, prompt: str, seed: int = 7) -> GenerationRequest:
    return GenerationRequest(CueKind.FOLEY, prompt, Fraction(2), segment=clip, seed=seed)


def test_hits_land_on_the_onset_samples(clip: Path) -> None:
    audio = render(_request(clip, "wooden knock"))
    assert audio.shape == (2 * SR, 2) and audio.dtype == np.float32
    mono = np.abs(audio).max(axis=1)
    for frame in (10, 30):
        onset = frame * SR // 25
        window = mono[onset - 2400 : onset + 2400]  # +-50 ms
        assert int(np.argmax(window)) - 2400 == 0, "the hit's attack is on the onset sample"
        assert window.max() > 0.3
    # Silence (no bed words) well before the first hit.
    assert mono[: 10 * SR // 25 - 100].max() < 1e-6


def test_prompt_words_colour_the_sound(clip: Path) -> None:
    assert material_for("heavy footsteps on gravel").name == "footsteps"
    assert material_for("a sword clangs").name == "metal"
    assert beds_for("footsteps in the rain, light wind") == ["rain", "wind"]
    glass = render(_request(clip, "glass clink"))[:, 0]
    thud = render(_request(clip, "punch thud"))[:, 0]

    def centroid(x: np.ndarray) -> float:
        segment = x[10 * SR // 25 : 10 * SR // 25 + 4800]
        spectrum = np.abs(np.fft.rfft(segment)) ** 2
        freqs = np.fft.rfftfreq(segment.size, 1 / SR)
        return float((spectrum * freqs).sum() / spectrum.sum())

    assert centroid(glass) > 3 * centroid(thud)


def test_bed_fills_the_range_when_named(clip: Path) -> None:
    audio = render(_request(clip, "rain on a window"))
    quiet_part = audio[SR // 10 : 10 * SR // 25 - 100, 0]
    rms = float(np.sqrt(np.mean(quiet_part**2)))
    assert 0.005 < rms < 0.2


def test_same_seed_same_take_other_seed_other_take(clip: Path) -> None:
    a = render(_request(clip, "footsteps, rain", seed=1))
    b = render(_request(clip, "footsteps, rain", seed=1))
    c = render(_request(clip, "footsteps, rain", seed=2))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_ten_seconds_render_ten_seconds(tmp_path: Path) -> None:
    # Its speed (well under a second for 10 s) is measured by `python -m bench jobs`.
    long_clip = make_clip(tmp_path / "ten.mp4", frames=250, jumps=(20, 80, 140, 200))
    request = GenerationRequest(
        CueKind.FOLEY, "door slam, traffic", Fraction(10), segment=long_clip, seed=3
    )
    audio = render(request)
    assert audio.shape[0] == 10 * SR


def test_provider_protocol_round_trip(clip: Path) -> None:
    provider = OfflineProvider()

    async def run() -> None:
        request = _request(clip, "metal clang")
        assert provider.validate(request) == []
        assert provider.estimate_cost(request) == 0.0
        task_id = await provider.submit(request)
        for _ in range(200):
            status = await provider.poll(task_id)
            if status.state.terminal:
                break
            await asyncio.sleep(0.01)
        assert status.state is TaskState.COMPLETED
        (output,) = status.outputs
        assert output.samples is not None and output.samples.shape == (2 * SR, 2)

    asyncio.run(run())


def test_validate_speaks_plainly(clip: Path) -> None:
    problems = OfflineProvider().validate(_request(clip, ""))
    assert problems == ["The prompt is empty: say what the range should sound like."]


def test_a_still_picture_with_no_known_word_is_never_silence(tmp_path: Path) -> None:
    """The issue's "Today": "White coupe" on a still car gave 4 s of digital zero."""
    from foleydesk.media.take_check import take_problems

    still = make_clip(tmp_path / "car.mp4", frames=100, jumps=())
    request = GenerationRequest(CueKind.FOLEY, "White coupe", Fraction(4), segment=still, seed=3)
    audio = render(request)
    assert audio.shape == (4 * SR, 2)
    rms_db = 20 * np.log10(float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))))
    assert -45 < rms_db < -20  # a quiet bed, well above the -60 dBFS of "silent"
    assert take_problems(audio) == []
    hiss = render(GenerationRequest(CueKind.FOLEY, "hissing fizz", Fraction(4), segment=still))
    boom = render(GenerationRequest(CueKind.FOLEY, "low boom", Fraction(4), segment=still))

    def centroid(x: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(x[:, 0])) ** 2
        return float((spectrum * np.fft.rfftfreq(len(x), 1 / SR)).sum() / spectrum.sum())

    assert centroid(hiss) > 2 * centroid(boom)  # shaped by its words
