"""probe: every source shape reads right, and bad files get a clear message."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleydesk.cli import main
from foleydesk.media.probe import MediaError, probe, source_media_from_info
from tests.media.mediagen import clicks, ffmpeg, make_audio, make_video


def test_h264(h264_mp4: Path) -> None:
    info = probe(h264_mp4)
    v = info.video
    assert (v.codec, v.width, v.height, v.avg_rate, v.frame_count) == ("h264", 320, 240, 25, 75)
    assert v.real_rate == 25 and not v.vfr and v.rotation == 0 and v.bit_depth == 8
    assert info.duration == 3 and info.start_timecode is None
    assert [(a.codec, a.sample_rate, a.channels, a.layout) for a in info.audio] == [
        ("aac", 48000, 2, "stereo")
    ]
    data = info.to_dict()
    assert data["video"]["avg_rate"] == "25/1" and data["duration_seconds"] == 3.0


def test_prores_timecode_track_and_24_bit(prores_mov: Path) -> None:
    info = probe(prores_mov)
    assert info.video.codec == "prores" and info.video.bit_depth == 10
    assert info.video.avg_rate == Fraction(24000, 1001)
    assert info.start_timecode == "01:00:00:00" and info.timecode_source == "tmcd"
    assert info.start_timecode_frames == 86400 and not info.drop_frame
    assert info.audio[0].codec == "pcm_s24le" and info.audio[0].bit_depth == 24


def test_hevc_10_bit(hevc10_mp4: Path) -> None:
    v = probe(hevc10_mp4).video
    assert (v.codec, v.bit_depth, v.pix_fmt) == ("hevc", 10, "yuv420p10le")


def test_vfr_flag_reaches_the_project_source(vfr_mkv: Path, h264_mp4: Path) -> None:
    assert probe(vfr_mkv).video.vfr
    assert source_media_from_info(probe(vfr_mkv)).vfr
    assert not source_media_from_info(probe(h264_mp4)).vfr


def test_rotation_and_display_size(rotated_mp4: Path) -> None:
    v = probe(rotated_mp4).video
    assert v.rotation == 90 and (v.width, v.height) == (320, 240)
    assert (v.display_width, v.display_height) == (240, 320)


def test_ts_start_offset(ts_offset: Path) -> None:
    info = probe(ts_offset)
    assert info.container == "mpegts" and info.video.start_time > 10


def test_webm_surround_odd_ntsc(
    vp9_webm: Path, surround_mp4: Path, odd_size_mp4: Path, ntsc_mp4: tuple[Path, Fraction]
) -> None:
    webm = probe(vp9_webm)
    assert webm.video.codec == "vp9" and webm.audio[0].codec == "opus"
    surround = probe(surround_mp4).audio[0]
    assert surround.channels == 6 and surround.layout == "5.1"
    odd = probe(odd_size_mp4).video
    assert (odd.width, odd.height) == (1366, 767)
    path, rate = ntsc_mp4
    ntsc = probe(path).video
    assert ntsc.avg_rate == rate and ntsc.frame_count == 40


def test_frame_count_ignores_audio_running_past_the_picture(tmp_path: Path) -> None:
    path = make_video(
        tmp_path / "tail.webm",
        codec="libvpx-vp9",
        size=(224, 128),
        frames=24,
        options={"deadline": "realtime", "cpu-used": "8"},
        audio_codec="libopus",
        audio_data=np.zeros((2, 72000), np.float32),  # 1.5 s of sound under 0.96 s of picture
    )
    info = probe(path)
    assert info.duration > 1 and info.video.frame_count == 24
    assert source_media_from_info(info).duration == Fraction(24, 25)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(MediaError, match="empty"):
        probe(path)


def test_text_renamed_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("shot list\n" * 50)
    with pytest.raises(MediaError, match="not a media file"):
        probe(path)


@pytest.mark.parametrize("faststart", [False, True])
def test_truncated_mp4(tmp_path: Path, h264_mp4: Path, faststart: bool) -> None:
    source = h264_mp4
    if faststart:
        source = tmp_path / "fast.mp4"
        ffmpeg("-i", str(h264_mp4), "-c", "copy", "-movflags", "+faststart", str(source))
    data = source.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(MediaError, match="truncated"):
        probe(path)


def test_trailing_bytes_are_not_truncation(tmp_path: Path, h264_mp4: Path) -> None:
    path = tmp_path / "padded.mp4"
    path.write_bytes(h264_mp4.read_bytes() + b"\x00\x01\x00\x00junk" + bytes(100))
    assert probe(path).video.frame_count == 75


def test_audio_only(tmp_path: Path) -> None:
    path = make_audio(
        tmp_path / "music.m4a", clicks(48000, 48000, (1,)), codec="aac", rate=48000, layout="stereo"
    )
    with pytest.raises(MediaError, match="audio-only"):
        probe(path)


def test_unsupported_codec(tmp_path: Path, h264_mp4: Path) -> None:
    avi = tmp_path / "h264.avi"
    ffmpeg("-i", str(h264_mp4), "-an", "-c", "copy", str(avi))
    data = avi.read_bytes()
    assert data.count(b"avc1") >= 2
    path = tmp_path / "odd.avi"  # the same file with a FourCC no decoder knows
    path.write_bytes(data.replace(b"avc1", b"QQQQ"))
    with pytest.raises(MediaError, match="codec FoleyDesk cannot decode"):
        probe(path)


def test_cli_probe(h264_mp4: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", str(h264_mp4), "--json"]) == 0
    assert '"avg_rate": "25/1"' in capsys.readouterr().out
    assert main(["probe", str(h264_mp4)]) == 0
    assert "320x240" in capsys.readouterr().out
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    assert main(["probe", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not a media file" in err and "Traceback" not in err
