"""Per-provider admission: tasks at the host at once, submits per minute and per day, polls
per minute where a host limits them, and how many tasks are prepared ahead of a free slot.

The counts of submits are kept in a small ledger file in the config folder so that a restart (or
a CLI run beside the app) does not forget today's usage. The limits are respected up front, so
the host's 429s are the exception, not the pacing mechanism.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from foleydesk.media.atomic import atomic_output
from foleydesk.paths import config_dir

MINUTE = 60.0
DAY = 86_400.0


SPEND = "$spend"  # {host: [[time, dollars], ...]} beside the submit times
SPEND_DAYS = 31


class UsageLedger:
    """Submit times per host over the last day, and the estimated spend per host over the last
    month (a JSON file; tolerant of damage)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "usage.json"
        self._lock = threading.Lock()  # record and record_spend run in worker threads

    def _raw(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _load(self) -> dict[str, list[float]]:
        return {
            str(k): [float(t) for t in v if isinstance(t, int | float)]
            for k, v in self._raw().items()
            if isinstance(v, list)
        }

    def _spend(self) -> dict[str, list[tuple[float, float]]]:
        raw = self._raw().get(SPEND)
        if not isinstance(raw, dict):
            return {}
        out: dict[str, list[tuple[float, float]]] = {}
        for host, rows in raw.items():
            if isinstance(rows, list):
                out[str(host)] = [
                    (float(r[0]), float(r[1]))
                    for r in rows
                    if isinstance(r, list)
                    and len(r) == 2
                    and all(isinstance(x, int | float) for x in r)
                ]
        return out

    def _write(self, times: dict[str, list[float]], spend: dict[str, Any]) -> None:
        data: dict[str, Any] = dict(times)
        data[SPEND] = spend
        with atomic_output(self.path, prefix=".usage-", suffix=".json") as tmp:
            tmp.write_text(json.dumps(data), encoding="utf-8")

    def times(self, provider_id: str, now: float) -> list[float]:
        return [t for t in self._load().get(provider_id, []) if now - t < DAY]

    def record(self, provider_id: str, now: float) -> None:
        with self._lock:
            data = self._load()
            data[provider_id] = [t for t in data.get(provider_id, []) if now - t < DAY] + [now]
            spend = self._spend()
            self._write(data, {h: [list(r) for r in rows] for h, rows in spend.items()})

    def record_spend(self, host: str, dollars: float, now: float) -> None:
        """A submitted task's estimated price, against its host."""
        if dollars <= 0:
            return
        with self._lock:
            spend = self._spend()
            keep = [r for r in spend.get(host, []) if now - r[0] < SPEND_DAYS * DAY]
            spend[host] = [*keep, (now, dollars)]
            times = self._load()
            self._write(times, {h: [list(r) for r in rows] for h, rows in spend.items()})

    def spent(self, host: str, now: float, window: float = DAY) -> float:
        """Estimated dollars sent to `host` in the last `window` seconds."""
        return round(sum(d for t, d in self._spend().get(host, []) if now - t < window), 6)


def rate_wait(times: list[float], now: float, per_minute: int | None, per_day: int | None) -> float:
    """Seconds until one more submit fits both windows (0 = now)."""
    wait = 0.0
    if per_minute:
        recent = sorted(t for t in times if now - t < MINUTE)
        if len(recent) >= per_minute:
            wait = max(wait, recent[-per_minute] + MINUTE - now)
    if per_day:
        today = sorted(t for t in times if now - t < DAY)
        if len(today) >= per_day:
            wait = max(wait, today[-per_day] + DAY - now)
    return wait


WaitNotice = Callable[[float, str], object]


class ProviderGate:
    """A slot per task at the host (held from submit to the end), submit pacing, poll pacing,
    and turns to prepare the next tasks."""

    def __init__(
        self,
        provider_id: str,
        concurrency: int,
        per_minute: int | None,
        per_day: int | None,
        ledger: UsageLedger,
        clock: Callable[[], float] = time.time,
        polls_per_minute: int | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.concurrency = max(1, concurrency)
        self.per_minute = per_minute
        self.per_day = per_day
        self.ledger = ledger
        self.clock = clock
        self.active = 0
        self.preparing = 0  # tasks being cut/uploaded or ready, not yet holding a slot
        self.polls_per_minute = polls_per_minute
        self._polls: deque[float] = deque()  # this process's recent polls (monotonic)
        self._cond = asyncio.Condition()
        self._pacing = asyncio.Lock()  # one pacing decision at a time per provider

    @contextlib.asynccontextmanager
    async def turn_to_prepare(self, on_wait: WaitNotice | None = None) -> AsyncIterator[None]:
        """Held while a task is cut, uploaded and waits for its slot, until it is submitted:
        at most `concurrency` of a host's tasks at once. Each slot then has its next task
        ready when it frees, and a long batch does not cut and upload everything up front
        (one host's hundred segments ahead of another host's first, uploads that the host
        may delete before their turn comes)."""
        async with self._cond:
            if self.preparing >= self.concurrency and on_wait:
                on_wait(0.0, f"queued ({self.concurrency} at once)")
            await self._cond.wait_for(lambda: self.preparing < self.concurrency)
            self.preparing += 1
        try:
            yield
        finally:
            async with self._cond:
                self.preparing = max(0, self.preparing - 1)
                self._cond.notify_all()

    async def acquire(self, on_wait: WaitNotice | None = None) -> None:
        """Wait for a free slot."""
        async with self._cond:
            if self.active >= self.concurrency and on_wait:
                on_wait(0.0, f"waiting for a free slot ({self.concurrency} at once)")
            await self._cond.wait_for(lambda: self.active < self.concurrency)
            self.active += 1

    def occupy(self) -> None:
        """Count a task already running at the host (a resumed job) without waiting."""
        self.active += 1

    async def release(self) -> None:
        async with self._cond:
            self.active = max(0, self.active - 1)
            self._cond.notify_all()

    async def pace_poll(self) -> None:
        """Wait until one more poll fits the host's documented per-minute limit on requests
        (only where it has one; counted in this process)."""
        limit = self.polls_per_minute
        while limit:
            now = time.monotonic()
            while self._polls and now - self._polls[0] >= MINUTE:
                self._polls.popleft()
            if len(self._polls) < limit:
                self._polls.append(now)
                return
            await asyncio.sleep(self._polls[0] + MINUTE - now)

    async def pace_submit(self, on_wait: WaitNotice | None = None) -> None:
        """Wait until one more submit fits the per-minute and per-day limits, then record it."""
        while True:
            async with self._pacing:  # the ledger is a file: read and write it off the loop
                now = self.clock()
                if not (self.per_minute or self.per_day):  # nothing to wait for: just count
                    await asyncio.to_thread(self.ledger.record, self.provider_id, now)
                    return
                times = await asyncio.to_thread(self.ledger.times, self.provider_id, now)
                wait = rate_wait(times, now, self.per_minute, self.per_day)
                if wait <= 0:
                    await asyncio.to_thread(self.ledger.record, self.provider_id, now)
                    return
            if on_wait:
                window = "daily" if wait > MINUTE else "per-minute"
                on_wait(wait, f"waiting {wait:.0f} s for the provider's {window} limit")
            await asyncio.sleep(min(wait, 30.0))
