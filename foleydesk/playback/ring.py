"""The bounded audio ring between the feeder thread and the output callback.

One writer (the feeder) and one reader (the output callback or the null output's thread), no
locks: each side only advances its own counter, and Python's GIL makes a counter store atomic.
The reader's side (`pull`) copies into the device buffer from preallocated arrays only and logs
each handed buffer in a preallocated history, which the clock reads to know what is heard when.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

HISTORY = 512  # handed buffers remembered (seconds of latency at any realistic buffer size)


class AudioRing:
    """Single-producer single-consumer ring of float32 frames with a hand-off history."""

    def __init__(self, capacity: int, channels: int = 2) -> None:
        self.capacity = capacity
        self.channels = channels
        self._buf: Samples = np.zeros((capacity, channels), np.float32)
        self.write_count = 0  # absolute frames written (feeder only)
        self.read_count = 0  # absolute frames consumed (reader only)
        self.flush_to = 0  # feeder: "skip to here"; the reader jumps forward to it
        self.armed = False  # feeder: playing, so running dry is an underrun
        self.draining = False  # feeder: no more data will come (end reached): not an underrun
        self.underruns = 0  # buffers the reader could not fill while armed
        self.device_underflows = 0  # underflows the device itself reported
        # History of handed buffers: ring position of their first frame, frames taken from the
        # ring, and the monotonic time their first frame is heard. `handed` is the commit count.
        self.hist_ring = np.zeros(HISTORY, np.int64)
        self.hist_frames = np.zeros(HISTORY, np.int64)
        self.hist_heard = np.zeros(HISTORY, np.float64)
        self.handed = 0
        self.last_pull = 0.0  # monotonic time of the last pull (device watchdog)

    # -- feeder side --

    def fill(self) -> int:
        """Frames queued and not yet handed to the output."""
        return self.write_count - max(self.read_count, self.flush_to)

    def free(self) -> int:
        return self.capacity - (self.write_count - self.read_count)

    def write(self, data: Samples) -> None:
        """Append frames; the caller keeps len(data) <= free()."""
        n = len(data)
        start = self.write_count % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start : start + first] = data[:first]
        if n > first:
            self._buf[: n - first] = data[first:]
        self.write_count += n

    def flush(self) -> None:
        """Drop everything queued: the reader skips to the current write position."""
        self.flush_to = self.write_count

    # -- reader side (runs in the audio callback: copies only) --

    def pull(self, out: Samples, heard_at: float, now: float) -> None:
        """Fill `out` from the ring (silence where there is nothing) and log the hand-off."""
        frames = len(out)
        r = self.read_count
        f = self.flush_to
        if f > r:
            r = f
        n = self.write_count - r
        if n > frames:
            n = frames
        if n < 0:
            n = 0
        start = r % self.capacity
        first = self.capacity - start
        if first > n:
            first = n
        out[:first] = self._buf[start : start + first]
        if n > first:
            out[first:n] = self._buf[: n - first]
        if n < frames:
            out[n:] = 0.0
            if self.armed and not self.draining:
                self.underruns += 1
        slot = self.handed % HISTORY
        self.hist_ring[slot] = r
        self.hist_frames[slot] = n
        self.hist_heard[slot] = heard_at
        self.handed += 1
        self.read_count = r + n
        self.last_pull = now

    def heard_ring_position(self, now: float, sample_rate: int) -> int | None:
        """Ring position being heard at monotonic time `now` (None before anything was heard)."""
        handed = self.handed
        lo = max(0, handed - HISTORY + 4)  # the writer may be reusing the oldest slots
        i = handed - 1
        while i >= lo:
            slot = i % HISTORY
            heard = float(self.hist_heard[slot])
            if heard <= now:
                offset = int((now - heard) * sample_rate)
                frames = int(self.hist_frames[slot])
                return int(self.hist_ring[slot]) + min(offset, frames)
            i -= 1
        return None

    def heard_time_of(self, ring_pos: int, sample_rate: int) -> float | None:
        """Monotonic time the frame at `ring_pos` was (or will be) heard, if still logged."""
        handed = self.handed
        lo = max(0, handed - HISTORY + 4)
        for i in range(handed - 1, lo - 1, -1):
            slot = i % HISTORY
            start = int(self.hist_ring[slot])
            if start <= ring_pos < start + int(self.hist_frames[slot]):
                return float(self.hist_heard[slot]) + (ring_pos - start) / sample_rate
            if start + int(self.hist_frames[slot]) <= ring_pos:
                return None  # handed buffers are in order: it has not been handed yet
        return None
