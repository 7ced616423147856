"""The feeder thread: keeps the ring a little ahead of the device with mixed audio.

It follows the transport (`start`, `stop`): renders from the play position, wraps sample-exactly
at the loop end (tagging the ring with a new timeline segment at every wrap), and stops feeding at
the end of the range. All decoding (the source's audio through AudioReader) and mixing happens
here, never in the audio callback. The output's health is checked here too (`on_tick`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from foleydesk.playback.clock import TimelineMap
from foleydesk.playback.mixer import Mixer
from foleydesk.playback.ring import AudioRing, Samples

log = logging.getLogger(__name__)

CHUNK = 1024


@dataclass(frozen=True)
class FeedRange:
    """What to play: from `start`; wrap [loop_start, loop_end) if looping; stop at `end`."""

    start: int
    end: int
    loop_start: int | None = None
    loop_end: int | None = None


class Feeder:
    """Owns the write side of the ring and the timeline map."""

    def __init__(
        self,
        ring: AudioRing,
        timeline: TimelineMap,
        mixer: Mixer,
        target_fill: int,
        on_tick: Callable[[], None] | None = None,
        tap: Callable[[Samples | None], None] | None = None,
    ) -> None:
        self.ring = ring
        self.timeline = timeline
        self.mixer = mixer
        self.target_fill = min(target_fill, ring.capacity - CHUNK)
        self._on_tick = on_tick
        self._tap = tap  # the loudness meter's copy of what is mixed (None: a new play)
        self._chunk: Samples = np.zeros((CHUNK, ring.channels), np.float32)
        self._cond = threading.Condition()
        self._range: FeedRange | None = None
        self._cursor = 0
        self._request: tuple[FeedRange | None, int] | None = None
        self._generation = 0
        self._applied = 0
        self._stop = False
        self.finished_feeding = False  # the range's end was written (no loop)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="playback-feeder", daemon=True)

    def start_thread(self) -> None:
        self._thread.start()

    def play(self, feed: FeedRange) -> int:
        """Start feeding `feed` (newest request wins); returns its generation."""
        return self._post(feed)

    def halt(self) -> int:
        return self._post(None)

    def _post(self, feed: FeedRange | None) -> int:
        with self._cond:
            self._generation += 1
            self._request = (feed, self._generation)
            self._cond.notify_all()
            return self._generation

    def wait_applied(self, generation: int, timeout: float = 2.0) -> bool:
        """Block until the feeder has acted on request `generation` (prefill written)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._applied >= generation, timeout)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    # -- thread --

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._stop:
                        return
                    request, self._request = self._request, None
                if request is not None:
                    self._apply(*request)
                elif self._wants_data():
                    self._feed_chunk()
                    continue
                if self._on_tick is not None:
                    self._on_tick()
                with self._cond:
                    if self._request is None and not self._stop:
                        self._cond.wait(0.005)
        except BaseException as exc:  # keep the reason for the engine; the thread must not die
            log.exception("the playback feeder failed")
            self.error = exc
            self.ring.armed = False

    def _wants_data(self) -> bool:
        if self._range is None or self.finished_feeding:
            return False
        return self.ring.fill() < self.target_fill and self.ring.free() >= CHUNK

    def _apply(self, feed: FeedRange | None, generation: int) -> None:
        ring = self.ring
        ring.armed = False
        self._range = feed
        self.finished_feeding = False
        ring.draining = False
        if feed is None:
            ring.flush()
        else:
            self._cursor = feed.start
            if self._tap is not None:
                self._tap(None)
            mark = ring.write_count
            self.timeline.add(mark, feed.start, new_session=True)
            # Prefill behind the stale data, then make the reader skip straight to it.
            while ring.write_count - mark < self.target_fill and not self.finished_feeding:
                if ring.free() < CHUNK:
                    break
                self._feed_chunk()
            ring.flush_to = mark
            ring.armed = True
        with self._cond:
            self._applied = generation
            self._cond.notify_all()

    def _feed_chunk(self) -> None:
        feed = self._range
        assert feed is not None
        ring = self.ring
        if feed.loop_start is not None and feed.loop_end is not None:
            if self._cursor >= feed.loop_end:  # wrap sample-exactly, and tag the ring there
                self._cursor = feed.loop_start
                self.timeline.add(ring.write_count, self._cursor)
            limit = feed.loop_end
        else:
            limit = feed.end
        n = min(CHUNK, limit - self._cursor)
        if n <= 0:
            self.finished_feeding = True
            ring.draining = True
            return
        block = self._chunk[:n]
        self.mixer.render(self._cursor, block)
        ring.write(block)
        if self._tap is not None:
            self._tap(block)
        self._cursor += n
