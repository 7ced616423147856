"""The footage an editor is handed, made small: odd rates, VFR, many audio tracks, timecode in
every place it lives, interlaced, anamorphic, HDR, AV1/VP9, ProRes with alpha.

Each shape is a tiny clip (a few frames, small pictures) written by the ffmpeg command line
(tests may call it; the product never does) or PyAV, with what a test needs to know about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from tests.media.mediagen import ffmpeg


@dataclass(frozen=True)
class Shape:
    name: str
    file: str
    make: Callable[[Path], Path]
    rate: Fraction  # the frame rate the file has (VFR: the average it was built around)
    sequence_rate: str  # the sequence rate an NLE would put it on
    start_tc: str = "00:00:00:00"  # as FoleyDesk should read it (at the sequence rate)
    audio_channels: tuple[int, ...] = ()  # channels of each audio stream
    tags: frozenset[str] = field(default_factory=frozenset)


def _lavfi_video(rate: str, size: str, seconds: str, extra: str = "") -> list[str]:
    src = f"testsrc2=size={size}:rate={rate}:duration={seconds}"
    return ["-f", "lavfi", "-i", src + extra]


def _tone(seconds: str, freq: int = 440, layout: str = "stereo") -> list[str]:
    return [
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={freq}:sample_rate=48000:duration={seconds},"
        f"aformat=channel_layouts={layout}",
    ]


def h264_at(rate: str, seconds: str = "2") -> Callable[[Path], Path]:
    """H.264 + AAC stereo in MP4 at an odd constant rate (security cameras, phones)."""

    def make(path: Path) -> Path:
        ffmpeg(
            *_lavfi_video(rate, "64x48", seconds),
            *_tone(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        )  # fmt: skip
        return path

    return make


def vfr_phone(path: Path) -> Path:
    """A phone's VFR: a 29.97 shoot whose frame steps jitter by up to +-4 ms (90 kHz ticks)
    around 3003, with one dropped frame (a double step) as phones do under load."""
    jitter = "N*3003+gte(N\\,31)*3003+floor((random(0)-0.5)*720)"
    ffmpeg(
        *_lavfi_video("30000/1001", "64x48", "2"),
        *_tone("2"),
        "-vf", f"settb=1/90000,setpts='{jitter}'", "-fps_mode", "passthrough",
        "-enc_time_base:v", "1/90000", "-video_track_timescale", "90000",
        "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(path),
    )  # fmt: skip
    return path


def mono_tracks_tmcd(path: Path) -> Path:
    """Production sound as a recorder hands it: eight mono PCM tracks, a tmcd track at
    29.97 drop-frame starting 01:00:00;00, picture in ProRes-free H.264 to stay small."""
    seconds = "1"
    inputs: list[str] = [*_lavfi_video("30000/1001", "64x48", seconds)]
    maps = ["-map", "0:v"]
    for n in range(8):
        inputs += _tone(seconds, 200 + 100 * n, "mono")
        maps += ["-map", f"{n + 1}:a"]
    ffmpeg(
        *inputs, *maps,
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "pcm_s24le", "-timecode", "01:00:00;00", str(path),
    )  # fmt: skip
    return path


def surround_aac(path: Path) -> Path:
    seconds = "1"
    ffmpeg(
        *_lavfi_video("25", "64x48", seconds),
        *_tone(seconds, 440, "5.1"),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(path),
    )  # fmt: skip
    return path


def mpeg2_ts_interlaced(path: Path) -> Path:
    """Broadcast as recorded off air: interlaced MPEG-2 (top field first; the two fields of a
    frame are 1/50 s apart, so moving edges comb) in a transport stream, the timecode only in
    the GOP headers, MP2 audio."""
    seconds = "1"
    ffmpeg(
        # A white bar sweeping across at 50 fields a second: only vertical edges, so any comb
        # in a frame is the two fields' different moments.
        "-f", "lavfi", "-i",
        f"color=c=black:s=128x96:r=50:d={seconds}[bg];"
        f"color=c=white:s=20x96:r=50:d={seconds}[bar];"
        "[bg][bar]overlay=x='mod(t*400,108)':y=0,"
        "tinterlace=mode=interleave_top,setfield=tff[out0]",
        *_tone(seconds),
        "-c:v", "mpeg2video", "-flags", "+ilme+ildct", "-top", "1", "-g", "12",
        "-timecode", "10:00:00:00", "-b:v", "2M", "-pix_fmt", "yuv420p",
        "-c:a", "mp2", "-f", "mpegts", str(path),
    )  # fmt: skip
    return path


def dnxhd_mxf(path: Path) -> Path:
    """An Avid deliverable: DNxHR LB in OP1a MXF with a material package timecode."""
    seconds = "1"
    ffmpeg(
        *_lavfi_video("25", "256x144", seconds),
        *_tone(seconds, 440, "mono"),
        "-c:v", "dnxhd", "-profile:v", "dnxhr_lb", "-pix_fmt", "yuv422p",
        "-c:a", "pcm_s24le", "-timecode", "02:00:00:00", "-f", "mxf", str(path),
    )  # fmt: skip
    return path


def anamorphic_pal(path: Path) -> Path:
    """720x576 with a 64:45 sample aspect: 16:9 PAL SD, shown 1024x576."""
    seconds = "0.4"
    ffmpeg(
        *_lavfi_video("25", "720x576", seconds, ",setsar=64/45"),
        *_tone(seconds),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(path),
    )  # fmt: skip
    return path


def hdr10_hevc(path: Path) -> Path:
    """HEVC Main10, BT.2020 primaries with the PQ transfer (HDR10) in MOV."""
    seconds = "0.5"
    ffmpeg(
        *_lavfi_video("25", "64x48", seconds),
        *_tone(seconds),
        "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
        "-x265-params", "log-level=none:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
        "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
        "-tag:v", "hvc1", "-c:a", "aac", "-shortest", str(path),
    )  # fmt: skip
    return path


def av1_mkv(path: Path) -> Path:
    seconds = "0.5"
    ffmpeg(
        *_lavfi_video("25", "64x48", seconds),
        *_tone(seconds),
        "-c:v", "libaom-av1", "-cpu-used", "8", "-crf", "40", "-pix_fmt", "yuv420p",
        "-c:a", "libopus", "-shortest", str(path),
    )  # fmt: skip
    return path


def vp9_webm(path: Path) -> Path:
    seconds = "0.5"
    ffmpeg(
        *_lavfi_video("25", "64x48", seconds),
        *_tone(seconds),
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
        "-c:a", "libopus", "-shortest", str(path),
    )  # fmt: skip
    return path


def prores_4444_alpha(path: Path) -> Path:
    seconds = "0.4"
    ffmpeg(
        *_lavfi_video("25", "64x48", seconds, ",format=yuva444p10le"),
        *_tone(seconds),
        "-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le",
        "-c:a", "pcm_s16le", "-shortest", str(path),
    )  # fmt: skip
    return path


def mkv_timecode_tag(path: Path) -> Path:
    """H.264 in Matroska with the timecode only as a TIMECODE tag."""
    ffmpeg(
        *_lavfi_video("25", "64x48", "0.4"),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-metadata:s:v", "timecode=03:00:00:00", str(path),
    )  # fmt: skip
    return path


def mpeg2_program_stream(path: Path) -> Path:
    """MPEG-2 in a program stream (DVD VOB), the timecode only in the GOP headers."""
    ffmpeg(
        *_lavfi_video("25", "64x48", "0.4"),
        "-c:v", "mpeg2video", "-timecode", "04:00:00:00", "-f", "vob", str(path),
    )  # fmt: skip
    return path


def dv_pal(path: Path) -> Path:
    """DV25 PAL with its timecode in the DIF subcode."""
    ffmpeg(
        *_lavfi_video("25", "720x576", "0.2"),
        *_tone("0.2"),
        "-c:v", "dvvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le",
        "-timecode", "05:00:00:00", "-f", "dv", str(path),
    )  # fmt: skip
    return path


# Start timecode in the other places it lives (probe-only shapes).
TIMECODE_PLACES = {
    "mkv tag": (mkv_timecode_tag, "tc.mkv", "03:00:00:00", "tag"),
    "mpeg2 ps": (mpeg2_program_stream, "dvd.vob", "04:00:00:00", "gop"),
    "dv": (dv_pal, "tape.dv", "05:00:00:00", "dv"),
}


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape("10", "cam10.mp4", h264_at("10"), Fraction(10), "30", audio_channels=(2,)),
        Shape("12.5", "cam12_5.mp4", h264_at("25/2"), Fraction(25, 2), "25", audio_channels=(2,)),
        Shape("15", "cam15.mp4", h264_at("15"), Fraction(15), "30", audio_channels=(2,)),
        Shape(
            "29.83",
            "phone2983.mp4",
            h264_at("2983/100", "40"),  # long enough for a drift of a conformed count to show
            Fraction(2983, 100),
            "29.97",
            audio_channels=(2,),
        ),
        Shape("vfr", "phone_vfr.mp4", vfr_phone, Fraction(30), "29.97", audio_channels=(2,)),
        Shape(
            "8 mono",
            "recorder.mov",
            mono_tracks_tmcd,
            Fraction(30000, 1001),
            "29.97df",
            "01:00:00;00",
            (1,) * 8,
        ),
        Shape("5.1", "surround.mp4", surround_aac, Fraction(25), "25", audio_channels=(6,)),
        Shape(
            "mpeg2 ts",
            "offair.ts",
            mpeg2_ts_interlaced,
            Fraction(25),
            "25",
            "10:00:00:00",
            (2,),
            frozenset({"interlaced"}),
        ),
        Shape("dnxhd", "avid.mxf", dnxhd_mxf, Fraction(25), "25", "02:00:00:00", (1,)),
        Shape(
            "anamorphic",
            "pal169.mp4",
            anamorphic_pal,
            Fraction(25),
            "25",
            audio_channels=(2,),
            tags=frozenset({"anamorphic"}),
        ),
        Shape("hdr10", "hdr10.mov", hdr10_hevc, Fraction(25), "25", audio_channels=(2,)),
        Shape("av1", "av1.mkv", av1_mkv, Fraction(25), "25", audio_channels=(2,)),
        Shape("vp9", "vp9.webm", vp9_webm, Fraction(25), "25", audio_channels=(2,)),
        Shape(
            "prores4444",
            "alpha.mov",
            prores_4444_alpha,
            Fraction(25),
            "25",
            audio_channels=(2,),
            tags=frozenset({"alpha"}),
        ),
    )
}
