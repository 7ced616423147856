"""When to look at a task again: learned from how long an offering's recent tasks took.

A host slot frees when its task ends, but the engine only knows it at the next poll: on a 2-6 s
task polled every second, half a second of every slot is lost. Polling every 50 ms would not
lose it but would hammer the host. An offering (a model on a host) takes roughly the same time
for similar work, so the schedule learns the times of the tasks it finished in this process
(a short, bounded record) and spends its polls where the finish is likely:

- nothing learned yet (or a task resumed from an unknown past): today's back-off: at once, then
  `initial`, x`factor`, at most `longest`, and never longer than POLL_SHARE of the task's time
  so far;
- learned: sleep until just before the shortest recent time, poll densely (a small share of the
  typical time, never more often than MIN_INTERVAL) until just past the longest, then back off
  as above;
- a host's own estimate of the finish (an ETA, or progress that implies one) wins: the dense
  window sits around it.

Pure: no clock, no I/O; the engine passes the time since submit.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

POLL_SHARE = 0.15  # the longest back-off interval, as a share of the task's time so far
MIN_INTERVAL = 0.25  # the densest polling of one task: 4 a second
DENSE_SHARE = 0.06  # polls in the likely window are this share of the typical time apart
HISTORY = 16  # recent task times kept per offering
MIN_LEARNED = 3  # fewer times than this: not enough to trust, today's back-off
OFFERINGS = 64  # offerings remembered (oldest forgotten first)
ETA_SLACK = 0.1  # a host's estimate is trusted to within 10 %


@dataclass(frozen=True)
class Pace:
    """Today's back-off: first interval, growth factor, longest interval (seconds)."""

    initial: float
    factor: float
    longest: float


@dataclass(frozen=True)
class Window:
    """Where a finish is likely, in seconds since submit, and how densely to poll there."""

    start: float
    end: float
    step: float


def likely_window(recent: Sequence[float], floor: float, eta: float | None = None) -> Window | None:
    """The dense-polling window from recent task times (and/or the host's ETA); None when
    there is too little to go on."""
    if eta is not None and eta > 0:  # the host knows best: a window around its estimate
        step = max(floor, DENSE_SHARE * eta)
        return Window(max(0.0, eta * (1 - ETA_SLACK) - step), eta * (1 + ETA_SLACK) + step, step)
    if len(recent) < MIN_LEARNED:
        return None
    step = max(floor, DENSE_SHARE * statistics.median(recent))
    return Window(max(0.0, min(recent) - step), max(recent) + step, step)


class PollSchedule:
    """The delays between one task's polls. Call `next_delay(elapsed)` before every poll,
    with the seconds since the task was submitted."""

    def __init__(self, pace: Pace, recent: Sequence[float] = (), floor: float = MIN_INTERVAL):
        self.pace = pace
        self.recent = tuple(recent)
        # A host hint or setting that asks for faster polls than 4 a second (a local model,
        # an emulator) keeps that pace: it is what today's schedule does already.
        self.floor = min(floor, pace.initial) if pace.initial > 0 else floor
        self.polls = 0
        self.previous: float | None = None
        self.eta: float | None = None

    def tell_eta(self, eta: float | None) -> None:
        """The host's own estimate of when the task ends (seconds since submit), if any."""
        self.eta = eta if eta is not None and eta > 0 else None

    def next_delay(self, elapsed: float) -> float:
        """Seconds to wait from now (`elapsed` since submit) before the next poll."""
        delay = self._delay(max(0.0, elapsed))
        self.polls += 1
        return delay

    def _delay(self, elapsed: float) -> float:
        window = likely_window(self.recent, self.floor, self.eta)
        if window is None:
            return self._backoff(elapsed, self.pace.initial)
        if elapsed < window.start:
            self.previous = window.step
            return window.start - elapsed
        if elapsed < window.end:
            self.previous = window.step
            return window.step if self.polls else 0.0
        return self._backoff(elapsed, window.step)

    def _backoff(self, elapsed: float, base: float) -> float:
        """Today's schedule: at once, `base`, then growing, capped by the longest interval
        and by a share of the time the task has taken so far (never below `base`)."""
        if self.polls == 0:
            return 0.0
        if self.previous is None:
            delay = base
        else:
            share = max(base, POLL_SHARE * elapsed)
            delay = min(self.previous * self.pace.factor, self.pace.longest, share)
        self.previous = delay
        return delay


def eta_from_progress(elapsed: float, progress: float | None) -> float | None:
    """The finish a host's progress figure implies (linear), or None when it says nothing."""
    if progress is None or not 0.05 <= progress < 1.0 or elapsed <= 0:
        return None
    return elapsed / progress


def finished_at(pending_at: float | None, done_at: float) -> float:
    """When a task most likely ended: between the last poll that saw it running (or its
    submit) and the first that saw it done."""
    low = pending_at if pending_at is not None else 0.0
    return (low + done_at) / 2


class TaskTimes:
    """How long each offering's recent tasks took in this process (bounded: a few per
    offering, a few dozen offerings)."""

    def __init__(self, history: int = HISTORY, offerings: int = OFFERINGS) -> None:
        self._history = history
        self._offerings = offerings
        self._times: dict[str, deque[float]] = {}

    def record(self, offering: str, seconds: float) -> None:
        if seconds <= 0:
            return
        times = self._times.pop(offering, None) or deque(maxlen=self._history)
        times.append(seconds)
        self._times[offering] = times  # most recently used last
        while len(self._times) > self._offerings:
            del self._times[next(iter(self._times))]

    def recent(self, offering: str) -> tuple[float, ...]:
        return tuple(self._times.get(offering, ()))
