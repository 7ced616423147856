"""A loudness meter on what plays: momentary, short-term, integrated since play started and the
highest true peak, by the same ebur128 graph the exports are measured with.

The feeder thread hands over a copy of every block it mixes (`tap`, never the audio callback,
which only copies from the ring); the UI thread measures what has arrived when it redraws
(`poll`). A `None` block marks a new play: the integrated figure starts again there. The feeder
runs a fifth of a second ahead of the speakers, so the meter leads the sound by as much.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

from foleydesk.media.loudness import LiveReading, LoudnessMeter

_MAX_BLOCKS = 512  # ~11 s of 1024-sample blocks: a UI that stalls longer skips ahead


class LiveLoudness:
    def __init__(self, sample_rate: int, channels: int = 2) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self._blocks: deque[npt.NDArray[np.float32] | None] = deque(maxlen=_MAX_BLOCKS)
        self._meter: LoudnessMeter | None = None
        self._reading: LiveReading | None = None

    def tap(self, block: npt.NDArray[np.float32] | None) -> None:
        """Feeder thread: a mixed block (copied here), or None when a new play starts."""
        self._blocks.append(None if block is None else np.array(block, np.float32, copy=True))

    def poll(self) -> LiveReading | None:
        """UI thread: measure what arrived; None until a play has started."""
        while self._blocks:
            block = self._blocks.popleft()
            if block is None:
                self._meter = LoudnessMeter(self.sample_rate, self.channels)
                continue
            if self._meter is not None and len(block):
                self._meter.push(block)
        if self._meter is not None:
            self._reading = self._meter.reading()
        return self._reading
