"""The source picture with new sound: video packets copied byte for byte, audio rendered.

No re-encode of the picture (identical packets, identical timestamps), so the file conforms
exactly to the original. Audio is the mix as one track, or separate tracks (mix, original, each
lane): AAC in MP4, 24-bit PCM in MOV. The mix and the original are stereo; a lane's track is mono
when its stem is (every take on it mono at centre pan). Audio and video are interleaved as they
are written (about half a second apart), so memory stays flat on a long source.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np

from foleydesk.core.placement import db_to_gain
from foleydesk.core.project import Project
from foleydesk.errors import UserError
from foleydesk.media.atomic import atomic_output
from foleydesk.media.audio import open_container
from foleydesk.media.probe import MediaError
from foleydesk.media.render import (
    BLOCK_SAMPLES,
    Mixer,
    Progress,
    RenderCancelled,
    chosen_placements,
    file_grid,
    lane_audible,
    mix_mixer,
    original_settings,
    render_channels,
    source_length_samples,
)

AudioMode = Literal["mix", "tracks"]
_PCM_KINDS = ("s16le", "s16be", "s24le", "s24be", "s32le", "s32be", "f32le", "f32be", "u8")
_AHEAD = Fraction(1, 2)  # audio written this far ahead of the video being copied
_CONTAINERS = {
    ".mp4": ("mp4", "aac"),
    ".m4v": ("mp4", "aac"),
    ".mov": ("mov", "pcm_s24le"),
    ".mkv": ("matroska", "pcm_s24le"),
}
# Picture codecs (FFmpeg codec ids) each muxer cannot hold, as FFmpeg 5-7's muxers have it:
# MOV takes AV1 and VP9 only in MP4; MP4 has no tag for ProRes or DNxHD. Matroska takes all.
_REFUSED = {
    "mov": {"av1", "vp9", "vp8"},
    "mp4": {"prores", "dnxhd", "rawvideo"},
}
# Source audio codecs each muxer can carry as they are (the rest are left out and said so).
_AUDIO_COPY = {
    "mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    "mov": {"aac", "mp3", "ac3", "eac3", "alac", "mp2"} | {f"pcm_{k}" for k in _PCM_KINDS},
    "matroska": None,  # everything
}
CODEC_NAMES = {
    "av1": "AV1",
    "vp9": "VP9",
    "vp8": "VP8",
    "hevc": "HEVC",
    "h264": "H.264",
    "prores": "ProRes",
    "dnxhd": "DNxHD/DNxHR",
    "mpeg2video": "MPEG-2",
    "rawvideo": "uncompressed",
}
_AAC_BITRATE = 256_000


@dataclass
class _Track:
    title: str
    mixer: Mixer
    stream: Any
    written: int = 0  # samples encoded so far


def container_for(out_path: Path) -> tuple[str, str]:
    """(muxer, audio codec) for an output file name; a clear error for other extensions."""
    try:
        return _CONTAINERS[out_path.suffix.lower()]
    except KeyError:
        raise UserError(
            f"FoleyDesk cannot write a {out_path.suffix or 'extensionless'} video.",
            "Name the output .mp4 (AAC audio), .mov (PCM audio) or .mkv (any picture codec).",
        ) from None


def codec_id(stream: Any) -> str:
    """FFmpeg's codec id name of a stream ("av1"), whichever decoder reads it ("libdav1d")."""
    codec = stream.codec_context.codec
    return str(getattr(codec, "canonical_name", "") or codec.name)


def check_picture_fits(codec: str, fmt: str, out_path: Path) -> None:
    """A clear error, naming the codec and a container that works, when `fmt` cannot hold
    `codec` packets as they are."""
    if codec not in _REFUSED.get(fmt, set()):
        return
    name = CODEC_NAMES.get(codec, codec)
    works = ".mkv" if fmt == "mov" and codec not in ("av1", "vp9") else ".mp4 or .mkv"
    if fmt == "mp4":
        works = ".mov or .mkv"
    raise MediaError(
        f"{name} video cannot be copied into {out_path.suffix.lower()} ({fmt.upper()} has no "
        f"place for {name}).",
        f"Name the output {works}: the picture is copied as it is, no re-encode.",
    )


def _tracks(project: Project, audio: AudioMode, include_original: bool) -> list[tuple[str, Mixer]]:
    grid = file_grid(project)
    tracks = [("Mix", mix_mixer(project, grid, include_original))]
    if audio == "mix":
        return tracks
    gain_db, _ = original_settings(project)
    if include_original and project.source.has_audio:
        tracks.append(("Original", Mixer(project, grid, [], db_to_gain(gain_db))))
    for lane in project.sorted_lanes():
        placements = chosen_placements(project, grid, [lane], audible_only=False)
        if placements and lane_audible(project, lane):
            channels = render_channels(project, placements)
            tracks.append((lane.name, Mixer(project, grid, placements, channels=channels)))
    return tracks


def mux_video(
    project: Project,
    out_path: Path,
    audio: AudioMode = "mix",
    include_original: bool = True,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Write the source's video packets plus the rendered audio to `out_path` (.mp4, .mov or
    .mkv), and every audio stream of the source copied as it is (when the original is included
    and the container can carry its codec); the file appears under its name only when
    complete."""
    out_path = Path(out_path)
    fmt, codec = container_for(out_path)
    source_path = project.require_source()
    if out_path.resolve() == source_path.resolve():
        raise UserError("The export would overwrite the source video.", "Choose another name.")
    with open_container(source_path) as source:
        if not source.streams.video:
            raise MediaError(f"{source_path.name} has no picture to copy.", "Relink the source.")
        check_picture_fits(codec_id(source.streams.video[0]), fmt, out_path)
    mixers = _tracks(project, audio, include_original)
    try:
        with atomic_output(out_path) as tmp:
            _write(
                project, source_path, tmp, fmt, codec, mixers, progress, cancel, include_original
            )
    finally:
        for _, mixer in mixers:
            mixer.close()
    return out_path


def _write(
    project: Project,
    source_path: Path,
    tmp: Path,
    fmt: str,
    codec: str,
    mixers: list[tuple[str, Mixer]],
    progress: Progress | None,
    cancel: threading.Event | None,
    include_original: bool = True,
) -> None:
    with open_container(source_path) as source:
        in_video = source.streams.video[0]
        origin = Fraction(in_video.start_time or 0) * Fraction(in_video.time_base or 0)
        try:
            # MP4 gets a timecode track too when the source has one (MOV writes it anyway).
            options = {"write_tmcd": "1"} if project.source.start_timecode_frames else {}
            output = av.open(str(tmp), "w", format=fmt, options=options)
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaError(
                f"{tmp.parent} is not writable ({exc}).", "Choose another folder."
            ) from exc
        with output:
            codec_name = codec_id(in_video)
            try:
                # opaque: copy the codec parameters, never look up an encoder by the decoder's
                # name (libdav1d is not a codec).
                out_video = output.add_stream_from_template(in_video, opaque=True)
            except (ValueError, av.error.FFmpegError) as exc:
                raise MediaError(
                    f"{CODEC_NAMES.get(codec_name, codec_name)} video cannot be copied into "
                    f"{fmt.upper()} ({exc}).",
                    "Name the output .mkv: Matroska holds every codec FoleyDesk reads.",
                ) from exc
            if in_video.average_rate and out_video.codec_context is not None:
                # The template leaves the stream's rate unset; the MOV muxer needs it to write
                # a timecode track (PyAV copies the codec's framerate to the stream).
                out_video.codec_context.framerate = in_video.average_rate
            timecode = (
                project.source.start_timecode() if project.source.start_timecode_frames else ""
            )
            if timecode:
                out_video.metadata["timecode"] = timecode
            tracks = []
            for title, mixer in mixers:
                stream: Any = output.add_stream(codec, rate=48000, layout=_layout(mixer.channels))
                if codec == "aac":
                    stream.bit_rate = _AAC_BITRATE
                stream.metadata["title"] = title
                stream.metadata["handler_name"] = title
                tracks.append(_Track(title, mixer, stream))
            copies = _copy_audio_streams(source, output, fmt) if include_original else {}
            total = source_length_samples(project)
            first_pts = round(origin * 48000)  # file time 0 = the first video frame
            duration = Fraction(total, 48000)
            wanted = [in_video, *(source.streams[i] for i in copies)]
            for packet in source.demux(*wanted):
                if cancel is not None and cancel.is_set():
                    raise RenderCancelled()
                if packet.dts is None:
                    continue  # the demuxer's end-of-stream marker
                if packet.stream.index in copies:
                    packet.stream = copies[packet.stream.index]
                    output.mux(packet)
                    continue
                at = Fraction(packet.dts) * Fraction(packet.time_base) - origin
                _fill_audio(output, tracks, total, first_pts, round((at + _AHEAD) * 48000))
                packet.stream = out_video
                output.mux(packet)
                if progress is not None and duration > 0:
                    progress(float(min(Fraction(1), max(Fraction(0), at / duration))) * 0.99)
            _fill_audio(output, tracks, total, first_pts, total)
            for track in tracks:
                for out_packet in track.stream.encode(None):
                    output.mux(out_packet)
    if progress is not None:
        progress(1.0)


def _copy_audio_streams(source: Any, output: Any, fmt: str) -> dict[int, Any]:
    """Output streams for every audio stream of the source, packets copied as they are (the
    ones whose codec the container cannot carry are left to the rendered tracks)."""
    allowed = _AUDIO_COPY.get(fmt)
    copies: dict[int, Any] = {}
    for number, stream in enumerate(source.streams.audio, start=1):
        if allowed is not None and codec_id(stream) not in allowed:
            continue  # e.g. PCM into MP4: the rendered "Original" track still carries it
        try:
            out = output.add_stream_from_template(stream, opaque=True)
        except (ValueError, av.error.FFmpegError):
            continue
        out.metadata["title"] = f"Production {number}"
        out.metadata["handler_name"] = f"Production {number}"
        copies[stream.index] = out
    return copies


def _layout(channels: int) -> str:
    return "mono" if channels == 1 else "stereo"


def _fill_audio(output: Any, tracks: list[_Track], total: int, first_pts: int, until: int) -> None:
    """Encode every track up to sample `until` (capped at the source's length)."""
    until = min(until, total)
    for track in tracks:
        while track.written < until:
            count = min(BLOCK_SAMPLES // 4, until - track.written)
            block = track.mixer.block(track.written, count)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(np.clip(block, -1.0, 1.0).T, dtype=np.float32),
                format="fltp",
                layout=_layout(track.mixer.channels),
            )
            frame.sample_rate = 48000
            frame.pts = first_pts + track.written
            frame.time_base = Fraction(1, 48000)
            for out_packet in track.stream.encode(frame):
                output.mux(out_packet)
            track.written += count
