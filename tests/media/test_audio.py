"""Audio decode and takes: clicks land on their sample, priming is gone, 5.1 downmixes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.media.audio import AudioReader, decode_audio
from foleydesk.media.probe import MediaError
from foleydesk.media.takes import decode_provider_output, read_wav, write_wav
from tests.media.conftest import CLICKS_48K
from tests.media.mediagen import clicks, ffmpeg, make_audio


def peaks_at(samples: np.ndarray, threshold: float = 0.3) -> list[int]:
    """Sample indices of local maxima above threshold (one per click)."""
    mono = np.abs(samples[:, 0])
    found: list[int] = []
    for i in np.flatnonzero(mono > threshold):
        if found and i - found[-1] < 100:
            if mono[i] > mono[found[-1]]:
                found[-1] = int(i)
            continue
        found.append(int(i))
    return found


def test_source_clicks_land_on_their_samples(h264_mp4: Path) -> None:
    audio = decode_audio(h264_mp4)
    assert audio.dtype == np.float32 and audio.shape[1] == 2
    for want, got in zip(CLICKS_48K, peaks_at(audio), strict=True):
        assert abs(got - want) <= 1


def test_range_decode_starts_at_start(h264_mp4: Path) -> None:
    start = Fraction(9, 10)  # 43200
    audio = decode_audio(h264_mp4, start, Fraction(3, 2))
    assert audio.shape == (28800, 2)
    assert abs(peaks_at(audio)[0] - (CLICKS_48K[1] - 43200)) <= 1


def test_mpegts_start_offset_is_file_time_zero(ts_offset: Path) -> None:
    audio = decode_audio(ts_offset, Fraction(0), Fraction(2))
    got = peaks_at(audio)
    # TS audio starts before the video (AAC priming); the clicks keep their place vs frame 0.
    assert abs(got[0] - CLICKS_48K[0]) <= 1
    assert abs(got[1] - CLICKS_48K[1]) <= 1


def test_reader_sequential_and_jumps(h264_mp4: Path) -> None:
    whole = decode_audio(h264_mp4, Fraction(0), Fraction(3))
    with AudioReader(h264_mp4) as reader:
        parts = [reader.read(i, 1000) for i in range(0, 144000, 1000)]
        assert np.allclose(np.concatenate(parts), whole, atol=1e-6)
        jumped = reader.read(48000, 500)  # backwards: re-seeks
        assert np.allclose(jumped, whole[48000:48500], atol=1e-4)
        tail = reader.read(143900, 400)  # past the end: zeros
        assert tail.shape == (400, 2) and not tail[200:].any()


def test_provider_aac_in_mp4_sample_zero_is_time_zero(click_m4a: Path) -> None:
    take = decode_provider_output(click_m4a, 48000)
    assert take.shape == (48000, 1)
    got = peaks_at(take)
    assert got[0] <= 1  # priming (1024 samples) would put it at ~1115
    assert abs(got[1] - 24000) <= 1


@pytest.mark.parametrize("codec,ext", [("mp3", "mp3"), ("flac", "flac"), ("pcm_s16le", "wav")])
def test_provider_formats(media_dir: Path, codec: str, ext: str) -> None:
    path = make_audio(
        media_dir / f"out.{ext}",
        clicks(44100 * 2, 44100, (4410, 44100), channels=2),
        codec=codec,
        rate=44100,
        layout="stereo",
    )
    take = decode_provider_output(path, 72000)  # 1.5 s: trimmed
    assert take.shape == (72000, 2)
    assert all(abs(g - w) <= 1 for g, w in zip(peaks_at(take), (4800, 48000), strict=True))
    padded = decode_provider_output(path, 200000)
    assert padded.shape == (200000, 2) and not padded[100000:].any()


def test_provider_whole_mp4_with_video(h264_mp4: Path) -> None:
    take = decode_provider_output(h264_mp4, 96000)
    assert abs(peaks_at(take)[0] - CLICKS_48K[0]) <= 1


def test_surround_downmix(surround_mp4: Path) -> None:
    stereo = decode_audio(surround_mp4, Fraction(1, 4), Fraction(3, 4))
    left, right = stereo[:, 0], stereo[:, 1]
    assert np.allclose(left, right, atol=1e-3)  # the centre lands equally on both sides
    spectrum = np.abs(np.fft.rfft(left))
    freqs = np.fft.rfftfreq(len(left), 1 / 48000)
    tone = spectrum[np.argmin(abs(freqs - 1000))]
    lfe = spectrum[np.argmin(abs(freqs - 300))]
    assert tone > 100 * max(lfe, 1e-3)  # LFE is left out of a stereo downmix
    assert 0.15 < np.abs(left).max() < 0.6
    native = decode_audio(surround_mp4, Fraction(1, 4), Fraction(3, 4), channels=None)
    assert native.shape[1] == 6


def test_mono_stays_at_full_level(media_dir: Path) -> None:
    path = make_audio(
        media_dir / "mono.wav",
        clicks(4800, 48000, (100,), channels=1),
        codec="pcm_s16le",
        rate=48000,
        layout="mono",
    )
    assert decode_provider_output(path, 4800).shape == (4800, 1)
    stereo = decode_audio(path, channels=2)
    assert abs(stereo[100, 0] - 0.9) < 1e-3 and abs(stereo[100, 1] - 0.9) < 1e-3


@pytest.mark.parametrize("subtype,tol", [("float32", 0.0), ("pcm24", 1 / 8388608)])
def test_wav_round_trip(tmp_path: Path, subtype: str, tol: float) -> None:
    rng = np.random.default_rng(1)
    data = (rng.random((4801, 2), np.float32) - 0.5).astype(np.float32)
    path = write_wav(tmp_path / "t.wav", data, 48000, subtype)  # type: ignore[arg-type]
    back, rate = read_wav(path)
    assert rate == 48000 and back.shape == data.shape
    assert np.max(np.abs(back - data)) <= tol
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_wav_readable_by_ffmpeg_decoders(tmp_path: Path) -> None:
    data = clicks(4800, 48000, (10,), channels=6).T.copy()
    path = write_wav(tmp_path / "s.wav", data, 48000, "pcm24")
    decoded = decode_audio(path, channels=None)
    assert decoded.shape == (4800, 6) and abs(decoded[10, 3] - 0.9) < 1e-4


def test_provider_output_not_audio(tmp_path: Path) -> None:
    bad = tmp_path / "out.mp3"
    bad.write_text('{"error": "rate limited"}')
    with pytest.raises(MediaError, match="not a media file"):
        decode_provider_output(bad, 48000)


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_audio_starting_after_the_picture(h264_mp4: Path, tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"late.{ext}"
    ffmpeg(
        *("-i", str(h264_mp4), "-itsoffset", "0.5", "-i", str(h264_mp4)),
        *("-map", "0:v", "-map", "1:a", "-c", "copy", str(path)),
    )
    audio = decode_audio(path, Fraction(0), Fraction(2))
    assert not audio[:20000].any()  # silence until the sound starts
    got = peaks_at(audio)
    # Placed by the file's timestamps, which this remux only writes to the millisecond.
    assert abs(got[0] - (CLICKS_48K[0] + 24000)) <= 48
    with AudioReader(path) as reader:
        block = reader.read(CLICKS_48K[1] + 24000 - 100, 200)
    assert abs(int(np.argmax(np.abs(block[:, 0]))) - (100 + got[0] - CLICKS_48K[0] - 24000)) <= 1


def test_opus_in_webm_pre_skip(vp9_webm: Path) -> None:
    audio = decode_audio(vp9_webm, Fraction(0), Fraction(1))
    assert abs(peaks_at(audio)[0] - 12000) <= 1  # Opus pre-skip (312 samples) is gone


def test_prores_24_bit_pcm(prores_mov: Path) -> None:
    audio = decode_audio(prores_mov, channels=None)
    assert audio.shape[1] == 2 and abs(audio.shape[0] - 48048) <= 48
    assert peaks_at(audio) == [2402] and abs(audio[2402, 0] - 0.9) < 1e-6  # 24-bit precision
