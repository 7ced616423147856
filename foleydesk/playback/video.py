"""Video frames in step with the audio clock.

A decoder thread owns its own FrameSource (one per thread) and keeps a small queue of frames,
scaled to the view's size, ahead of the clock. `frame_at(position)` hands out the frame whose time
span contains the position; frames whose span has already passed are dropped and counted, never
shown late. A new request (seek, new view size) bumps a generation: the decoder abandons its
iterator and stale frames are discarded (newest request wins). With a loop set, the decoder wraps
at the loop's end and keeps decoding the next lap ahead, so the picture follows the audio across
the wrap without a seek on the clock's critical path. Each first presentation records its sync
error: the clock position at that moment minus the frame's own time. `replace_source` swaps
where frames come from (a viewer proxy that just finished) at the next request, so a switch never
interrupts the frames already queued.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from foleydesk.media.frames import RGB, VideoFrame

log = logging.getLogger(__name__)

Size = tuple[int, int] | None
Span = tuple[Fraction, Fraction]


class FrameIterating(Protocol):
    @property
    def proxy(self) -> Path | None: ...

    def iter_from(self, t: Fraction, size: Size = None) -> Iterator[VideoFrame]: ...

    def close(self) -> None: ...


def _end(frame: VideoFrame) -> Fraction:
    return frame.time + frame.duration


class VideoScheduler:
    """Keeps `ahead` frames decoded in advance of the clock."""

    def __init__(
        self,
        open_source: Callable[[], FrameIterating],
        clock: Callable[[], Fraction | None],
        ahead: int = 8,
    ) -> None:
        self._open_source = open_source
        self._clock = clock  # position while playing, None when not (no late-drop then)
        self.ahead = ahead
        self._cond = threading.Condition()
        self._queue: deque[tuple[int, VideoFrame]] = deque()  # (lap, frame) in play order
        self._generation = 0
        self._request: tuple[Fraction, Size] | None = None
        self._size: Size = None
        self._loop: Span | None = None
        self._lap = 0  # the lap being shown
        self._decode_lap = 0  # the lap being decoded
        self._stop = False
        self._presented: VideoFrame | None = None
        self.dropped = 0
        self.presented = 0
        self.sync_errors: list[float] = []  # seconds, one per presented frame while playing
        self.error: BaseException | None = None
        self._at_end = False
        self._reopen = False  # replace_source was called: open the new source at the next request
        self.reading: Path | None = None  # the proxy the open source reads (None: the source)
        # Turns a frame's RGB into what the viewer draws, in this thread, ahead of the clock:
        # the UI's loop then only hands it over (a 1080p copy per frame is off the loop).
        self.prepare: Callable[[RGB], Any] | None = None
        self._thread = threading.Thread(target=self._run, name="playback-video", daemon=True)
        self._thread.start()

    # -- requests (any thread) --

    def request(self, t: Fraction, size: Size, loop: Span | None = None) -> None:
        """Frames from time `t` at `size` (wrapping in `loop`); keeps a queue that fits."""
        with self._cond:
            if (
                size == self._size
                and loop == self._loop
                and self._request is None
                and not self._reopen
                and self._holds(t)
            ):
                while (
                    self._queue
                    and self._queue[0][0] == self._lap
                    and (_end(self._queue[0][1]) <= t)
                ):
                    self._queue.popleft()
                self._cond.notify_all()
                return
            self._generation += 1
            self._request = (t, size)
            self._size = size
            self._loop = loop
            self._lap = self._decode_lap = 0
            self._queue.clear()
            self._presented = None
            self._at_end = False
            self._cond.notify_all()

    def replace_source(self, open_source: Callable[[], FrameIterating]) -> None:
        """Frames come from `open_source` from the next request on (seek, play, new size)."""
        with self._cond:
            self._open_source = open_source
            self._reopen = True

    def _holds(self, t: Fraction) -> bool:
        shown = self._presented
        if shown is not None and shown.time <= t < _end(shown):
            return True
        same_lap = [f for lap, f in self._queue if lap == self._lap]
        return bool(same_lap) and same_lap[0].time <= t < _end(same_lap[-1])

    @property
    def size(self) -> Size:
        return self._size

    def frame_at(self, position: Fraction, playing: bool) -> VideoFrame | None:
        """The frame whose span contains `position`, or the last one shown if none is ready."""
        with self._cond:
            shown = self._presented
            if self._loop is not None and shown is not None and position < shown.time:
                self._lap += 1  # the clock wrapped round the loop
                while self._queue and self._queue[0][0] < self._lap:
                    self._queue.popleft()
                    if playing:
                        self.dropped += 1
            popped = False
            while self._queue and self._queue[0][0] == self._lap:
                frame = self._queue[0][1]
                if _end(frame) <= position:
                    self._queue.popleft()
                    popped = True
                    if playing:
                        self.dropped += 1
                    continue
                if frame.time <= position:
                    self._queue.popleft()
                    popped = True
                    if playing:
                        self.presented += 1
                        self.sync_errors.append(float(position - frame.time))
                    self._presented = frame
                break
            if popped:
                self._cond.notify_all()
            return self._presented  # held while the next frame is not due (or not ready)

    def next_frame_time(self) -> Fraction | None:
        """Start time of the next queued frame (when to call `frame_at` next)."""
        with self._cond:
            return self._queue[0][1].time if self._queue else None

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Block until the first frame of the newest request is decoded (or it failed)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: bool(self._queue) or self._presented is not None or self._at_end,
                timeout,
            )

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5.0)

    # -- decoder thread --

    def _run(self) -> None:
        source: FrameIterating | None = None
        try:
            source = self._open_source()
            self.reading = source.proxy
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._stop or self._request is not None)
                    if self._stop:
                        return
                    assert self._request is not None
                    (t, size), self._request = self._request, None
                    generation = self._generation
                    loop = self._loop
                    reopen, self._reopen = self._reopen, False
                    opener = self._open_source
                if reopen:
                    source = self._switch(source, opener)
                    self.reading = source.proxy
                while self._decode(source, t, size, generation, loop):
                    assert loop is not None
                    t = loop[0]  # next lap
        except BaseException as exc:
            log.exception("the video decoder failed")
            self.error = exc
            with self._cond:
                self._at_end = True
                self._cond.notify_all()
        finally:
            if source is not None:
                source.close()

    @staticmethod
    def _switch(old: FrameIterating, opener: Callable[[], FrameIterating]) -> FrameIterating:
        """The new source, or the old one when the new one cannot be opened."""
        try:
            new = opener()
        except Exception:
            log.warning("the new frame source failed to open; keeping the old one", exc_info=True)
            return old
        old.close()
        return new

    def _decode(
        self, source: FrameIterating, t: Fraction, size: Size, generation: int, loop: Span | None
    ) -> bool:
        """Decode one lap into the queue; True when the loop wraps (decode the next lap)."""
        for decoded in source.iter_from(t, size):
            prepare = self.prepare
            frame = decoded if prepare is None else replace(decoded, shown=prepare(decoded.rgb))
            with self._cond:
                if self._stop or self._generation != generation:
                    return False
                if loop is not None and frame.time >= loop[1]:
                    self._decode_lap += 1
                    return True
                lap = self._decode_lap
                clock = self._clock()
                if clock is not None and lap == self._lap and _end(frame) <= clock:
                    self.dropped += 1  # decoded too late to be shown: never shown late
                    continue
                self._queue.append((lap, frame))
                self._cond.notify_all()
                self._cond.wait_for(
                    lambda: (
                        self._stop
                        or self._generation != generation
                        or len(self._queue) < self.ahead
                    )
                )
                if self._stop or self._generation != generation:
                    return False
        with self._cond:
            if self._generation == generation:
                if loop is not None:
                    self._decode_lap += 1
                    return True
                self._at_end = True
                self._cond.notify_all()
        return False


def open_frame_source(path: Path, proxy: Path | None = None) -> Callable[[], FrameIterating]:
    """An opener for the decoder thread: `path`'s frames, from its viewer `proxy` when given."""

    def opener() -> FrameIterating:
        from foleydesk.media.frames import FrameSource

        return FrameSource(path, proxy=proxy)

    return opener
