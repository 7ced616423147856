"""Muxed video: the source's video packets unchanged, the takes' clicks at the right sample."""

from __future__ import annotations

import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from foleydesk.errors import UserError
from foleydesk.media.mux import mux_video
from foleydesk.media.probe import probe
from foleydesk.media.render import RenderCancelled
from tests.interchange.sources import SR, add_cue_with_take, make_project, make_source

NTSC_FILM = Fraction(24000, 1001)
NTSC = Fraction(30000, 1001)
MS = SR // 1000


def _video_packets(path: Path) -> list[tuple[bytes, Fraction, Fraction, bool]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (
                bytes(p),
                Fraction(p.pts) * Fraction(p.time_base),
                Fraction(p.dts) * Fraction(p.time_base),
                p.is_keyframe,
            )
            for p in container.demux(stream)
            if p.dts is not None
        ]


def _decode_track(path: Path, index: int) -> npt.NDArray[np.float32]:
    """Audio track `index` as mono float32, sample 0 at the first video frame's time."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        origin = Fraction(video.start_time or 0) * Fraction(video.time_base)
        stream = container.streams.audio[index]
        blocks: list[npt.NDArray[np.float32]] = []
        first: Fraction | None = None
        for frame in container.decode(stream):
            if first is None:
                first = Fraction(frame.pts) * Fraction(frame.time_base)
            array = frame.to_ndarray()
            if frame.format.is_planar:
                blocks.append(array[0].astype(np.float32))
            else:
                blocks.append(array.reshape(-1, frame.layout.nb_channels)[:, 0].astype(np.float32))
    mono = np.concatenate(blocks)
    if mono.dtype != np.float32 or np.max(np.abs(mono)) > 2:
        mono = mono / np.float32(2**31)
    lead = round(((first or Fraction(0)) - origin) * SR)
    if lead > 0:
        mono = np.concatenate([np.zeros(lead, np.float32), mono])
    elif lead < 0:
        mono = mono[-lead:]
    return mono


def _peaks(mono: npt.NDArray[np.float32], threshold: float = 0.5) -> list[int]:
    """Start of each burst louder than `threshold` (bursts closer than 10 ms are one)."""
    hits = np.flatnonzero(np.abs(mono) > threshold)
    out: list[int] = []
    for hit in hits.tolist():
        if not out or hit - out[-1] > 10 * MS:
            out.append(hit)
    return out


@pytest.fixture(scope="module")
def mp4_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mp4src")
    return make_source(folder / "shot 1.mp4", NTSC_FILM, 96, audio_clicks=(20_000,))


def test_mp4_mix_keeps_video_packets_and_places_the_click(tmp_path: Path, mp4_source: Path) -> None:
    project = make_project(tmp_path, mp4_source)
    add_cue_with_take(project, 1, 40, 64, 1234)
    out = tmp_path / "out" / "with foley.mp4"
    progress: list[float] = []
    mux_video(project, out, "mix", progress=progress.append)
    assert _video_packets(out) == _video_packets(mp4_source)
    assert progress[-1] == 1.0 and progress == sorted(progress)
    with av.open(str(out)) as container:
        # the mix, then the source's production AAC copied packet for packet
        assert [s.codec_context.name for s in container.streams.audio] == ["aac", "aac"]
        assert container.streams.audio[1].metadata.get("handler_name") == "Production 1"
    mix = _decode_track(out, 0)
    found = _peaks(mix, 0.3)  # AAC spreads a 4-sample click: its peak drops to about 0.45
    assert len(found) == 2
    assert abs(found[0] - 20_000) <= MS  # the production audio's own click
    assert abs(found[1] - (40 * 2002 + 1234)) <= MS  # the take's click
    assert abs(len(mix) - 96 * 2002) <= 1024


def test_mov_tracks_are_pcm_and_sample_exact(tmp_path: Path, mp4_source: Path) -> None:
    project = make_project(tmp_path, mp4_source)
    add_cue_with_take(project, 1, 30, 40, 100)
    add_cue_with_take(project, 2, 50, 70, 3000, offset=-250)
    out = tmp_path / "tracks.mov"
    mux_video(project, out, "tracks")
    assert _video_packets(out) == _video_packets(mp4_source)
    with av.open(str(out)) as container:
        audio = container.streams.audio
        # the rendered tracks, then the source's AAC production stream copied as it is
        assert [s.codec_context.name for s in audio] == ["pcm_s24le"] * 4 + ["aac"]
        assert [s.metadata.get("handler_name") for s in audio] == [
            "Mix",
            "Original",
            "Foley 1",
            "Foley 2",
            "Production 1",
        ]
    lane1 = 30 * 2002 + 100
    lane2 = 50 * 2002 + 3000 - 250
    # The original (decoded from the source's AAC) is near 20000; the takes are exact.
    mix = _peaks(_decode_track(out, 0), 0.3)
    assert len(mix) == 3 and abs(mix[0] - 20_000) <= MS and mix[1:] == [lane1, lane2]
    original = _peaks(_decode_track(out, 1), 0.3)
    assert len(original) == 1 and abs(original[0] - 20_000) <= MS
    assert _peaks(_decode_track(out, 2)) == [lane1]
    assert _peaks(_decode_track(out, 3)) == [lane2]


def test_no_original_leaves_the_production_audio_out(tmp_path: Path, mp4_source: Path) -> None:
    project = make_project(tmp_path, mp4_source)
    add_cue_with_take(project, 1, 10, 20, 100)
    out = tmp_path / "clean.mov"
    mux_video(project, out, "tracks", include_original=False)
    with av.open(str(out)) as container:
        assert len(container.streams.audio) == 2  # mix + Foley 1
    assert _peaks(_decode_track(out, 0)) == [10 * 2002 + 100]


def test_source_with_start_offset_stays_in_sync(tmp_path: Path) -> None:
    base = make_source(tmp_path / "base.mov", Fraction(25), 75, audio=False)
    shifted = tmp_path / "shifted.mov"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(base), "-c", "copy", "-output_ts_offset", "1.5",
         str(shifted)],
        check=True,
    )  # fmt: skip
    assert probe(shifted).video.start_time > 0
    project = make_project(tmp_path, shifted)
    add_cue_with_take(project, 1, 25, 50, 480)  # one second in, plus 10 ms
    out = tmp_path / "out.mp4"
    mux_video(project, out)
    src_packets, out_packets = _video_packets(shifted), _video_packets(out)
    assert [p[0] for p in out_packets] == [p[0] for p in src_packets]
    offset = out_packets[0][1] - src_packets[0][1]
    assert all(o[1] - s[1] == offset for o, s in zip(out_packets, src_packets, strict=True))
    assert _peaks(_decode_track(out, 0))[0] == pytest.approx(SR + 480, abs=MS)


def test_drop_frame_source_keeps_its_timecode(tmp_path: Path) -> None:
    source = make_source(tmp_path / "df.mov", NTSC, 45, "01:00:00;00", audio=False)
    project = make_project(tmp_path, source)
    add_cue_with_take(project, 1, 7, 30, 10)
    out = tmp_path / "df out.mov"
    mux_video(project, out)
    info = probe(out)
    assert info.start_timecode == "01:00:00;00" and info.drop_frame
    # 7 frames at 29.97 = 11211.2 samples: the click lands on the nearest sample
    assert _peaks(_decode_track(out, 0)) == [11211 + 10]


def test_cancel_and_bad_names(tmp_path: Path, mp4_source: Path) -> None:
    project = make_project(tmp_path, mp4_source)
    add_cue_with_take(project, 1, 10, 20, 100)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    cancel = threading.Event()

    def stop(fraction: float) -> None:
        if fraction > 0.2:
            cancel.set()

    with pytest.raises(RenderCancelled):
        mux_video(project, out_dir / "x.mp4", progress=stop, cancel=cancel)
    assert list(out_dir.iterdir()) == []
    with pytest.raises(UserError, match=r"\.avi"):
        mux_video(project, out_dir / "x.avi")
    with pytest.raises(UserError, match="overwrite the source"):
        mux_video(project, mp4_source)


# -- source shapes from the media suite's fixtures (tests/media/conftest.py) ----------------------


def _relative(packets: list[tuple[bytes, Fraction, Fraction, bool]]) -> list[Fraction]:
    first = packets[0][1]
    return [p[1] - first for p in packets]


def test_rotated_phone_clip_keeps_its_rotation(tmp_path: Path, rotated_mp4: Path) -> None:
    project = make_project(tmp_path, rotated_mp4)
    out = tmp_path / "rotated out.mp4"
    mux_video(project, out)
    assert probe(out).video.rotation == probe(rotated_mp4).video.rotation == 90
    assert _video_packets(out) == _video_packets(rotated_mp4)


def test_vfr_source_keeps_its_timestamps(tmp_path: Path, vfr_mkv: Path) -> None:
    project = make_project(tmp_path, vfr_mkv)
    add_cue_with_take(project, 1, 3, 6, 77)
    out = tmp_path / "vfr.mov"
    mux_video(project, out)
    source, muxed = _video_packets(vfr_mkv), _video_packets(out)
    assert [p[0] for p in muxed] == [p[0] for p in source]
    assert _relative(muxed) == _relative(source)  # 0, 40, 80, 200 ms ...: gaps kept
    rate = project.source.frame_rate
    expected = round(Fraction(3) / rate * SR) + 77
    assert _peaks(_decode_track(out, 0)) == [expected]


def test_ts_source_starting_at_10s_stays_in_sync(tmp_path: Path, ts_offset: Path) -> None:
    from tests.media.conftest import CLICKS_48K

    project = make_project(tmp_path, ts_offset)
    add_cue_with_take(project, 1, 50, 60, 240)  # 2 s in at 25 fps, plus 5 ms
    out = tmp_path / "from ts.mp4"
    mux_video(project, out)
    source, muxed = _video_packets(ts_offset), _video_packets(out)
    assert len(muxed) == len(source)
    assert _relative(muxed) == _relative(source)
    found = _peaks(_decode_track(out, 0), 0.3)
    expected = [*CLICKS_48K, 2 * SR + 240]
    assert len(found) == len(expected)
    assert all(abs(f - e) <= MS for f, e in zip(found, expected, strict=True))


def test_prores_with_timecode_track(tmp_path: Path, prores_mov: Path) -> None:
    project = make_project(tmp_path, prores_mov)
    add_cue_with_take(project, 1, 4, 12, 1)
    out = tmp_path / "prores out.mov"
    mux_video(project, out, "tracks")
    assert _video_packets(out) == _video_packets(prores_mov)
    assert probe(out).start_timecode == "01:00:00:00"
    assert _peaks(_decode_track(out, 2)) == [4 * 2002 + 1]  # the lane track
    with pytest.raises(
        UserError, match=r"ProRes video cannot be copied into \.mp4.*\.mov or \.mkv"
    ):
        mux_video(project, tmp_path / "prores out.mp4")
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*part*"))


def test_mp4_output_carries_the_timecode(tmp_path: Path) -> None:
    source = make_source(tmp_path / "tc.mov", NTSC_FILM, 24, "00:59:58:00", audio=False)
    project = make_project(tmp_path, source)
    out = tmp_path / "tc.mp4"
    mux_video(project, out)
    assert probe(out).start_timecode == "00:59:58:00"
