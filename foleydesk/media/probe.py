"""probe(path) -> MediaInfo: what a video is, read with PyAV, with clear errors for bad files."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from foleydesk.core.model import SourceMedia
from foleydesk.core.project import fingerprint
from foleydesk.core.timecode import DROP_FRAME_RATES, TimecodeError, TimecodeFormat
from foleydesk.errors import UserError


class MediaError(UserError):
    """A media file that cannot be used, said in the user's words."""


@dataclass(frozen=True)
class VideoStreamInfo:
    index: int
    codec: str
    width: int
    height: int
    avg_rate: Fraction
    frame_count: int
    start_time: Fraction
    pix_fmt: str


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str


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
        return data


def probe(path: Path) -> MediaInfo:
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path} does not exist.", "Check the path.")
    if path.is_dir():
        raise MediaError(f"{path} is a folder, not a video.", "Pass a video file.")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).", "Copy the file again from its source.")
    try:
        container = av.open(str(path))
    except av.error.InvalidDataError as exc:
        raise MediaError(
            f"{path.name} is not a media file FoleyDesk can read.",
            "Open a video file such as MP4, MOV, MKV or WebM.",
        ) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(
            f"{path.name} cannot be opened ({exc}).",
            "Check that the file is complete and readable.",
        ) from exc
    with container:
        if not container.streams.video:
            raise MediaError(
                f"{path.name} has no picture: it is an audio-only file.",
                "Open a video; FoleyDesk needs picture to place sound on.",
            )
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not rate:
            raise MediaError(
                f"{path.name} has a video stream with no frame rate.",
                "Re-export the video with a fixed frame rate.",
            )
        rate = Fraction(rate.numerator, rate.denominator)
        duration = _duration(container, stream)
        if duration <= 0:
            raise MediaError(
                f"{path.name} has no playable frames (it may be truncated).",
                "Copy or export the file again.",
            )
        _check_decodes(container, stream, path)
        frame_count = stream.frames or round(duration * rate)
        tc_label = _timecode_tag(container, stream)
        drop = bool(tc_label and ";" in tc_label) and rate in DROP_FRAME_RATES
        tc_frames = 0
        if tc_label:
            try:
                tc_frames = TimecodeFormat.for_rate(rate, drop).to_frames(tc_label)
            except TimecodeError:
                tc_label, tc_frames = None, 0
        audio = tuple(
            AudioStreamInfo(
                a.index,
                a.codec_context.name,
                a.rate or 0,
                a.codec_context.channels
                if hasattr(a.codec_context, "channels")
                else a.layout.nb_channels,
                a.layout.name,
            )
            for a in container.streams.audio
        )
        start = Fraction(stream.start_time * stream.time_base) if stream.start_time else Fraction(0)
        video = VideoStreamInfo(
            stream.index,
            stream.codec_context.name,
            stream.width,
            stream.height,
            rate,
            frame_count,
            start,
            stream.format.name if stream.format else "",
        )
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
        )


def _duration(container: Any, stream: Any) -> Fraction:
    if stream.duration and stream.time_base:
        return Fraction(stream.duration * stream.time_base)
    if container.duration:
        return Fraction(container.duration, av.time_base)
    return Fraction(0)


def _check_decodes(container: Any, stream: Any, path: Path) -> None:
    try:
        for _ in container.decode(stream):
            return
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"{path.name} is damaged: its first frame cannot be decoded.",
            "Copy or export the file again.",
        ) from exc
    raise MediaError(
        f"{path.name} has no decodable frames (it may be truncated).",
        "Copy or export the file again.",
    )


def _timecode_tag(container: Any, stream: Any) -> str | None:
    for candidate in (stream, *container.streams.data, container):
        value = candidate.metadata.get("timecode")
        if value:
            return str(value)
    return None


def source_media_from_info(info: MediaInfo) -> SourceMedia:
    first_audio = info.audio[0] if info.audio else None
    return SourceMedia(
        path=str(info.path),
        relative_path=info.path.name,
        fingerprint=fingerprint(info.path),
        duration=info.duration,
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
        vfr=False,
    )
