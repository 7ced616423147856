"""Viewer proxies: an all-intra copy of the source at view size, so any frame is one decode away.

An exact seek in a long-GOP source decodes up to a whole GOP (300 frames of 1080p H.264 take
about 0.7 s on two cores). The proxy holds every source frame, scaled and turned upright the way
FrameSource shows it, as an MJPEG picture in a QuickTime file:

- MJPEG over intra-only H.264 (measured here on 600 frames of 1080p to 960x540): both seek in
  about a millisecond and build at about the same rate (~160-190 fps), and MJPEG at quantiser 5
  is ~26 KB a frame against ~26 KB (x264 ultrafast, CRF 20) or ~20 KB (veryfast). MJPEG wins on
  the read side: each packet is a whole JPEG, so the decoder keeps no reference state and has
  no frame-threading delay to switch off, and every FFmpeg build has its encoder.
- QuickTime over Matroska: it stores each frame's time exactly (in frame ticks, or the source's
  time base when VFR; Matroska rounds to milliseconds) and carries a full sample index, so a
  seek is an index lookup.

Frame i of the proxy is frame i of the source and its timestamp is that frame's file time (so VFR
sources keep their times). The file carries the source's fingerprint: a proxy made for another
source is never used. Builds write a temporary file and rename it when complete.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from av.video.reformatter import VideoReformatter

from foleydesk.core.project import fingerprint
from foleydesk.errors import UserError
from foleydesk.loopguard import off_loop
from foleydesk.media.atomic import atomic_output
from foleydesk.media.frames import FrameSource, fit_size, scale_filter, to_rgb
from foleydesk.media.probe import MediaInfo, frame_rotation, probe

if TYPE_CHECKING:
    from foleydesk.core.project import Project

log = logging.getLogger(__name__)

PROXY_VERSION = 1
PROXY_QUALITY = 5  # MJPEG quantiser (ffmpeg's -q:v): 2 is best, 31 worst
_COUNT_BASE = Fraction(1, 25)  # the encoder's clock (see _mux for the real times)
_PIX_FMT = "yuvj420p"  # full-range 4:2:0, what MJPEG stores
_TAG_KEY = "comment"
_TAG_PREFIX = f"foleydesk-proxy/{PROXY_VERSION} source="

# When "auto" builds a proxy (see should_build_proxy): measured on this project's proxies.
PROXY_BYTES_PER_FRAME = 27_000
PROXY_BUDGET_BYTES = 2_000_000_000
LARGE_WIDTH = 1280  # wider sources decode slowly enough for a proxy to pay off
LONG_GOP = Fraction(1)  # keyframes further apart than this make exact seeks slow
GOP_SCAN = Fraction(3)  # seconds of packets read to judge the keyframe spacing


class ProxyCancelled(UserError):
    """The user stopped a proxy build; nothing was left under the final name."""

    def __init__(self) -> None:
        super().__init__("The proxy build was cancelled.", "Frames are read from the source.")


def proxy_size(display: tuple[int, int], max_width: int) -> tuple[int, int]:
    """The proxy picture size: the shown size, no wider than `max_width`, even, never upscaled."""
    width, height = display
    if width <= max_width:
        return fit_size(width, height, (width, height))
    return fit_size(width, height, (max_width, height))


def should_build_proxy(source: Path | MediaInfo, setting: str) -> bool:
    """Whether a proxy is worth building for `source` under the viewer_proxy `setting`.

    "always" and "off" say so; "auto" builds when seeks in the source are slow (wider than
    LARGE_WIDTH, or keyframes more than LONG_GOP apart in its first seconds) and the proxy
    (about PROXY_BYTES_PER_FRAME a frame) stays under PROXY_BUDGET_BYTES.
    """
    if setting == "off":
        return False
    if setting == "always":
        return True
    info = source if isinstance(source, MediaInfo) else probe(source)
    video = info.video
    if video.frame_count * PROXY_BYTES_PER_FRAME >= PROXY_BUDGET_BYTES:
        return False
    width = max(video.width, video.display_width, video.display_height if video.rotation else 0)
    return width > LARGE_WIDTH or keyframe_gap(info.path, video.index) > LONG_GOP


def keyframe_gap(path: Path, stream_index: int = 0, scan: Fraction = GOP_SCAN) -> Fraction:
    """The longest stretch between keyframes in the first `scan` seconds of packets (demuxed,
    not decoded: cheap). A stretch still open at the end of the scan counts as long as it is."""
    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams.video if s.index == stream_index]
            stream = streams[0] if streams else container.streams.video[0]
            base = stream.time_base
            if base is None:
                return Fraction(0)
            tb = Fraction(base)
            first: Fraction | None = None
            last_key: Fraction | None = None
            latest = Fraction(0)
            gap = Fraction(0)
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                t = packet.pts * tb
                first = t if first is None else min(first, t)
                latest = max(latest, t)
                if packet.is_keyframe:
                    if last_key is not None:
                        gap = max(gap, t - last_key)
                    last_key = t
                if latest - first >= scan:
                    break
            if last_key is not None:
                gap = max(gap, latest - last_key)
            return gap
    except (av.error.FFmpegError, OSError, IndexError):
        return Fraction(0)


def proxy_path(project: Project, max_width: int = 960) -> Path:
    """Where the project's proxy lives: its cache folder, keyed by source and width."""
    key = f"{project.source.fingerprint}|{max_width}|v{PROXY_VERSION}"
    return project.cache_dir / f"proxy-{hashlib.sha256(key.encode()).hexdigest()[:24]}.mov"


def load_proxy(project: Project, max_width: int = 960) -> Path | None:
    """The project's finished proxy for its current source, or None (build one then)."""
    path = proxy_path(project, max_width)
    if not path.is_file():
        return None
    if _proxy_source(path) != project.source.fingerprint:
        return None
    return path


_TEMP_PREFIX = ".proxy."
_STALE_SECONDS = 24 * 3600


def _remove_stale_temps(folder: Path) -> None:
    """Half-written proxies of builds whose process died (a killed app): several GB each."""
    for temp in folder.glob(f"{_TEMP_PREFIX}*.mov"):
        pid_text = temp.name[len(_TEMP_PREFIX) :].split(".", 1)[0]
        try:
            if _process_alive(int(pid_text)) and (
                time.time() - temp.stat().st_mtime < _STALE_SECONDS
            ):
                continue
            temp.unlink()
        except (ValueError, OSError):
            continue


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # no cheap check: rely on the age alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_proxy(
    source: Path,
    out_path: Path,
    max_width: int = 960,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Decodes `source` once and writes its all-intra proxy to `out_path` (atomically).

    Raises ProxyCancelled when `cancel` is set; no file is left under `out_path` then.
    """
    off_loop("building a viewer proxy")
    source, out_path = Path(source), Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    duration = probe(source).duration or Fraction(1)
    tag = _TAG_PREFIX + fingerprint(source)
    _remove_stale_temps(out_path.parent)
    temp = atomic_output(out_path, prefix=f"{_TEMP_PREFIX}{os.getpid()}.", suffix=".mov")
    with temp as tmp, FrameSource(source) as frames:
        size = proxy_size(frames.display_size(), max_width)
        _write(frames, size, tmp, tag, duration, progress, cancel)
    if progress is not None:
        progress(1.0)
    return out_path


def _time_base(frames: FrameSource) -> Fraction:
    """The proxy's time base: one tick per frame on a constant rate, the source's when VFR."""
    return frames.time_base if frames.vfr else 1 / frames.rate


def _write(
    frames: FrameSource,
    size: tuple[int, int],
    path: Path,
    tag: str,
    duration: Fraction,
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None,
) -> None:
    tb = _time_base(frames)
    out = av.open(str(path), "w", format="mov")
    try:
        out.metadata[_TAG_KEY] = tag
        stream = out.add_stream("mjpeg", rate=1 / _COUNT_BASE)
        stream.width, stream.height = size
        stream.pix_fmt = _PIX_FMT
        stream.time_base = tb
        ctx = stream.codec_context
        ctx.qmin = ctx.qmax = PROXY_QUALITY  # a fixed quantiser: same quality on every frame
        ctx.thread_type = "SLICE"
        scaler = VideoReformatter()
        pending: list[tuple[int, int]] = []  # (pts, duration) of frames inside the encoder
        for n, frame in enumerate(frames.decoded_from(Fraction(0))):
            if cancel is not None and cancel.is_set():
                raise ProxyCancelled()
            time, length = frames.placement(frame)
            pending.append((round(time / tb), max(1, round(length / tb))))  # exact: tb divides
            _mux(out, stream, stream.encode(_picture(frame, size, scaler, n)), pending, tb)
            if progress is not None and n % 25 == 0:
                progress(float(min(Fraction(99, 100), time / duration)))
        _mux(out, stream, stream.encode(None), pending, tb)
    finally:
        out.close()


def _picture(frame: Any, size: tuple[int, int], scaler: VideoReformatter, n: int) -> Any:
    """The proxy picture of a source frame: scaled straight to the encoder's YUV when upright
    (one swscale pass), else through FrameSource's RGB path, which turns it."""
    if frame_rotation(frame):
        picture = av.VideoFrame.from_ndarray(to_rgb(frame, size, scaler), format="rgb24")
    else:
        width, height = size
        interpolation = scale_filter(frame, width, height)
        picture = scaler.reformat(
            frame, width, height, _PIX_FMT, interpolation=interpolation, dst_color_range="JPEG"
        )
    picture.pts = n  # the encoder's own count; the muxed packets get the source's times
    picture.time_base = _COUNT_BASE
    return picture


def _mux(out: Any, stream: Any, packets: Any, pending: list[tuple[int, int]], tb: Fraction) -> None:
    for packet in packets:
        pts, duration = pending.pop(0)
        packet.pts = packet.dts = pts
        packet.duration = duration
        packet.time_base = tb
        packet.stream = stream
        out.mux(packet)


def _proxy_source(path: Path) -> str | None:
    """The fingerprint of the source a proxy was made from (None: not one of ours)."""
    try:
        with av.open(str(path)) as container:
            tag = str(container.metadata.get(_TAG_KEY, ""))
    except (av.error.FFmpegError, OSError):
        return None
    return tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else None


def open_proxy(path: Path, source: Path) -> ProxyReader | None:
    """A reader for `path` when it is a finished proxy of `source` (else None: use the source)."""
    try:
        wanted = fingerprint(source)
    except OSError:
        return None
    if _proxy_source(path) != wanted:
        log.warning("proxy %s was not made from %s: reading the source", path.name, source.name)
        return None
    try:
        return ProxyReader(path)
    except (av.error.FFmpegError, OSError, ValueError):
        log.warning("proxy %s cannot be read: reading the source", path.name)
        return None


class ProxyReader:
    """Random access to a proxy's frames by index: one seek and one decode each, or just one
    decode when the next frame is asked for (playback). Not thread-safe: one per FrameSource."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._container: Any = av.open(str(self.path))
        if not self._container.streams.video:
            self._container.close()
            raise ValueError("a proxy without a picture")
        self._stream: Any = self._container.streams.video[0]
        self._stream.thread_type = "NONE"  # one frame at a time: no threading delay
        base = self._stream.time_base
        if base is None:
            self._container.close()
            raise ValueError("a proxy without a time base")
        self._tb = Fraction(base)
        self._pts = self._timestamps()
        if not self._pts:
            self._container.close()
            raise ValueError("an empty proxy")
        self.times = [Fraction(p) * self._tb for p in self._pts]
        self.width = self._stream.codec_context.width
        self.height = self._stream.codec_context.height
        self._packets: Any = None
        self._next = -1  # the index the demuxer yields next (-1: unknown, seek first)

    def _timestamps(self) -> list[int]:
        """Every frame's pts, from QuickTime's sample index (no reading of picture data)."""
        try:
            entries = self._stream.index_entries
            stamps = [int(e.timestamp) for e in entries]
        except (AttributeError, av.error.FFmpegError):
            stamps = []
        if not stamps:
            stamps = [p.pts for p in self._container.demux(self._stream) if p.pts is not None]
            self._container.seek(0)
        return sorted(stamps)

    def fits(self, size: tuple[int, int]) -> bool:
        """True when `size` needs no upscaling of the proxy picture."""
        return size[0] <= self.width and size[1] <= self.height

    def index_at(self, t: Fraction) -> int:
        """The index of the frame shown at proxy (= source file) time `t`."""
        return max(0, bisect.bisect_right(self.times, t) - 1)

    def duration(self, frame: Any) -> Fraction:
        return Fraction(frame.duration or 0) * self._tb

    def frame(self, i: int) -> Any:
        """Decoded frame `i` (None when the proxy cannot give it)."""
        i = min(max(0, i), len(self._pts) - 1)
        if i != self._next:
            try:
                self._container.seek(
                    self._pts[i], stream=self._stream, backward=True, any_frame=False
                )
            except av.error.FFmpegError:
                return None
            self._packets = self._container.demux(self._stream)
        try:
            for packet in self._packets:
                if packet.pts is None or packet.pts < self._pts[i]:
                    continue  # landed before the target: step on
                for frame in self._stream.decode(packet):
                    self._next = i + 1 if packet.pts == self._pts[i] else -1
                    return frame
        except av.error.FFmpegError:
            pass
        self._next = -1
        return None

    def close(self) -> None:
        self._packets = None
        self._container.close()
