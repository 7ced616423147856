"""PlaybackEngine: transport, mixer, audio output and video frames for one project, without Qt.

Threads: the caller's thread (UI or CLI) issues transport and mixer commands and asks for
`position` and `current_frame`; the feeder thread mixes audio into the ring; the output (the
PortAudio callback, or the null output's thread) copies from the ring at the device's pace; the
video thread decodes frames ahead of the clock. Only the audio clock moves the playhead at 1x:
position = the timeline sample being heard (see clock.py). Shuttle speeds other than 1x play
video only, paced by the monotonic clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from foleydesk.core.events import Change, Entity
from foleydesk.core.project import Project
from foleydesk.core.timebase import (
    PROJECT_SAMPLE_RATE,
    Rounding,
    frame_to_time,
    time_to_sample,
)
from foleydesk.errors import UserError
from foleydesk.media.frames import RGB, VideoFrame
from foleydesk.playback.clock import AudioClock, TimelineMap
from foleydesk.playback.feeder import Feeder, FeedRange
from foleydesk.playback.meter import LiveLoudness
from foleydesk.playback.mixer import Mixer, MixSettings, TakeCache, build_plan
from foleydesk.playback.output import AudioOutput, NullOutput, open_output
from foleydesk.playback.ring import AudioRing, Samples
from foleydesk.playback.video import Size, VideoScheduler, open_frame_source

if TYPE_CHECKING:
    from foleydesk.media.audio import AudioReader  # imported when a source has audio

log = logging.getLogger(__name__)
_SILENT = frozenset({Entity.JOB, Entity.MARKER})
TakeRead = Future[tuple[tuple[float, int], Samples, bool]]


@dataclass(frozen=True)
class Loop:
    """A looped range with pre-roll before its start and post-roll after its end."""

    start: Fraction
    end: Fraction
    pre_roll: Fraction = Fraction(0)
    post_roll: Fraction = Fraction(0)

    @property
    def play_start(self) -> Fraction:
        return max(Fraction(0), self.start - self.pre_roll)

    @property
    def play_end(self) -> Fraction:
        return self.end + self.post_roll


@dataclass(frozen=True)
class PlaybackStats:
    position: Fraction
    playing: bool
    dropped_frames: int
    presented_frames: int
    underruns: int  # buffers the engine could not fill in time
    device_underflows: int  # underflows the device reported
    sync_errors: tuple[float, ...]  # seconds, clock minus frame time, per presented frame
    output: str
    on_device: bool

    def sync_percentile(self, q: float) -> float:
        if not self.sync_errors:
            return 0.0
        ordered = sorted(abs(e) for e in self.sync_errors)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def sync_median(self) -> float:
        return statistics.median(abs(e) for e in self.sync_errors) if self.sync_errors else 0.0


class PlaybackEngine:
    """Plays one project's source, lanes and takes in sync. Close it when done."""

    def __init__(
        self,
        project: Project,
        *,
        use_device: bool = True,
        device: int | str | None = None,
        latency: float | str = 0.1,
        buffer_seconds: float = 0.2,
        video: bool = True,
        video_ahead: int = 8,
        proxy: Path | None = None,
    ) -> None:
        self.project = project
        self.sample_rate = PROJECT_SAMPLE_RATE
        self.rate = project.source.frame_rate
        self.duration = project.source.duration
        self._lock = threading.RLock()
        self._ring = AudioRing(capacity=self.sample_rate * 2)
        self._timeline = TimelineMap()
        self.clock = AudioClock(self._ring, self._timeline, self.sample_rate)
        self._reader: AudioReader | None = None
        self._extra_readers: list[AudioReader] = []
        source_audio = None
        if project.source.has_audio and project.source_path is not None:
            source_audio = self._open_source_audio()
        self.mix_settings = MixSettings()
        self._takes = TakeCache()
        # Started here (the app builds the engine in a worker thread): a thread started on
        # the loop makes it wait until the thread runs, tens of ms on a loaded machine.
        self._take_reader = ThreadPoolExecutor(1, thread_name_prefix="playback-takes")
        self._take_reader.submit(lambda: None)
        self._reading: set[Path] = set()
        self._closed = False
        self.mixer = Mixer(source_audio)
        self.mixer.set_plan(build_plan(project, self.mix_settings, self._takes), crossfade=False)
        self.loudness = LiveLoudness(self.sample_rate, self._ring.channels)
        self._feeder = Feeder(
            self._ring,
            self._timeline,
            self.mixer,
            target_fill=int(buffer_seconds * self.sample_rate),
            on_tick=self._tick,
            tap=self.loudness.tap,
        )
        self._output: AudioOutput = open_output(
            self._ring, self.sample_rate, use_device, device, latency
        )
        self.device_lost = False
        # transport state
        self._playing = False
        self._rate = 1
        self._anchor = Fraction(0)  # the position while stopped; the start of the current play
        self._play_origin = Fraction(0)  # where play started (stop returns here)
        self._loop: Loop | None = None
        self._end = self.duration
        self._wall_start = 0.0  # shuttle: monotonic time the free clock started
        self._video: VideoScheduler | None = None
        self._proxy = proxy
        if video and project.source_path is not None:
            opener = open_frame_source(project.source_path, proxy)
            self._video = VideoScheduler(opener, self._video_clock, ahead=video_ahead)
        project.changed.connect(self._on_project_changed)
        self._output.start()
        self._feeder.start_thread()

    def _open_source_audio(self) -> Callable[[int, int], Samples]:
        from foleydesk.media.audio import AudioReader

        # Every production stream, played together (a recorder's eight mono tracks).
        source = self.project.source
        indexes: list[int | None] = [
            int(source.audio_streams[i]["index"]) for i in source.production
        ] or [None]
        path = self.project.require_source()
        readers = [AudioReader(path, self.sample_rate, 2, index) for index in indexes]
        self._reader = readers[0]
        self._extra_readers = readers[1:]

        def read(start: int, count: int) -> Samples:
            data: Samples = readers[0].read(start, count)
            for other in readers[1:]:
                data = data + other.read(start, count)
            return data

        return read

    # -- transport --

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def loop(self) -> Loop | None:
        return self._loop

    @property
    def position(self) -> Fraction:
        """The playhead: what is being heard now (rational seconds, file time)."""
        if not self._playing:
            return self._anchor
        if self._rate != 1:
            elapsed = time.monotonic() - self._wall_start
            moved = Fraction(round(elapsed * self._rate * self.sample_rate), self.sample_rate)
            loop = self._loop
            if loop is not None and self._anchor + moved >= loop.play_end:
                lap = loop.play_end - loop.play_start
                return loop.play_start + (self._anchor + moved - loop.play_start) % lap
            return max(Fraction(0), min(self._anchor + moved, self._end))
        sample = self.clock.heard_sample()
        if sample is None:
            return self._anchor
        return Fraction(sample, self.sample_rate)

    def play(self) -> None:
        """Play from the playhead at 1x (looping if a loop is set)."""
        with self._lock:
            self._start(self.position, 1)

    def _start(self, at: Fraction, rate: int) -> None:
        loop = self._loop
        if loop is not None:
            if not loop.play_start <= at < loop.play_end:
                at = loop.play_start
        elif at >= self._end:
            at = Fraction(0)
        self._anchor = at
        if not self._playing:
            self._play_origin = at
        self._rate = rate
        self._request_frames(at)
        if rate == 1:
            start = time_to_sample(at, self.sample_rate, Rounding.NEAREST)
            end = time_to_sample(self._end, self.sample_rate, Rounding.NEAREST)
            feed = FeedRange(start, end)
            if loop is not None:
                feed = FeedRange(
                    start,
                    end,
                    time_to_sample(loop.play_start, self.sample_rate),
                    time_to_sample(loop.play_end, self.sample_rate),
                )
            generation = self._feeder.play(feed)
            self._feeder.wait_applied(generation)
        else:
            self._feeder.halt()
            self._wall_start = time.monotonic()
        self._playing = True

    def pause(self) -> None:
        """Stop where we are (the playhead stays)."""
        with self._lock:
            if not self._playing:
                return
            here = self.position
            self._playing = False
            self._feeder.halt()
            self._anchor = here
            self._end = self.duration  # a played cue's end no longer applies
            self._request_frames(here)

    def stop(self) -> None:
        """Stop and return to where play started (editor habit)."""
        with self._lock:
            self.pause()
            self._set_position(self._play_origin)

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def seek(self, t: Fraction) -> None:
        """Exact seek; keeps playing if playing (stale audio and frames are discarded)."""
        t = min(max(Fraction(t), Fraction(0)), self.duration)
        with self._lock:
            if self._playing:
                self._start(t, self._rate)
            else:
                self._set_position(t)

    def _set_position(self, t: Fraction) -> None:
        self._anchor = t
        self._play_origin = t
        self._request_frames(t)

    def set_loop(
        self,
        start: Fraction,
        end: Fraction,
        pre_roll: Fraction = Fraction(0),
        post_roll: Fraction = Fraction(0),
    ) -> None:
        """Loop [start - pre_roll, end + post_roll) from the next play (or now, if playing)."""
        if end <= start:
            raise UserError("A loop must end after it starts.", "Mark an out point after the in.")
        end = min(end + post_roll, self.duration) - post_roll
        with self._lock:
            self._loop = Loop(Fraction(start), Fraction(end), Fraction(pre_roll), post_roll)
            if self._playing:
                self._start(self.position, self._rate)

    def clear_loop(self) -> None:
        with self._lock:
            self._loop = None
            if self._playing:
                self._start(self.position, self._rate)

    def play_cue(self, cue_id: int, handles: Fraction = Fraction(1), loop: bool = False) -> None:
        """Play a cue's range with `handles` before and after; loop it if asked."""
        cue = self.project.cue(cue_id)
        start = frame_to_time(cue.in_frame, self.rate)
        end = frame_to_time(cue.out_frame, self.rate)
        with self._lock:
            if self._playing:
                self.pause()
            pre = min(handles, start)
            post = min(handles, self.duration - end)
            if loop:
                self._loop = Loop(start, end, pre, post)
                self._end = self.duration
            else:
                self._loop = None
                self._end = end + post
            self._start(start - pre, 1)
            self._play_origin = start - pre

    def play_range(self, start: Fraction, end: Fraction) -> None:
        """Play [start, end) once at 1x and rest at its end (Shift+Space: the marked range)."""
        start = min(max(Fraction(start), Fraction(0)), self.duration)
        end = min(max(Fraction(end), start), self.duration)
        with self._lock:
            if self._playing:
                self.pause()
            self._loop = None
            self._end = end
            self._start(start, 1)
            self._play_origin = start

    @property
    def shuttle_rate(self) -> int:
        """The shuttle rate while playing (negative: backwards)."""
        return self._rate if self._playing else 0

    def shuttle(self, rate: int) -> None:
        """J/K/L: 0 pauses, 1 plays with sound, 2/4/8 play faster without sound, and negative
        rates play backwards, muted (the clock runs on the wall; the caller shows frames it
        can get at once, e.g. from the proxy, since a forward decoder cannot keep up)."""
        with self._lock:
            if rate == 0:
                self.pause()
            elif not (self._playing and rate == self._rate):
                self._start(self.position, rate)

    # -- mixer --

    def set_source_audio(
        self, gain_db: float | None = None, mute: bool | None = None, solo: bool | None = None
    ) -> None:
        if gain_db is not None:
            self.mix_settings.source_gain_db = gain_db
        if mute is not None:
            self.mix_settings.source_mute = mute
        if solo is not None:
            self.mix_settings.source_solo = solo
        self.refresh_mix()

    def set_volume(self, volume: float) -> None:
        """Master volume (linear, 1 = unity), ramped like every other mix change."""
        self.mix_settings.volume = max(0.0, float(volume))
        self.refresh_mix()

    def audition(self, cue_id: int, take_id: int | None) -> None:
        """Hear `take_id` in place of the cue's chosen take (None: back to the chosen one)."""
        if take_id is None:
            self.mix_settings.auditions.pop(cue_id, None)
        else:
            take = self.project.takes.get(take_id)
            if take is None or take.cue_id != cue_id:
                raise UserError(f"Take {take_id} does not belong to cue {cue_id}.")
            self.mix_settings.auditions[cue_id] = take_id
        self.refresh_mix()

    def refresh_mix(self) -> None:
        """Rebuild the mix from the project (done automatically on project changes).

        On an event loop's thread (the app) a take file not read yet is read in a worker
        thread and the mix rebuilt once it is in: a job landing a minute-long take while the
        picture plays never waits for the disk on the loop. Elsewhere (the CLI, worker
        threads) takes are read here, before the plan is set."""
        loop = asyncio._get_running_loop()
        if loop is None:
            self.mixer.set_plan(build_plan(self.project, self.mix_settings, self._takes))
            return
        self._takes.misses = set()
        try:
            plan = build_plan(self.project, self.mix_settings, self._takes)
        finally:
            misses, self._takes.misses = self._takes.misses, None
        self.mixer.set_plan(plan)
        for path in misses - self._reading:
            self._reading.add(path)
            future = self._take_reader.submit(self._takes.read, path)

            def landed(done: TakeRead, path: Path = path) -> None:
                with contextlib.suppress(RuntimeError):  # the loop closed: the app is gone
                    loop.call_soon_threadsafe(self._take_read, path, done)

            future.add_done_callback(landed)

    def _take_read(self, path: Path, done: TakeRead) -> None:
        """A take read in the worker thread is in (on the loop thread): rebuild the mix."""
        self._reading.discard(path)
        if self._closed or done.cancelled():
            return
        try:
            version, samples, mono = done.result()
        except Exception as exc:  # unreadable: silent, like a missing file, until it changes
            log.warning("take %s cannot be read: %s", path.name, exc)
            try:
                stat = path.stat()
            except OSError:
                return
            version = (stat.st_mtime, stat.st_size)
            samples, mono = np.zeros((0, self.mixer.channels), np.float32), False
        self._takes.store(path, version, samples, mono)
        self.refresh_mix()

    def _on_project_changed(self, change: Change) -> None:
        if change.entity not in _SILENT:  # job progress and markers change nothing heard
            self.refresh_mix()

    # -- video --

    @property
    def proxy(self) -> Path | None:
        """The viewer proxy the decoder reads (None: the source)."""
        return self._proxy

    @property
    def reading_proxy(self) -> Path | None:
        """The proxy the decoder thread has open now (None: it reads the source)."""
        return self._video.reading if self._video is not None else None

    def use_proxy(self, proxy: Path | None) -> None:
        """Read frames from `proxy` (None: the source) from the next seek or play on; the
        frames already decoded are shown first, so the switch never interrupts the picture."""
        if proxy == self._proxy:
            return
        self._proxy = proxy
        if self._video is not None:
            self._video.replace_source(open_frame_source(self.project.require_source(), proxy))

    def _loop_span(self, t: Fraction) -> tuple[Fraction, Fraction] | None:
        loop = self._loop
        if loop is not None and loop.play_start <= t < loop.play_end:
            return loop.play_start, loop.play_end
        return None

    def _request_frames(self, t: Fraction) -> None:
        """Ask the decoder for frames from `t` (wrapping in the loop when `t` is inside it)."""
        if self._video is not None:
            self._video.request(t, self._video.size, self._loop_span(t))

    def _video_clock(self) -> Fraction | None:
        return self.position if self._playing else None

    def prepare_frames(self, prepare: Callable[[RGB], object] | None) -> None:
        """Have the decoder thread turn each frame into what the caller draws (its `shown`)."""
        if self._video is not None:
            self._video.prepare = prepare

    def current_frame(self, size: Size = None) -> VideoFrame | None:
        """The frame to show now at `size` (None until the first one is decoded)."""
        if self._video is None:
            return None
        position = self.position
        if size != self._video.size:
            self._video.request(position, size, self._loop_span(position))
        return self._video.frame_at(position, self._playing)

    def next_frame_time(self) -> Fraction | None:
        return self._video.next_frame_time() if self._video is not None else None

    def wait_frame_ready(self, timeout: float = 5.0) -> bool:
        return self._video.wait_ready(timeout) if self._video is not None else False

    # -- status --

    @property
    def on_device(self) -> bool:
        return self._output.is_device

    @property
    def error(self) -> BaseException | None:
        """Why the feeder or the video decoder stopped, if one of them failed."""
        if self._feeder.error is not None:
            return self._feeder.error
        return self._video.error if self._video is not None else None

    @property
    def output_latency(self) -> float:
        """Seconds between handing a sample to the output and hearing it (as reported)."""
        return self._output.latency

    @property
    def device_status(self) -> str:
        return self._output.description

    def stats(self) -> PlaybackStats:
        video = self._video
        return PlaybackStats(
            position=self.position,
            playing=self._playing,
            dropped_frames=video.dropped if video is not None else 0,
            presented_frames=video.presented if video is not None else 0,
            underruns=self._ring.underruns,
            device_underflows=self._ring.device_underflows,
            sync_errors=tuple(video.sync_errors) if video is not None else (),
            output=self.device_status,
            on_device=self.on_device,
        )

    def reset_stats(self) -> None:
        self._ring.underruns = 0
        self._ring.device_underflows = 0
        if self._video is not None:
            self._video.dropped = 0
            self._video.presented = 0
            self._video.sync_errors = []

    # -- housekeeping (feeder thread) --

    def _tick(self) -> None:
        if self._output.is_device and not self._output.alive():
            self._switch_to_null("the audio device was lost")
        if self._playing and self._reached_end() and self._lock.acquire(blocking=False):
            try:
                self._finish()
            finally:
                self._lock.release()

    def _reached_end(self) -> bool:
        if self._rate < 0:
            return self.position <= 0
        if self._rate != 1:
            return self.position >= self._end
        if not self._feeder.finished_feeding:
            return False
        sample = self.clock.heard_sample()
        return sample is not None and sample >= time_to_sample(self._end, self.sample_rate)

    def _finish(self) -> None:
        """The range ended (no loop): rest at its end."""
        if not self._playing:
            return
        self._playing = False
        self._anchor = Fraction(0) if self._rate < 0 else self._end  # backwards rests at 0
        self._ring.armed = False
        if self._end != self.duration and self._loop is None:
            self._end = self.duration

    def _switch_to_null(self, reason: str) -> None:
        lost = self._output
        self.device_lost = True
        log.warning("audio output lost; continuing on the null output")
        self._output = NullOutput(self._ring, self.sample_rate, reason)
        self._output.start()
        threading.Thread(target=lost.close, name="playback-close-device", daemon=True).start()

    def close(self) -> None:
        self.project.changed.disconnect(self._on_project_changed)
        self._closed = True
        self._take_reader.shutdown(wait=False, cancel_futures=True)
        self._playing = False
        self._feeder.close()
        self._output.close()
        if self._video is not None:
            self._video.close()
        if self._reader is not None:
            self._reader.close()
        for reader in self._extra_readers:
            reader.close()

    def __enter__(self) -> PlaybackEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
