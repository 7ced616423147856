"""FrameSource: the picture at any time or frame index, exact or fast, scaled in swscale.

Exact seek = seek to the keyframe before the target, then decode forward to the last frame whose
timestamp is at or before it. Requests just ahead of the last one decode forward without a new
seek, so stepping and playback stay cheap. With an all-intra proxy (proxy.py), a request at or
below the proxy's size is one decode instead; larger ones still come from the source. Times are
file time (0 = the first frame), matching the audio decoder. VFR sources are handled by
timestamps. Not thread-safe: one per thread.
"""

from __future__ import annotations

import bisect
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

from foleydesk.media.audio import open_container
from foleydesk.media.hdr import hdr_transfer, tone_map
from foleydesk.media.probe import MediaError, detect_vfr, frame_rotation, stream_rate

if TYPE_CHECKING:
    from foleydesk.media.proxy import ProxyReader

RGB = npt.NDArray[np.uint8]

# Ahead of the last decoded frame by less than this: decode forward instead of seeking.
_FORWARD_WINDOW = Fraction(2)
# Container timestamps are rounded to their time base (MKV: 1 ms); a frame within a tick of the
# target counts as at the target.
_MIN_SLACK = Fraction(1, 20000)
# Recent decoded frames kept for stepping backwards: at most this many, and this many bytes.
_RECENT_FRAMES = 12
_RECENT_BYTES = 64 << 20


@dataclass(frozen=True)
class VideoFrame:
    """One decoded picture: RGB (rotation applied), its file time, index and duration."""

    rgb: RGB
    time: Fraction
    index: int
    duration: Fraction
    keyframe: bool = False
    shown: Any = None  # the picture as the viewer draws it, made in the decoder's thread

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def fit_size(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The largest even-sized picture with this aspect that fits in `box` (width, height)."""
    scale = min(Fraction(box[0], width), Fraction(box[1], height))
    w = max(2, int(width * scale) // 2 * 2)
    h = max(2, int(height * scale) // 2 * 2)
    return w, h


class FrameSource:
    """Frames of the first video stream of `path`."""

    def __init__(
        self,
        path: Path,
        vfr: bool | None = None,
        threads: bool = True,
        proxy: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self._container = open_container(self.path)
        if not self._container.streams.video:
            self._container.close()
            raise MediaError(
                f"{self.path.name} has no picture: it is an audio-only file.", "Open a video."
            )
        self._stream = self._container.streams.video[0]
        self._proxy: ProxyReader | None = None
        if threads:
            self._stream.thread_type = "AUTO"
        tb = self._stream.time_base
        self._tb = Fraction(tb.numerator, tb.denominator)
        self.rate = stream_rate(self._stream)
        if not self.rate:
            self._container.close()
            raise MediaError(f"{self.path.name} has no frame rate.", "Re-export the video.")
        start = self._stream.start_time
        self.origin = self._tb * start if start is not None else Fraction(0)
        self._slack = max(_MIN_SLACK, self._tb)
        self._slack = min(self._slack, 1 / (2 * self.rate))
        self.vfr = detect_vfr(self.path) if vfr is None else vfr
        self._pts_index: list[Fraction] | None = None
        self._gen: Iterator[Any] | None = None
        self._prev: Any = None  # last decoded frame at or before the last target
        self._ahead: Any = None  # the frame decoded after it, if any
        self._eof = False
        self._skip_before: Fraction | None = None
        self._recent: list[Any] = []
        self._keys: list[Fraction] | None = None
        self._scaler = VideoReformatter()  # keeps its swscale context between frames
        frame_bytes = max(1, self._stream.codec_context.width * self._stream.codec_context.height)
        self._recent_max = max(2, min(_RECENT_FRAMES, _RECENT_BYTES // (frame_bytes * 3 // 2)))
        self._rotation: int | None = None
        self.width = self._stream.codec_context.width
        self.height = self._stream.codec_context.height
        sar = self._stream.sample_aspect_ratio
        self.sample_aspect = Fraction(sar.numerator, sar.denominator) if sar else Fraction(1)
        self._proxy_scaler = VideoReformatter()
        if proxy is not None:
            from foleydesk.media.proxy import open_proxy  # proxy.py builds on this module

            self._proxy = open_proxy(Path(proxy), self.path)
            if self._proxy is not None and self.vfr:
                # The proxy holds every frame's time: no demux pass over the source needed.
                self._pts_index = [self.origin + t for t in self._proxy.times]

    # -- geometry --

    @property
    def proxy(self) -> Path | None:
        """The proxy frames come from when it can serve the size asked (None: the source)."""
        return self._proxy.path if self._proxy is not None else None

    @property
    def time_base(self) -> Fraction:
        """The video stream's time base (its timestamps are whole multiples of it)."""
        return self._tb

    @property
    def rotation(self) -> int:
        """Counter-clockwise degrees the picture turns for display (read from the first frame)."""
        if self._rotation is None:
            self.frame_at(Fraction(0), (16, 16), exact=False)
        return self._rotation or 0

    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown: sample aspect and rotation applied."""
        w = self.width
        if self.sample_aspect > 0 and self.sample_aspect != 1:
            w = max(2, round(self.width * self.sample_aspect / 2) * 2)
        if self.rotation % 180:
            return self.height, w
        return w, self.height

    # -- public --

    def frame_at(
        self, t: Fraction, size: tuple[int, int] | None = None, exact: bool = True
    ) -> VideoFrame:
        """The frame shown at file time `t` (exact) or the keyframe at or before it (fast)."""
        target = self.origin + Fraction(t)
        from_proxy = self._from_proxy(target, size)
        if from_proxy is not None:
            return from_proxy  # every proxy frame is a keyframe: exact costs what fast does
        frame = self._exact(target) if exact else self._keyframe(target)
        return self._convert(frame, size)

    def frame_at_index(self, i: int, size: tuple[int, int] | None = None) -> VideoFrame:
        """Frame number `i` (0 = first frame) on the source's grid, or by timestamp when VFR."""
        if i < 0:
            raise MediaError(f"Frame {i} does not exist.", "Frame numbers start at 0.")
        if self.vfr:
            index = self._index()
            if i >= len(index):
                i = len(index) - 1
            target = index[i]
        else:
            # Half a frame in: a timestamp rounded up by the container still lands on frame i.
            target = self.origin + (Fraction(i) + Fraction(1, 2)) / self.rate
        from_proxy = self._from_proxy(target, size)
        if from_proxy is not None:
            return from_proxy
        return self._convert(self._exact(target), size)

    def iter_from(self, t: Fraction, size: tuple[int, int] | None = None) -> Iterator[VideoFrame]:
        """Frames from the one shown at `t` onwards, decoding forward (no further seeks).

        Other calls on this source in between restart the iteration's decoder position.
        """
        proxy = self._proxy_for(size)
        if proxy is not None and size is not None:
            i = proxy.index_at(Fraction(t) + self._slack)
            while i < len(proxy.times):
                frame = self._proxy_frame(proxy, i, size)
                if frame is None:
                    return
                yield frame
                i += 1
            return
        for frame in self.decoded_from(t):
            yield self._convert(frame, size)

    def decoded_from(self, t: Fraction) -> Iterator[Any]:
        """The decoded av.VideoFrames behind iter_from (never the proxy's), for builders that
        convert pictures themselves; `placement` gives each one's file time and duration."""
        first = self._exact(self.origin + Fraction(t))
        self._skip_before = None
        yield first
        last = self._time(first)
        while True:
            # `first` may have come from the recent run, behind the decoder: replay that first.
            later = next((f for f in self._recent if self._time(f) > last), None)
            if later is not None and later is not self._ahead:
                frame = later
            else:
                frame = self._next()
                if frame is None:
                    return
                self._prev = frame
                if self._time(frame) <= last:
                    continue
            last = self._time(frame)
            yield frame

    def placement(self, frame: Any) -> tuple[Fraction, Fraction]:
        """(file time, duration) of a frame from decoded_from, as VideoFrame reports them."""
        t = self._time(frame)
        return t - self.origin, self._duration(frame, t)

    def close(self) -> None:
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        self._gen = None
        self._prev = self._ahead = None
        self._recent.clear()
        self._container.close()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decoding --

    def _time(self, frame: Any) -> Fraction:
        """A frame's file time; on a constant rate, snapped to the frame grid (timestamps
        rounded by a container, Matroska's milliseconds say, still name the right frame)."""
        pts = frame.pts if frame.pts is not None else frame.dts
        if pts is None:
            return self.origin
        t = Fraction(pts) * self._tb
        if self.vfr:
            return t
        return self.origin + round((t - self.origin) * self.rate) / self.rate

    def _next(self) -> Any:
        """The next decoded frame in presentation order (None at the end)."""
        if self._ahead is not None:
            frame, self._ahead = self._ahead, None
            return frame
        if self._gen is None or self._eof:
            return None
        try:
            frame = next(self._gen)
        except StopIteration:
            self._eof = True
            return None
        except av.error.FFmpegError:
            # A damaged spot: treat as the end of what can be shown from here.
            self._eof = True
            return None
        self._remember(frame)
        return frame

    def _remember(self, frame: Any) -> None:
        """Keeps the last few frames of an unbroken decoded run, so stepping back is instant."""
        skip_before = self._skip_before
        if skip_before is not None and self._time(frame) < skip_before:
            self._recent.clear()  # frames here may have gaps (non-reference ones were skipped)
            return
        self._recent.append(frame)
        if len(self._recent) > self._recent_max:
            del self._recent[0]

    def _recalled(self, limit: Fraction) -> Any:
        """The frame shown at `limit` from the recent run, when the run proves it."""
        recent = self._recent
        for i in range(len(recent) - 2, -1, -1):
            if self._time(recent[i]) <= limit:
                return recent[i] if self._time(recent[i + 1]) > limit else None
        return None

    def _seek(self, target: Fraction) -> None:
        pts = math.floor(target / self._tb)
        try:
            self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            self._container.seek(0)
        self._gen = self._packets_decoded()
        self._recent.clear()
        self._prev = self._ahead = None
        self._eof = False

    def _packets_decoded(self) -> Iterator[Any]:
        """Decoded frames in presentation order. Packets well before the current target that no
        other frame refers to are not decoded at all (a third of a long GOP's work)."""
        ctx = self._stream.codec_context
        skipping = False
        for packet in self._container.demux(self._stream):
            skip_before = self._skip_before
            skip = (
                skip_before is not None
                and packet.pts is not None
                and Fraction(packet.pts) * self._tb < skip_before
            )
            if skip != skipping:
                ctx.skip_frame = "NONREF" if skip else "DEFAULT"
                skipping = skip
            yield from self._stream.decode(packet)
        if skipping:
            ctx.skip_frame = "DEFAULT"

    def _keyframe(self, target: Fraction) -> Any:
        self._skip_before = None
        self._seek(target)
        frame = self._next()
        if frame is None:
            # Past the end: the last frame is the best answer.
            return self._exact(target)
        self._prev = frame
        return frame

    def _exact(self, target: Fraction) -> Any:
        limit = target + self._slack
        # Frames well before the target are never shown, so non-reference ones are not decoded
        # (CFR only: a VFR frame can be shown for long). The last few are kept for stepping back.
        recalled = self._recalled(limit)
        if recalled is not None:
            return recalled
        self._skip_before = None if self.vfr else target - self._recent_max / self.rate
        prev = self._prev
        if prev is not None and self._time(prev) <= limit:
            ahead = self._ahead
            if ahead is not None and self._time(ahead) > limit:
                return prev  # the same frame as last time
            if (ahead is not None or not self._eof) and self._no_keyframe_between(
                self._time(prev), target
            ):
                return self._forward(limit)
            if ahead is None and self._eof:
                return prev  # the last frame of the file holds
        back = Fraction(0)
        for _ in range(4):
            self._seek(target - back)
            found = self._forward(limit)
            if found is not None:
                return found
            if self._ahead is None:
                break  # nothing decodes from there at all
            if self._time(self._ahead) <= self.origin + self._slack:
                return self._take_ahead()  # before the first frame: show the first
            back = back * 2 + 2
        self._seek(Fraction(-1))
        found = self._forward(limit)
        if found is None and self._ahead is not None:
            return self._take_ahead()
        if found is None:
            raise MediaError(
                f"{self.path.name}: no frame could be decoded near {float(target):.3f} s.",
                "The file may be damaged there.",
            )
        return found

    def _no_keyframe_between(self, decoded: Fraction, target: Fraction) -> bool:
        """Decoding on from `decoded` beats seeking: no keyframe lies well after it and before
        the target (known from the container's index), or the target is close anyway."""
        if target - decoded < _FORWARD_WINDOW:
            return True
        keys = self._keyframe_times()
        if not keys:
            return False
        i = bisect.bisect_right(keys, target) - 1
        return i < 0 or keys[i] <= decoded + _FORWARD_WINDOW / 4

    def _keyframe_times(self) -> list[Fraction]:
        """Keyframe decode times from the container's index (MP4/MOV have all; else empty)."""
        if self._keys is None:
            keys: list[Fraction] = []
            try:
                entries = self._stream.index_entries
                if len(entries) > 1:
                    keys = [Fraction(e.timestamp) * self._tb for e in entries if e.is_keyframe]
            except (AttributeError, av.error.FFmpegError):
                keys = []
            self._keys = sorted(keys)
        return self._keys

    def _take_ahead(self) -> Any:
        self._prev, self._ahead = self._ahead, None
        return self._prev

    def _forward(self, limit: Fraction) -> Any:
        """Decodes until the next frame is past `limit`; returns the last one at or before."""
        prev = self._prev if self._prev is not None and self._time(self._prev) <= limit else None
        while True:
            frame = self._next()
            if frame is None:
                self._prev = prev
                return prev
            if self._time(frame) <= limit:
                prev = frame
                continue
            self._ahead = frame
            self._prev = prev
            return prev

    def _index(self) -> list[Fraction]:
        """Every frame's timestamp in presentation order (VFR only; one demux pass)."""
        if self._pts_index is None:
            stamps: list[Fraction] = []
            with open_container(self.path) as container:
                stream = container.streams.video[0]
                for packet in container.demux(stream):
                    if packet.pts is not None:
                        stamps.append(Fraction(packet.pts) * self._tb)
            stamps.sort()
            self._pts_index = stamps or [self.origin]
        return self._pts_index

    def _frame_index(self, t: Fraction) -> int:
        if self.vfr:
            return max(0, bisect.bisect_right(self._index(), t + self._slack) - 1)
        return max(0, math.floor((t - self.origin + self._slack) * self.rate))

    def _duration(self, frame: Any, t: Fraction) -> Fraction:
        if self.vfr:
            index = self._index()
            i = bisect.bisect_right(index, t + self._slack)
            if i < len(index):
                return index[i] - t
            if frame.duration:
                return Fraction(frame.duration) * self._tb
        return 1 / self.rate

    def _convert(self, frame: Any, size: tuple[int, int] | None) -> VideoFrame:
        self._rotation = frame_rotation(frame)
        image = to_rgb(frame, size or self.display_size(), self._scaler)
        t = self._time(frame)
        return VideoFrame(
            image,
            t - self.origin,
            self._frame_index(t),
            self._duration(frame, t),
            bool(frame.key_frame),
        )

    # -- proxy --

    def _proxy_for(self, size: tuple[int, int] | None) -> ProxyReader | None:
        """The proxy when it can serve this size (never upscaled: exactness beats speed)."""
        proxy = self._proxy
        if proxy is None or size is None or not proxy.fits(size):
            return None
        return proxy

    def _from_proxy(self, target: Fraction, size: tuple[int, int] | None) -> VideoFrame | None:
        """The frame shown at `target` read from the all-intra proxy: one decode, no GOP walk."""
        proxy = self._proxy_for(size)
        if proxy is None or size is None:
            return None
        return self._proxy_frame(proxy, proxy.index_at(target - self.origin + self._slack), size)

    def _proxy_frame(self, proxy: ProxyReader, i: int, size: tuple[int, int]) -> VideoFrame | None:
        frame = proxy.frame(i)
        if frame is None:
            return None
        file_time = proxy.times[i]
        t = self.origin + file_time
        if self.vfr:
            last = i + 1 >= len(proxy.times)
            duration = proxy.duration(frame) if last else proxy.times[i + 1] - file_time
        else:
            duration = 1 / self.rate
        return VideoFrame(
            to_rgb(frame, size, self._proxy_scaler), file_time, self._frame_index(t), duration
        )


def to_rgb(frame: Any, size: tuple[int, int], scaler: VideoReformatter) -> RGB:
    """`frame` as RGB at `size` (width, height as shown): scaled in swscale, then turned by its
    display matrix. Shared by exact frames and the proxy builder, so both match by pixels."""
    turns = (frame_rotation(frame) // 90) % 4
    width, height = size
    if turns % 2:
        width, height = height, width
    image: Any
    if hdr_transfer(frame):
        image = tone_map(frame, width, height, scaler)
    elif (width, height) == (frame.width, frame.height):
        image = frame.to_ndarray(format="rgb24")
    else:
        interpolation = scale_filter(frame, width, height)
        scaled = scaler.reformat(frame, width, height, "rgb24", interpolation=interpolation)
        image = scaled.to_ndarray()
    if turns:
        image = np.rot90(image, turns)
    return np.ascontiguousarray(image)


def scale_filter(frame: Any, width: int, height: int) -> str:
    """swscale's filter for this resize: area averaging to shrink (no aliasing), else bilinear."""
    return "AREA" if width <= frame.width and height <= frame.height else "BILINEAR"
