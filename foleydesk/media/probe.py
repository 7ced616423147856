"""probe(path) -> MediaInfo: what a video is, read with PyAV, with clear errors for bad files."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from foleydesk.core.model import SourceMedia
from foleydesk.core.project import fingerprint
from foleydesk.core.timebase import STANDARD_RATES, conform_rate, is_standard_rate
from foleydesk.core.timecode import DROP_FRAME_RATES, TimecodeError, TimecodeFormat
from foleydesk.errors import UserError

# Packets looked at to tell constant from variable frame rate (cheap even on a 2-hour file).
VFR_SAMPLE_PACKETS = 600


class MediaError(UserError):
    """A media file that cannot be used, said in the user's words."""


@dataclass(frozen=True)
class VideoStreamInfo:
    index: int
    codec: str
    width: int  # decoded picture size (before sample aspect and rotation)
    height: int
    avg_rate: Fraction
    frame_count: int
    start_time: Fraction
    pix_fmt: str
    real_rate: Fraction = Fraction(0)  # FFmpeg's r_frame_rate: the finest common frame grid
    vfr: bool = False
    rotation: int = 0  # counter-clockwise degrees to turn for display
    sample_aspect: Fraction = Fraction(1)
    display_width: int = 0  # as shown: sample aspect and rotation applied
    display_height: int = 0
    coded_width: int = 0  # as stored (may include padding to the macroblock size)
    coded_height: int = 0
    bit_depth: int = 8
    profile: str = ""
    field_order: str = "progressive"  # "tt"/"tb" top field first, "bb"/"bt" bottom first
    transfer: str = ""  # "pq" (HDR10), "hlg", or "" for SDR
    alpha: bool = False


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str
    sample_format: str = ""
    bit_depth: int = 0  # 0 for compressed codecs
    start_time: Fraction = Fraction(0)


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str
    duration: Fraction
    video: VideoStreamInfo
    audio: tuple[AudioStreamInfo, ...]
    start_timecode: str | None
    start_timecode_frames: int
    drop_frame: bool
    size_bytes: int
    timecode_source: str = ""  # "tmcd" (a timecode track), "tag" (metadata) or ""
    bit_rate: int = 0

    def to_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Fraction):
                return f"{value.numerator}/{value.denominator}"
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        data: dict[str, Any] = plain(dataclasses.asdict(self))
        data["duration_seconds"] = float(self.duration)
        data["video"]["avg_rate_fps"] = float(self.video.avg_rate)
        return data


def _not_media(path: Path) -> MediaError:
    return MediaError(
        f"{path.name} is not a media file FoleyDesk can read.",
        "Open a video file such as MP4, MOV, MKV or WebM.",
    )


def _truncated(path: Path) -> MediaError:
    return MediaError(
        f"{path.name} is truncated or damaged: the file ends before its data does.",
        "Copy or export the file again (an interrupted copy or recording leaves such files).",
    )


def probe(path: Path) -> MediaInfo:
    """What the video is (first video stream, every audio stream); MediaError for bad files."""
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path} does not exist.", "Check the path.")
    if path.is_dir():
        raise MediaError(f"{path} is a folder, not a video.", "Pass a video file.")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).", "Copy the file again from its source.")
    isobmff = _check_isobmff(path, size)
    try:
        container = av.open(str(path))
    except av.error.InvalidDataError as exc:
        raise (_truncated(path) if isobmff else _not_media(path)) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(
            f"{path.name} cannot be opened ({exc}).",
            "Check that the file is complete and readable.",
        ) from exc
    with container:
        if not container.streams.video:
            if container.streams.audio:
                raise MediaError(
                    f"{path.name} has no picture: it is an audio-only file.",
                    "Open a video; FoleyDesk needs picture to place sound on.",
                )
            raise MediaError(
                f"{path.name} has no video stream FoleyDesk can read.",
                "Open a video file such as MP4, MOV, MKV or WebM.",
            )
        stream = container.streams.video[0]
        _check_codec(path, stream)
        rate = stream_rate(stream)
        if not rate:
            raise MediaError(
                f"{path.name} has a video stream with no frame rate.",
                "Re-export the video with a fixed frame rate.",
            )
        duration = _duration(container, stream)
        if duration <= 0:
            raise MediaError(
                f"{path.name} has no playable frames (it may be truncated).",
                "Copy or export the file again.",
            )
        first = _first_frame(container, stream, path)
        frame_count = stream.frames or _frames_from_video_end(container, stream, rate, duration)
        vfr = detect_vfr(path)
        tc_label, tc_source = _timecode_tag(container, stream)
        if not tc_label and stream.codec_context.name in ("mpeg2video", "mpeg1video"):
            tc_label, tc_source = _gop_timecode(container, stream), "gop"
        # Labels count at the picture's rate, or the rate an NLE conforms it to (12.5 -> 25).
        tc_rate = rate if is_standard_rate(rate) and not vfr else conform_rate(rate, vfr)
        drop = bool(tc_label and ";" in tc_label) and tc_rate in DROP_FRAME_RATES
        tc_frames = 0
        if tc_label:
            try:
                tc_frames = TimecodeFormat.for_rate(tc_rate, drop).to_frames(tc_label)
            except TimecodeError:
                tc_label, tc_source, tc_frames = None, "", 0
        audio = tuple(_audio_info(a) for a in container.streams.audio)
        tb = Fraction(stream.time_base) if stream.time_base else Fraction(0)
        start = Fraction(stream.start_time) * tb if stream.start_time else Fraction(0)
        video = _video_info(stream, first, rate, frame_count, start)
        video = dataclasses.replace(video, vfr=vfr)
        return MediaInfo(
            path.resolve(),
            container.format.name,
            duration,
            video,
            audio,
            tc_label,
            tc_frames,
            drop,
            size,
            tc_source,
            int(container.bit_rate or 0),
        )


def stream_rate(stream: Any) -> Fraction:
    """The stream's frame rate as an exact fraction (0 when unknown).

    Containers with millisecond timestamps give averages like 19001/317 for 59.94: the
    exact real rate (or the standard rate) within 0.05 % is what the frames were shot at.
    """
    value = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not value:
        return Fraction(0)
    rate = Fraction(value.numerator, value.denominator)
    real = stream.base_rate
    candidates = list(STANDARD_RATES.values())
    if real:
        candidates.append(Fraction(real.numerator, real.denominator))
    for exact in candidates:
        if exact > 0 and abs(rate - exact) <= exact / 2000:
            return exact
    return rate


def _video_info(
    stream: Any, first: Any, rate: Fraction, frame_count: int, start: Fraction
) -> VideoStreamInfo:
    ctx = stream.codec_context
    sar_value = stream.sample_aspect_ratio or ctx.sample_aspect_ratio
    sar = Fraction(sar_value.numerator, sar_value.denominator) if sar_value else Fraction(1)
    if sar <= 0:
        sar = Fraction(1)
    rotation = frame_rotation(first)
    width, height = int(first.width), int(first.height)
    shown_w = round(width * sar) if sar != 1 else width
    display = (height, shown_w) if rotation % 180 else (shown_w, height)
    real = stream.base_rate
    fmt = first.format
    bits = max((c.bits for c in fmt.components), default=8) if fmt is not None else 8
    extra = _picture_kind(ctx, first)
    return dataclasses.replace(
        _video_base(
            stream,
            ctx,
            first,
            rate,
            frame_count,
            start,
            real,
            fmt,
            bits,
            rotation,
            sar,
            display,
            width,
            height,
        ),
        **extra,
    )


_FIELD_ORDERS = {1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}
_TRANSFERS = {16: "pq", 18: "hlg"}
_ALPHA_FORMATS = ("yuva", "rgba", "bgra", "argb", "abgr", "gbrap", "ya")


def _picture_kind(ctx: Any, first: Any) -> dict[str, Any]:
    """Field order (from the stream, or the first frame's flag), HDR transfer, alpha."""
    order = _FIELD_ORDERS.get(int(getattr(ctx, "field_order", 0) or 0), "")
    if not order or order == "progressive":
        order = "tt" if getattr(first, "interlaced_frame", False) and not order else order
    fmt = first.format
    alpha = fmt is not None and fmt.name.startswith(_ALPHA_FORMATS)
    trc = int(getattr(ctx, "color_trc", 0) or getattr(first, "color_trc", 0) or 0)
    return {
        "field_order": order or "progressive",
        "transfer": _TRANSFERS.get(trc, ""),
        "alpha": alpha,
    }


def _video_base(
    stream: Any,
    ctx: Any,
    first: Any,
    rate: Fraction,
    frame_count: int,
    start: Fraction,
    real: Any,
    fmt: Any,
    bits: int,
    rotation: int,
    sar: Fraction,
    display: tuple[int, int],
    width: int,
    height: int,
) -> VideoStreamInfo:
    return VideoStreamInfo(
        stream.index,
        ctx.name,
        width,
        height,
        rate,
        frame_count,
        start,
        fmt.name if fmt is not None else "",
        Fraction(real.numerator, real.denominator) if real else rate,
        False,
        rotation,
        sar,
        display[0],
        display[1],
        int(ctx.coded_width or width),
        int(ctx.coded_height or height),
        int(bits),
        str(ctx.profile or ""),
    )


def _audio_info(stream: Any) -> AudioStreamInfo:
    ctx = stream.codec_context
    channels = ctx.layout.nb_channels or getattr(ctx, "channels", 0)
    fmt = ctx.format
    name = fmt.name if fmt is not None else ""
    bits = int(ctx.bits_per_raw_sample or 0) if hasattr(ctx, "bits_per_raw_sample") else 0
    if not bits and ctx.name.startswith("pcm_") and fmt is not None:
        bits = int(fmt.bits)
    if ctx.name.startswith("pcm_s24") or ctx.name.startswith("pcm_u24"):
        bits = 24
    tb = Fraction(stream.time_base) if stream.time_base else Fraction(0)
    start = Fraction(stream.start_time) * tb if stream.start_time else Fraction(0)
    return AudioStreamInfo(
        stream.index,
        ctx.name,
        stream.rate or 0,
        channels,
        _layout_name(ctx, channels),
        name,
        bits,
        start,
    )


def _layout_name(ctx: Any, channels: int) -> str:
    """The layout's name; an unspecified order ("1 channels", common for PCM in MOV) is named
    as the default layout for that count (mono, stereo, 5.1)."""
    name = str(ctx.layout.name)
    if name.endswith("channels") and channels in _DEFAULT_LAYOUTS:
        return _DEFAULT_LAYOUTS[channels]
    return name


_DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}


def frame_rotation(frame: Any) -> int:
    """Counter-clockwise degrees the picture must turn for display (0/90/180/270)."""
    try:
        value = frame.rotation
    except (AttributeError, av.error.FFmpegError):
        return 0
    if not value:
        return 0
    return round(float(value) / 90.0) * 90 % 360


def _frames_from_video_end(container: Any, stream: Any, rate: Fraction, duration: Fraction) -> int:
    """Frame count where the container has none (MKV, WebM, TS): from the last video packet's
    end, since the container's duration also covers audio that runs past the picture."""
    tb = Fraction(stream.time_base) if stream.time_base else None
    start = Fraction(stream.start_time) * tb if tb and stream.start_time is not None else None
    if tb is None or start is None:
        return round(duration * rate)
    end: Fraction | None = None
    try:
        container.seek(
            int((start + max(Fraction(0), duration - 5)) / tb), stream=stream, backward=True
        )
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            stop = (Fraction(packet.pts) + Fraction(packet.duration or 0)) * tb
            end = stop if end is None else max(end, stop)
    except av.error.FFmpegError:
        end = None
    if end is None or end <= start:
        return round(duration * rate)
    return max(1, round((end - start) * rate))


def _duration(container: Any, stream: Any) -> Fraction:
    if stream.duration and stream.time_base:
        return Fraction(stream.duration) * Fraction(stream.time_base)
    if container.duration:
        return Fraction(container.duration, av.time_base)
    return Fraction(0)


def _check_codec(path: Path, stream: Any) -> None:
    try:
        name = stream.codec_context.name
    except (AttributeError, av.error.FFmpegError):
        name = ""
    if not name or name == "none":
        tag = ""
        with contextlib.suppress(AttributeError, av.error.FFmpegError):
            tag = str(stream.codec_context.codec_tag or "")
        shown = f" ({tag.strip()})" if tag.strip() else ""
        raise MediaError(
            f"{path.name} uses a video codec FoleyDesk cannot decode{shown}.",
            "Transcode it to H.264, HEVC, ProRes or VP9 (e.g. in your NLE) and open that.",
        )


def _first_frame(container: Any, stream: Any, path: Path) -> Any:
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"{path.name} is damaged: its first frame cannot be decoded.",
            "Copy or export the file again.",
        ) from exc
    raise MediaError(
        f"{path.name} has no decodable frames (it may be truncated).",
        "Copy or export the file again.",
    )


def _check_isobmff(path: Path, size: int) -> bool:
    """For MP4/MOV: True, and raises when a top-level box runs past the end of the file."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 8 or head[4:8] not in (b"ftyp", b"wide", b"mdat", b"moov", b"free"):
            return False
        pos = 0
        boxes = 0
        has_moov = False
        while pos + 8 <= size and boxes < 10_000:
            fh.seek(pos)
            header = fh.read(16)
            if len(header) < 8:
                break
            box_size, kind = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) >= 16:
                (box_size,) = struct.unpack(">Q", header[8:16])
            elif box_size == 0:
                box_size = size - pos
            if box_size < 8:
                break  # not a box header: trailing bytes, or damage FFmpeg will report
            if kind == b"moov":
                has_moov = True
            if pos + box_size > size:
                if kind in (b"mdat", b"moov", b"moof"):
                    raise _truncated(path)
                break  # trailing bytes that are not a box: not our concern
            pos += box_size
            boxes += 1
        if boxes and not has_moov and pos >= size:
            raise _truncated(path)
    return True


def detect_vfr(path: Path) -> bool:
    """True when the first packets' timestamps do not sit on one constant step."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError):
        return False
    with container:
        if not container.streams.video:
            return False
        stream = container.streams.video[0]
        tb = Fraction(stream.time_base) if stream.time_base else Fraction(1, 90000)
        stamps: list[int] = []
        try:
            for packet in container.demux(stream):
                if packet.pts is not None:
                    stamps.append(packet.pts)
                if len(stamps) >= VFR_SAMPLE_PACKETS:
                    break
        except av.error.FFmpegError:
            pass
    return timestamps_vary(sorted(stamps), tb)


def timestamps_vary(stamps: list[int], time_base: Fraction) -> bool:
    """Steps between sorted timestamps differ by more than container rounding allows."""
    if len(stamps) < 3:
        return False
    steps = sorted(b - a for a, b in itertools.pairwise(stamps) if b > a)
    if not steps:
        return False
    median = steps[len(steps) // 2]
    slack = max(Fraction(3, 2), Fraction(3, 2000) / time_base)  # 1.5 ticks or 1.5 ms
    off = sum(1 for s in steps if abs(s - median) > slack)
    return off > max(1, len(steps) // 100)


def _timecode_tag(container: Any, stream: Any) -> tuple[str | None, str]:
    for data in container.streams.data:
        value = _metadata_value(data.metadata, "timecode")
        if value:
            return value, "tmcd"
    for candidate in (stream, container):
        value = _metadata_value(candidate.metadata, "timecode")
        if value:
            kind = container.format.name.split(",")[0]
            return value, "mxf" if kind == "mxf" else ("dv" if kind == "dv" else "tag")
    return None, ""


def _gop_timecode(container: Any, stream: Any) -> str | None:
    """The timecode of the first GOP header of an MPEG-1/2 stream (broadcast TS/PS files carry
    it nowhere else): 25 bits after the 00 00 01 B8 start code."""
    with contextlib.suppress(av.error.FFmpegError):
        container.seek(0, stream=stream)
    try:
        for count, packet in enumerate(container.demux(stream)):
            data = bytes(packet)
            at = data.find(b"\x00\x00\x01\xb8")
            if at >= 0 and len(data) >= at + 8:
                bits = int.from_bytes(data[at + 4 : at + 8], "big")
                drop = bits >> 31 & 1
                hh, mm = bits >> 26 & 0x1F, bits >> 20 & 0x3F
                ss, ff = bits >> 13 & 0x3F, bits >> 7 & 0x3F
                if hh > 23 or mm > 59 or ss > 59:
                    return None
                return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop else ':'}{ff:02d}"
            if count > 30:
                break
    except av.error.FFmpegError:
        return None
    return None


def _metadata_value(metadata: dict[str, str], key: str) -> str | None:
    """Tag lookup ignoring case: Matroska writes TIMECODE where MP4/MOV write timecode."""
    for name, value in metadata.items():
        if name.lower() == key and value:
            return str(value)
    return None


def source_media_from_info(info: MediaInfo) -> SourceMedia:
    first_audio = info.audio[0] if info.audio else None
    streams = [
        {
            "index": a.index,
            "codec": a.codec,
            "channels": a.channels,
            "layout": a.layout,
            "sample_rate": a.sample_rate,
        }
        for a in info.audio
    ]
    # A constant-rate picture lasts exactly its frames; the container's figure can include
    # audio pre-roll (Opus pre-skip, AAC priming) that no frame covers.
    duration = info.duration
    if not info.video.vfr and info.video.frame_count:
        duration = Fraction(info.video.frame_count) / info.video.avg_rate
    return SourceMedia(
        path=str(info.path),
        relative_path=info.path.name,
        fingerprint=fingerprint(info.path),
        duration=duration,
        frame_rate=info.video.avg_rate,
        frame_count=info.video.frame_count,
        width=info.video.width,
        height=info.video.height,
        start_timecode_frames=info.start_timecode_frames,
        drop_frame=info.drop_frame,
        has_audio=first_audio is not None,
        audio_sample_rate=first_audio.sample_rate if first_audio else 0,
        audio_channels=first_audio.channels if first_audio else 0,
        container=info.container,
        vfr=info.video.vfr,
        audio_streams=streams,
        field_order=info.video.field_order,
        sample_aspect=info.video.sample_aspect,
        rotation=info.video.rotation,
        timecode_source=info.timecode_source,
    )
