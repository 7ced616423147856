"""The audio-master clock: which timeline sample is being heard right now.

The clock is "samples handed to the device minus the device's output latency". Each buffer the
output takes from the ring is logged with the monotonic time its first frame reaches the DAC
(PortAudio's outputBufferDacTime when sane, else now + the stream's reported latency; the null
output uses its own real-time schedule). Between hand-offs the clock interpolates with the
monotonic clock, and never past the frames actually handed (an underrun stalls it).

The feeder tags ring positions with timeline positions (`TimelineMap`): a new segment starts at
play, seek and every loop wrap, so the clock maps a heard ring position back to the exact
timeline sample, even across a loop boundary still inside the device's buffer.
"""

from __future__ import annotations

import bisect
import threading
import time

from foleydesk.playback.ring import AudioRing


class TimelineMap:
    """Piecewise map from absolute ring positions to timeline samples (feeder writes, clock
    reads); each segment runs at 1 timeline sample per ring frame."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # never taken by the audio callback
        self._ring: list[int] = []
        self._timeline: list[int] = []
        self.session_start = 0  # ring position where the current play began

    def add(self, ring_pos: int, timeline_sample: int, new_session: bool = False) -> None:
        with self._lock:
            if new_session:
                self.session_start = ring_pos
            while self._ring and self._ring[-1] >= ring_pos:
                self._ring.pop()
                self._timeline.pop()
            self._ring.append(ring_pos)
            self._timeline.append(timeline_sample)
            if len(self._ring) > 4096:
                del self._ring[:2048]
                del self._timeline[:2048]

    def timeline_at(self, ring_pos: int) -> int | None:
        """Timeline sample at a ring position, or None before the first segment."""
        with self._lock:
            i = bisect.bisect_right(self._ring, ring_pos) - 1
            if i < 0:
                return None
            return self._timeline[i] + (ring_pos - self._ring[i])


class AudioClock:
    """Timeline sample heard at a monotonic time, from the ring's hand-off log."""

    def __init__(self, ring: AudioRing, timeline: TimelineMap, sample_rate: int) -> None:
        self.ring = ring
        self.timeline = timeline
        self.sample_rate = sample_rate

    def heard_sample(self, now: float | None = None) -> int | None:
        """Timeline sample heard now, or None while the current play has not reached the DAC."""
        when = time.monotonic() if now is None else now
        ring_pos = self.ring.heard_ring_position(when, self.sample_rate)
        if ring_pos is None or ring_pos < self.timeline.session_start:
            return None
        return self.timeline.timeline_at(ring_pos)

    def first_heard_time(self) -> float | None:
        """Monotonic time the current play's first sample reached the DAC (None: not yet)."""
        return self.ring.heard_time_of(self.timeline.session_start, self.sample_rate)
