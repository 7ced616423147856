"""Upload segments for providers: only the range, frame-exact, small, within the host's limits.

The segment's frame k is the source frame shown at `start + k / fps` (so frame 0 is exactly the
frame at `start`), re-encoded to H.264 + AAC in a faststart MP4 at a constant rate. Ranges longer
than a host allows are planned as overlapping chunks; the takes are crossfaded back together on
the exact range by `stitch_chunks`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np
import numpy.typing as npt
from av.video.reformatter import VideoReformatter

from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.loopguard import off_loop
from foleydesk.media.atomic import atomic_output
from foleydesk.media.audio import decode_audio, open_container
from foleydesk.media.hdr import hdr_transfer, tone_map
from foleydesk.media.probe import MediaError, detect_vfr, frame_rotation, stream_rate

if TYPE_CHECKING:
    from foleydesk.core.model import Cue
    from foleydesk.core.project import Project

SEGMENT_VERSION = 3  # bump when the encoding changes so cached segments are cut again
_AUDIO_RATE = 48000
_MIN_VIDEO_BPS = 40_000
# A 480p segment never needs more; without a ceiling a short cue under a 100 MB limit asks
# libx264 for a VBV buffer that overflows ("Numerical result out of range").
_MAX_VIDEO_BPS = 20_000_000
_MUX_HEADROOM = Fraction(92, 100)  # container overhead and rate-control error
_RETRIES = 4


@dataclass(frozen=True)
class SegmentSpec:
    """What a provider accepts: frame rate, picture size, byte and duration limits, container."""

    fps: Fraction = Fraction(25)
    short_side: int = 480
    max_bytes: int | None = None
    max_duration: Fraction | None = None
    container: str = "mp4"
    audio: bool = True
    audio_bitrate: int = 128_000
    crf: int = 23
    preset: str = "veryfast"

    def key(self) -> str:
        return (
            f"v{SEGMENT_VERSION}-{self.fps}-{self.short_side}-{self.max_bytes}-"
            f"{self.container}-{self.audio}-{self.audio_bitrate}-{self.crf}-{self.preset}"
        )


def output_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """Even (width, height) with the short side at `short_side`; never upscaled."""
    short = min(width, height)
    scale = Fraction(short_side, short) if short > short_side else Fraction(1)
    w = max(2, round(width * scale / 2) * 2)
    h = max(2, round(height * scale / 2) * 2)
    return w, h


def cut_segment(
    source: Path, start: Fraction, end: Fraction, spec: SegmentSpec, out_path: Path
) -> Path:
    """Writes the range [start, end) of `source` (file time) as an upload segment at `out_path`.

    Lowers the bitrate and tries again while the file is over `spec.max_bytes`; raises MediaError
    when the range cannot fit (then the range must be split, see plan_chunks).
    """
    off_loop("cutting a segment")
    start, end = Fraction(start), Fraction(end)
    length = end - start
    if length <= 0:
        raise MediaError("The range is empty.", "Set the cue's out point after its in point.")
    if spec.max_duration is not None and length > spec.max_duration:
        raise MediaError(
            f"The range is {float(length):.2f} s; this provider takes at most "
            f"{float(spec.max_duration):g} s.",
            "Shorten the cue or let FoleyDesk split it into chunks.",
        )
    if spec.container not in ("mp4", "mov"):
        raise MediaError(f"Segments cannot be written as {spec.container}.", "Use MP4.")
    out_path = Path(out_path)
    audio = decode_audio(source, start, end, _AUDIO_RATE, 2) if spec.audio else None
    vfr = detect_vfr(Path(source))
    video_bps: int | None = None
    audio_bps = spec.audio_bitrate
    if spec.max_bytes is not None:
        video_bps, audio_bps = _budget(spec.max_bytes, length, spec.audio_bitrate)
    for _ in range(_RETRIES):
        size = _encode(source, start, end, spec, out_path, audio, video_bps, audio_bps, vfr)
        if spec.max_bytes is None or size <= spec.max_bytes:
            return out_path
        # Over the limit: aim lower in proportion to the miss and try again.
        current = video_bps or _budget(spec.max_bytes, length, spec.audio_bitrate)[0]
        video_bps = int(current * spec.max_bytes / size * 0.85)
        if video_bps < _MIN_VIDEO_BPS:
            break
    out_path.unlink(missing_ok=True)
    raise MediaError(
        f"A {float(length):.1f} s segment does not fit in "
        f"{spec.max_bytes / 1e6 if spec.max_bytes else 0:.1f} MB.",
        "Shorten the cue; long ranges are sent in chunks.",
    )


def _budget(max_bytes: int, length: Fraction, audio_bps: int) -> tuple[int, int]:
    """Video and audio bits per second that fit `max_bytes` over `length` seconds."""
    total = int(max_bytes * 8 * _MUX_HEADROOM / length)
    if total - audio_bps < _MIN_VIDEO_BPS * 2:
        audio_bps = min(audio_bps, 64_000)
    video = min(total - audio_bps, _MAX_VIDEO_BPS)
    if video < _MIN_VIDEO_BPS:
        raise MediaError(
            f"A {float(length):.1f} s segment cannot fit in {max_bytes / 1e6:.1f} MB.",
            "Shorten the cue; long ranges are sent in chunks.",
        )
    return video, audio_bps


def _encode(
    source: Path,
    start: Fraction,
    end: Fraction,
    spec: SegmentSpec,
    out_path: Path,
    audio: npt.NDArray[np.float32] | None,
    video_bps: int | None,
    audio_bps: int,
    vfr: bool,
) -> int:
    """One encode to a temp file renamed into place; returns its size in bytes."""
    count = max(1, round((end - start) * spec.fps))
    try:
        with atomic_output(out_path) as tmp, open_container(source) as src:
            if not src.streams.video:
                raise MediaError(f"{source.name} has no picture.", "Open a video.")
            stream = src.streams.video[0]
            stream.thread_type = "AUTO"
            with av.open(
                str(tmp),
                "w",
                format=spec.container,
                options={"movflags": "+faststart"},
            ) as out:
                _write(src, stream, out, start, spec, count, video_bps, audio, audio_bps, vfr)
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"The segment could not be encoded ({exc}).", "Check that the source is complete."
        ) from exc
    return out_path.stat().st_size


def _write(
    src: Any,
    stream: Any,
    out: Any,
    start: Fraction,
    spec: SegmentSpec,
    count: int,
    video_bps: int | None,
    audio: npt.NDArray[np.float32] | None,
    audio_bps: int,
    vfr: bool,
) -> None:
    tb = Fraction(stream.time_base)
    origin = Fraction(stream.start_time) * tb if stream.start_time is not None else Fraction(0)
    slack = min(max(tb, Fraction(1, 20000)), 1 / (2 * spec.fps))
    times = [origin + start + Fraction(k) / spec.fps for k in range(count)]
    video = out.add_stream("libx264", rate=spec.fps)
    video.pix_fmt = "yuv420p"
    options = {"preset": spec.preset, "crf": str(spec.crf), "g": str(int(spec.fps * 2))}
    if video_bps is not None:
        options |= {"maxrate": str(video_bps), "bufsize": str(video_bps * 2)}
    video.options = options
    aud: Any = None
    if audio is not None:
        aud = out.add_stream("aac", rate=_AUDIO_RATE, layout="stereo")
        aud.bit_rate = audio_bps
    size: tuple[int, int] | None = None
    last_src: Any = None
    scaler = VideoReformatter()
    last_out: Any = None
    grid = None if vfr else stream_rate(stream)
    frames = _frames_on_grid(src, stream, times, slack, _Clock(tb, origin, grid or None))
    first_field = field_first(stream)
    for k, frame in enumerate(frames):
        if frame is not last_src:
            if size is None:
                size, turns = _geometry(stream, frame, spec.short_side)
                video.width, video.height = size
            whole = deinterlace(frame, first_field) if first_field else frame
            last_src, last_out = frame, _scaled(scaler, whole, size, turns)
        picture = last_out
        picture.pts = k
        picture.time_base = 1 / spec.fps
        for packet in video.encode(picture):
            out.mux(packet)
    for packet in video.encode(None):
        out.mux(packet)
    if aud is not None and audio is not None:
        _encode_audio(out, aud, audio)


_FIELD_ORDERS = {2: "top", 3: "bottom", 4: "top", 5: "bottom"}  # AVFieldOrder TT, BB, TB, BT


def field_first(stream: Any) -> str:
    """ "top" or "bottom" for an interlaced stream (the field shown first), "" if progressive."""
    try:
        order = int(stream.codec_context.field_order or 0)
    except (AttributeError, TypeError, ValueError):
        return ""
    return _FIELD_ORDERS.get(order, "")


def deinterlace(frame: Any, first: str) -> Any:
    """One progressive picture from an interlaced frame: the field shown first is kept and the
    other field's lines are rebuilt from it (the second field is a later moment; weaving both
    leaves combs on every moving edge, which a model reads as motion that is not there)."""
    rgb = frame.to_ndarray(format="rgb24").astype(np.float32)
    keep = 0 if first == "top" else 1
    height = rgb.shape[0]
    out = rgb.copy()
    for row in range(1 - keep, height, 2):
        above = rgb[row - 1] if row - 1 >= 0 else rgb[row + 1]
        below = rgb[row + 1] if row + 1 < height else rgb[row - 1]
        out[row] = (above + below) / 2
    picture = av.VideoFrame.from_ndarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "rgb24")
    picture.pts, picture.time_base = frame.pts, frame.time_base
    return picture


def _geometry(stream: Any, frame: Any, short_side: int) -> tuple[tuple[int, int], int]:
    """Output size (as displayed) and the quarter turns to apply."""
    turns = (frame_rotation(frame) // 90) % 4
    sar_value = stream.sample_aspect_ratio
    sar = Fraction(sar_value.numerator, sar_value.denominator) if sar_value else Fraction(1)
    width = round(frame.width * sar) if sar > 0 else frame.width
    height = frame.height
    if turns % 2:
        width, height = height, width
    return output_size(width, height, short_side), turns


def _scaled(scaler: VideoReformatter, frame: Any, size: tuple[int, int], turns: int) -> Any:
    """The frame at the segment's size (AREA averages well when shrinking 4K to 480p)."""
    width, height = size
    if hdr_transfer(frame):  # PQ/HLG: tone-mapped to SDR, as a model expects to see it
        w, h = (height, width) if turns % 2 else (width, height)
        mapped = np.rot90(tone_map(frame, w, h, scaler), turns)
        picture = np.ascontiguousarray(mapped, dtype=np.uint8)
        return av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
    if not turns:
        return scaler.reformat(frame, width, height, "yuv420p", interpolation="AREA")
    if turns % 2:
        width, height = height, width
    rgb = scaler.reformat(frame, width, height, "rgb24", interpolation="AREA").to_ndarray()
    turned = np.ascontiguousarray(np.rot90(rgb, turns), dtype=np.uint8)
    return av.VideoFrame.from_ndarray(turned, format="rgb24").reformat(format="yuv420p")


@dataclass(frozen=True)
class _Clock:
    """Frame times in seconds; on a constant rate snapped to the grid (rounded timestamps)."""

    tb: Fraction
    origin: Fraction
    rate: Fraction | None

    def __call__(self, frame: Any) -> Fraction:
        pts = frame.pts if frame.pts is not None else frame.dts
        t = Fraction(pts or 0) * self.tb
        if self.rate is None:
            return t
        return self.origin + round((t - self.origin) * self.rate) / self.rate


def _frames_on_grid(
    src: Any, stream: Any, times: list[Fraction], slack: Fraction, clock: _Clock
) -> Iterator[Any]:
    """For each time, the source frame shown then (the last one at or before it)."""
    tb = Fraction(stream.time_base)
    first_target = times[0]
    for back in (Fraction(0), Fraction(1), Fraction(4), None):
        if back is None:
            src.seek(0)
        else:
            src.seek(
                math.floor((first_target - back) / tb),
                stream=stream,
                backward=True,
                any_frame=False,
            )
        decoded = _decode(src, stream)
        first = next(decoded, None)
        if first is None:
            continue
        if clock(first) > first_target + slack and back is not None:
            start = Fraction(stream.start_time or 0) * tb
            if clock(first) > start + slack:
                continue  # landed after the target: seek further back
        break
    else:
        raise MediaError("No frame of the range could be decoded.", "The file may be damaged.")
    if first is None:
        raise MediaError("No frame of the range could be decoded.", "The file may be damaged.")
    prev = first
    k = 0
    for frame in decoded:
        t = clock(frame)
        while k < len(times) and t > times[k] + slack:
            yield prev
            k += 1
        if k >= len(times):
            return
        prev = frame
    while k < len(times):  # past the last frame: it holds
        yield prev
        k += 1


def _decode(src: Any, stream: Any) -> Iterator[Any]:
    try:
        yield from src.decode(stream)
    except av.error.FFmpegError:
        return  # a damaged tail: the last good frame holds


def _encode_audio(out: Any, stream: Any, audio: npt.NDArray[np.float32]) -> None:
    planar = np.ascontiguousarray(audio.T)
    step = stream.codec_context.frame_size or 1024
    for pos in range(0, planar.shape[1], step):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planar[:, pos : pos + step]), format="fltp", layout="stereo"
        )
        frame.sample_rate = _AUDIO_RATE
        frame.pts = pos
        frame.time_base = Fraction(1, _AUDIO_RATE)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


# -- chunks ----------------------------------------------------------------------------------------


def plan_chunks(
    start: Fraction,
    end: Fraction,
    max_duration: Fraction,
    overlap: Fraction = Fraction(1),
    rate: Fraction | None = None,
) -> list[tuple[Fraction, Fraction]]:
    """Overlapping ranges, each at most `max_duration`, covering [start, end) evenly.

    With `rate`, chunk starts sit on that frame grid so each segment begins on a real frame.
    """
    start, end = Fraction(start), Fraction(end)
    max_duration, overlap = Fraction(max_duration), Fraction(overlap)
    length = end - start
    if length <= max_duration:
        return [(start, end)]
    if overlap < 0 or overlap >= max_duration / 2:
        raise MediaError(
            "The chunk overlap must be under half the provider's maximum duration.",
            "Use a smaller overlap.",
        )
    usable = max_duration - (2 / rate if rate else 0)
    n = math.ceil((length - overlap) / (usable - overlap))
    chunk = (length + (n - 1) * overlap) / n
    plan: list[tuple[Fraction, Fraction]] = []
    for i in range(n):
        s = start + i * (chunk - overlap)
        if rate is not None and i:
            s = Fraction(math.floor(s * rate)) / rate
        e = end if i == n - 1 else min(end, s + chunk)
        plan.append((s, e))
    return plan


def stitch_chunks(
    chunks: list[npt.NDArray[np.float32]],
    plan: list[tuple[Fraction, Fraction]],
    start: Fraction,
    end: Fraction,
    sample_rate: int = PROJECT_SAMPLE_RATE,
) -> npt.NDArray[np.float32]:
    """One take for [start, end) from per-chunk takes (each starting at its chunk's start),
    equal-power crossfaded across the overlaps; exactly the range's length in samples."""
    if len(chunks) != len(plan) or not chunks:
        raise ValueError("one take per planned chunk")
    base = round(Fraction(start) * sample_rate)
    total = round(Fraction(end) * sample_rate) - base
    channels = max(c.shape[1] if c.ndim == 2 else 1 for c in chunks)
    out = np.zeros((total, channels), np.float32)
    bounds = [(round(s * sample_rate) - base, round(e * sample_rate) - base) for s, e in plan]
    for i, (take, (lo, hi)) in enumerate(zip(chunks, bounds, strict=True)):
        data = take if take.ndim == 2 else take[:, None]
        if data.shape[1] < channels:
            data = np.repeat(data[:, :1], channels, axis=1)
        hi = min(hi, total)
        piece = np.zeros((hi - lo, channels), np.float32)
        n = min(hi - lo, data.shape[0])
        piece[:n] = data[:n]
        gain = np.ones(hi - lo, np.float64)
        if i > 0:  # fade in over the overlap with the previous chunk
            fade = max(0, min(bounds[i - 1][1], hi) - lo)
            gain[:fade] *= np.sin(_ramp(fade) * np.pi / 2)
        if i < len(chunks) - 1:  # fade out over the overlap with the next chunk
            fade = max(0, hi - bounds[i + 1][0])
            if fade:
                gain[-fade:] *= np.cos(_ramp(fade) * np.pi / 2)
        out[lo:hi] += (piece * gain[:, None]).astype(np.float32)
    return out


def _ramp(n: int) -> npt.NDArray[np.float64]:
    """n positions evenly inside (0, 1): sin and cos of them sum to equal power."""
    return (np.arange(n, dtype=np.float64) + 0.5) / max(n, 1)


# -- cache -----------------------------------------------------------------------------------------


def _range(
    project: Project, cue_or_range: Cue | tuple[Fraction, Fraction]
) -> tuple[Fraction, Fraction]:
    """Start and end in source seconds: a cue's frames on the source grid, or the range as given."""
    if isinstance(cue_or_range, tuple):
        return cue_or_range
    rate = project.source.frame_rate
    return cue_or_range.in_time(rate), cue_or_range.out_time(rate)


def segment_cache_path(
    project: Project, cue_or_range: Cue | tuple[Fraction, Fraction], spec: SegmentSpec
) -> Path:
    """Where the segment for (source fingerprint, range, spec) lives in the project's media."""
    start, end = _range(project, cue_or_range)
    key = f"{project.source.fingerprint}|{Fraction(start)}|{Fraction(end)}|{spec.key()}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return project.segments_dir / f"seg-{digest}.{spec.container}"


def cached_segment(
    project: Project, cue_or_range: Cue | tuple[Fraction, Fraction], spec: SegmentSpec
) -> Path:
    """The cached segment, cut first when it is not there yet."""
    path = segment_cache_path(project, cue_or_range, spec)
    if path.exists() and path.stat().st_size > 0:
        return path
    start, end = _range(project, cue_or_range)
    return cut_segment(project.require_source(), start, end, spec, path)
