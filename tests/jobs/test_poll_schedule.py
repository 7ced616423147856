"""The poll schedule: an offering's learned task time puts the polls where the finish is likely,
an unknown offering polls as before, and no task is polled more than 4 times a second."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from foleydesk.jobs.limits import MINUTE, ProviderGate, UsageLedger
from foleydesk.jobs.poll_schedule import (
    HISTORY,
    MIN_INTERVAL,
    Pace,
    PollSchedule,
    TaskTimes,
    eta_from_progress,
    finished_at,
)
from tests.fakes.harness import fast_settings, run_engine, start_host

TODAY = Pace(initial=1.0, factor=1.5, longest=15.0)


def poll_times(schedule: PollSchedule, until: float) -> list[float]:
    """When the polls happen (seconds since submit), a poll taking no time."""
    now, times = 0.0, []
    while now <= until:
        now += schedule.next_delay(now)
        times.append(round(now, 6))
    return times


def old_poll_times(pace: Pace, until: float) -> list[float]:
    """The engine's loop before learning: poll, sleep, grow the delay (capped by 15 % of the
    time so far)."""
    now, delay, times = 0.0, pace.initial, [0.0]
    while now <= until:
        now += delay
        times.append(round(now, 6))
        share = max(pace.initial, 0.15 * now)
        delay = min(delay * pace.factor, pace.longest, share)
    return times


def noticed(times: list[float], finish: float) -> float:
    """How late the first poll after `finish` sees it."""
    return min(t for t in times if t >= finish) - finish


def test_an_unknown_offering_polls_as_before() -> None:
    for pace in (TODAY, Pace(0.05, 1.5, 0.2), Pace(2.0, 2.0, 30.0)):
        for recent in ((), (4.0,), (4.0, 5.0)):  # fewer than three times: not learned
            assert poll_times(PollSchedule(pace, recent), 120) == old_poll_times(pace, 120)
    # at once, then every second (15 % of the time so far is under a second until ~6.7 s)
    assert poll_times(PollSchedule(TODAY), 8)[:8] == [0, 1, 2, 3, 4, 5, 6, 7]


def test_learned_times_sleep_until_the_window_then_poll_densely_then_back_off() -> None:
    schedule = PollSchedule(TODAY, (2.0, 3.0, 4.0, 5.0, 6.0))
    times = poll_times(schedule, 12)
    step = MIN_INTERVAL  # 6 % of the typical 4 s is below the 4-a-second floor
    assert times[0] == pytest.approx(2.0 - step)  # no poll before the shortest time
    dense = [t for t in times if t <= 6.0 + step]
    assert all(b - a == pytest.approx(step) for a, b in itertools.pairwise(dense))
    later = [b - a for a, b in itertools.pairwise(times)][len(dense) - 1 :]
    assert later[0] == pytest.approx(step * 1.5) and later == sorted(later)  # backing off
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= MIN_INTERVAL - 1e-9  # never more than 4 polls a second


def test_a_learned_finish_is_noticed_within_one_step_not_half_a_second() -> None:
    recent = (2.0, 2.6, 3.1, 3.9, 4.4, 5.2, 5.9)
    for finish in (2.05, 2.5, 3.33, 4.01, 4.9, 5.95):
        learned = noticed(poll_times(PollSchedule(TODAY, recent), 20), finish)
        assert learned <= MIN_INTERVAL + 1e-9
    today = [noticed(old_poll_times(TODAY, 20), f) for f in (2.05, 2.5, 3.33, 4.01, 4.9)]
    assert sum(today) / len(today) > 0.5  # what the learned schedule saves


def test_a_slow_offering_sleeps_most_of_its_time_and_polls_a_share_of_it() -> None:
    times = poll_times(PollSchedule(TODAY, (60.0, 62.0, 65.0)), 200)
    step = 0.06 * 62.0
    assert times[0] == pytest.approx(60.0 - step)
    assert times[1] - times[0] == pytest.approx(step)
    assert len([t for t in times if t < 70]) <= 4  # a handful of polls for a minute's task


def test_a_hosts_estimate_wins_and_its_fast_hint_keeps_its_pace() -> None:
    schedule = PollSchedule(TODAY, (2.0, 3.0, 4.0))
    assert schedule.next_delay(0.0) == pytest.approx(2.0 - MIN_INTERVAL)
    schedule.tell_eta(eta_from_progress(2.0, 0.1))  # 10 % after 2 s: about 20 s in all
    delay = schedule.next_delay(2.0)
    assert 2.0 + delay == pytest.approx(20 * 0.9 - 0.06 * 20)
    assert eta_from_progress(2.0, None) is None and eta_from_progress(2.0, 1.0) is None
    # a local model (first_poll_seconds 0.05) is polled as fast as it asks, learned or not
    local = PollSchedule(Pace(0.05, 1.5, 0.2), (0.3, 0.4, 0.5))
    times = poll_times(local, 1)
    assert times[0] == pytest.approx(0.3 - 0.05) and times[1] - times[0] == pytest.approx(0.05)


def test_task_times_are_a_small_bounded_record() -> None:
    times = TaskTimes(offerings=3)
    for n in range(HISTORY + 5):
        times.record("mmaudio@wavespeed", float(n + 1))
    assert times.recent("mmaudio@wavespeed") == tuple(float(n) for n in range(6, HISTORY + 6))
    for name in ("a@x", "b@x", "c@x"):
        times.record(name, 1.0)
    assert times.recent("mmaudio@wavespeed") == ()  # the least recently used went first
    times.record("a@x", 0.0)  # nonsense is not learned
    assert times.recent("a@x") == (1.0,)
    assert finished_at(3.0, 3.5) == 3.25 and finished_at(None, 1.0) == 0.5


def test_polls_keep_a_hosts_documented_per_minute_limit(tmp_path: object) -> None:
    gate = ProviderGate("replicate", 4, None, None, UsageLedger(), polls_per_minute=3)

    async def main() -> float:
        now = time.monotonic()
        gate._polls.extend([now - MINUTE + 0.3, now - 1, now - 1])  # a full minute's polls
        start = time.monotonic()
        await gate.pace_poll()  # waits for the oldest to leave the window
        return time.monotonic() - start

    waited = asyncio.run(main())
    assert 0.2 <= waited < 1.0
    assert len(gate._polls) == 3  # the oldest expired, this one counted


def test_once_learned_a_task_is_noticed_soon_after_it_ends_and_uploads_wait_their_turn(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six takes on WaveSpeed (0.75 s a task, one at a time): the first three are polled as
    before (at once, then every 0.6 s: noticed ~0.5 s late), the next three within a step
    (0.25 s) of their end. Uploads happen one task ahead, not all six before the first
    submit."""
    host = start_host(monkeypatch, "wavespeed", latency=0.75)
    settings = fast_settings(poll_initial_seconds=0.6, poll_max_seconds=15.0)
    settings.provider("wavespeed").concurrency = 1

    async def work(engine: JobEngine) -> list[int]:
        jobs = engine.enqueue([1], "wavespeed", takes=6, seed=1)
        await engine.run_until_idle()
        return [j.id for j in jobs]

    try:
        job_ids = run_engine(project, settings, work)
    finally:
        host.stop()
    assert [project.job(i).state for i in job_ids] == [JobState.DONE] * 6
    tasks = sorted(host.tasks.values(), key=lambda t: t.created)
    assert len(tasks) == 6
    polls = {
        t.id: [r.at - t.created for r in host.requests if r.method == "GET" and t.id in r.path]
        for t in tasks
    }
    late = [min(p for p in polls[t.id] if p >= t.latency) - t.latency for t in tasks]
    # unknown offering: polled as before, at once and then 0.6 s apart
    first = polls[tasks[0].id]
    assert first[0] < 0.3 and first[1] - first[0] == pytest.approx(0.6, abs=0.15)
    # learned: no poll long before the end, then 4 a second at most, noticed within 0.45 s
    for task, delay in zip(tasks[3:], late[3:], strict=True):
        times = polls[task.id]
        assert times[0] > 0.15, (late, polls)  # slept: not polled at once
        assert all(b - a > 0.2 for a, b in itertools.pairwise(times)), times
        assert delay < 0.45, (late, polls)
    # uploads one task ahead of the slot, not the whole batch up front
    uploads = [r.at for r in host.requests if r.method == "POST" and "media/upload" in r.path]
    assert len(uploads) == 6
    for number, task in enumerate(tasks, 1):
        assert sum(at < task.created for at in uploads) <= number, (number, uploads)
