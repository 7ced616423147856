"""Video frames in step with the audio clock.

A decoder thread owns its own FrameSource (one per thread) and keeps a small queue of frames,
scaled to the view's size, ahead of the clock. `frame_at(position)` hands out the frame whose time
span contains the position; frames whose span has already passed are dropped and counted, never
shown late. A new request (seek, new view size) bumps a generation: the decoder abandons its
iterator and stale frames are discarded (newest request wins). Each first presentation records
its sync error: the clock position at that moment minus the frame's own time.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from foleydesk.media.frames import VideoFrame

log = logging.getLogger(__name__)

Size = tuple[int, int] | None


class FrameIterating(Protocol):
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
        ahead: int = 4,
    ) -> None:
        self._open_source = open_source
        self._clock = clock  # position while playing, None when not (no late-drop then)
        self.ahead = ahead
        self._cond = threading.Condition()
        self._queue: deque[VideoFrame] = deque()
        self._generation = 0
        self._request: tuple[Fraction, Size] | None = None
        self._size: Size = None
        self._stop = False
        self._presented: VideoFrame | None = None
        self.dropped = 0
        self.presented = 0
        self.sync_errors: list[float] = []  # seconds, one per presented frame while playing
        self.error: BaseException | None = None
        self._at_end = False
        self._thread = threading.Thread(target=self._run, name="playback-video", daemon=True)
        self._thread.start()

    # -- requests (any thread) --

    def request(self, t: Fraction, size: Size) -> None:
        """Frames from time `t` at `size`; keeps the queue when it already runs through `t`."""
        with self._cond:
            if size == self._size and self._request is None and self._holds(t):
                while self._queue and _end(self._queue[0]) <= t:
                    self._queue.popleft()
                self._cond.notify_all()
                return
            self._generation += 1
            self._request = (t, size)
            self._size = size
            self._queue.clear()
            self._presented = None
            self._at_end = False
            self._cond.notify_all()

    def _holds(self, t: Fraction) -> bool:
        if self._presented is not None and self._presented.time <= t < _end(self._presented):
            return True
        return bool(self._queue) and self._queue[0].time <= t < _end(self._queue[-1])

    @property
    def size(self) -> Size:
        return self._size

    def frame_at(self, position: Fraction, playing: bool) -> VideoFrame | None:
        """The frame whose span contains `position`, or the last one shown if none is ready."""
        with self._cond:
            popped = False
            while self._queue and _end(self._queue[0]) <= position:
                frame = self._queue.popleft()
                popped = True
                if playing:
                    self.dropped += 1
            if self._queue and self._queue[0].time <= position:
                frame = self._queue.popleft()
                popped = True
                if playing:
                    self.presented += 1
                    self.sync_errors.append(float(position - frame.time))
                self._presented = frame
            if popped:
                self._cond.notify_all()
            return self._presented  # held while the next frame is not due (or not ready)

    def next_frame_time(self) -> Fraction | None:
        """Start time of the next queued frame (when to call `frame_at` next)."""
        with self._cond:
            return self._queue[0].time if self._queue else None

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
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._stop or self._request is not None)
                    if self._stop:
                        return
                    assert self._request is not None
                    (t, size), self._request = self._request, None
                    generation = self._generation
                self._decode(source, t, size, generation)
        except BaseException as exc:
            log.exception("the video decoder failed")
            self.error = exc
            with self._cond:
                self._at_end = True
                self._cond.notify_all()
        finally:
            if source is not None:
                source.close()

    def _decode(self, source: FrameIterating, t: Fraction, size: Size, generation: int) -> None:
        for frame in source.iter_from(t, size):
            with self._cond:
                if self._stop or self._generation != generation:
                    return
                clock = self._clock()
                if clock is not None and _end(frame) <= clock:
                    self.dropped += 1  # decoded too late to be shown: never shown late
                    continue
                self._queue.append(frame)
                self._cond.notify_all()
                self._cond.wait_for(
                    lambda: (
                        self._stop
                        or self._generation != generation
                        or len(self._queue) < self.ahead
                    )
                )
                if self._stop or self._generation != generation:
                    return
        with self._cond:
            if self._generation == generation:
                self._at_end = True
                self._cond.notify_all()


def open_frame_source(path: Path) -> Callable[[], FrameIterating]:
    def opener() -> FrameIterating:
        from foleydesk.media.frames import FrameSource

        return FrameSource(path)

    return opener
