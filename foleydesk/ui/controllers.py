"""The bridges between the window and the engines: jobs (async) and playback (threads + a timer).

This module is imported when the first project opens (the job engine and httpx take ~90 ms to
import), not when the window starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage

from foleydesk.core.timebase import Rounding, frame_to_time, time_to_frame
from foleydesk.errors import UserError
from foleydesk.jobs.engine import JobEngine
from foleydesk.playback import PlaybackEngine
from foleydesk.settings import load_settings
from foleydesk.ui import providers as provider_list
from foleydesk.ui.media_loader import rgb_to_qimage
from foleydesk.ui.session import ProjectSession

if TYPE_CHECKING:
    from foleydesk.providers.catalog import Offering
    from foleydesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
FRAME_TICK_MS = 15
METER_INTERVAL = 0.1  # seconds between loudness meter redraws (ebur128 blocks are 100 ms)
SHUTTLE_RATES = (1, 2, 4, 8)


def next_rate(current: int, direction: int) -> int:
    """The shuttle rate after J (direction -1) or L (+1): the same way again goes faster (up to
    8x); the other way, or from a stop, starts at 1x that way."""
    if current * direction > 0:
        index = SHUTTLE_RATES.index(abs(current)) if abs(current) in SHUTTLE_RATES else 0
        return direction * SHUTTLE_RATES[min(index + 1, len(SHUTTLE_RATES) - 1)]
    return direction


class JobController:
    """One JobEngine per open project on one shared httpx client; runs while jobs exist."""

    def __init__(self, window: MainWindow, session: ProjectSession) -> None:
        self.window = window
        self.session = session
        self.settings = load_settings()
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=15.0))
        self.engine = JobEngine(session.project, self.client, self.settings, cpu_workers=1)
        self._runner: asyncio.Task[None] | None = None
        window.tasks.spawn(self._resume(), "jobs-resume")

    async def _resume(self) -> None:
        uncertain = await self.engine.resume(wait=False)
        if uncertain:
            self.window.side_tabs.setCurrentWidget(self.window.jobs_panel)
            self.window.show_error(
                UserError(
                    f"{len(uncertain)} job(s) may have been submitted before the app closed.",
                    "See the Jobs tab: keep waiting or send them again.",
                )
            )
        self.ensure_running()

    async def adopt_orphans(self) -> None:
        """Take over jobs whose process died (a terminal's `generate` killed mid-job): resume
        decides per job as after a restart, under the job's lease."""
        await self.engine.resume(wait=False)
        self.ensure_running()

    def ensure_running(self) -> None:
        if self._runner is None or self._runner.done():
            self._runner = self.window.tasks.spawn(self.engine.run_until_idle(), "jobs")

    def _cue_request(self, cue_id: int) -> tuple[str, int, int | None, dict[str, Any]]:
        """(provider, takes, seed, params) from what is stored on the cue (the inspector
        commits its fields to the cue first)."""
        cue = self.session.project.cue(cue_id)
        provider_id = cue.provider_id or provider_list.default_provider_id(self.settings)
        params = dict(cue.params)
        takes = int(params.pop("takes", 1) or 1)
        seed = params.pop("seed", None)
        keep = ("steps", "cfg_strength", "mask_away_clip", "lyrics", "style_prompt", "chunking")
        kept = {k: params[k] for k in keep if k in params}
        return provider_id, takes, None if seed is None else int(seed), kept

    def generate(self, cue_id: int, choose: bool = False) -> None:
        """Queue the cue's takes; `choose`: the new take replaces the chosen one (Regenerate
        whole cue)."""
        cue = self.session.project.cue(cue_id)
        provider_id, takes, seed, params = self._cue_request(cue_id)
        try:
            jobs = self.engine.enqueue([cue_id], provider_id, takes, seed, params, choose=choose)
        except UserError as exc:
            self.window.show_error(exc)
            return
        self.window.status.showMessage(
            f"Queued {len(jobs)} job(s) for {cue.display_name()} on {provider_id}.", 5000
        )
        self.ensure_running()

    def compare(self, cue_ids: list[int], offerings: list[Offering], takes: int) -> None:
        """One set of takes per offering (Compare): all or nothing, problems said first."""
        project = self.session.project
        keep = ("steps", "cfg_strength", "mask_away_clip", "lyrics", "style_prompt", "chunking")
        params = {}
        if len(cue_ids) == 1:
            own = project.cue(cue_ids[0]).params
            params = {k: own[k] for k in keep if k in own}
        queued = 0
        try:
            for offering in offerings:
                jobs = self.engine.enqueue(
                    cue_ids, offering.host, takes, None, params, offering.model
                )
                queued += len(jobs)
        except UserError as exc:
            self.window.show_error(exc)
        if queued:
            names = ", ".join(o.spec.name for o in offerings)
            self.window.status.showMessage(f"Queued {queued} job(s) on {names}.", 5000)
            self.ensure_running()

    def generate_new_part(self, cue_id: int) -> None:
        """Generate only what the chosen take lacks and join it on (the hatched part)."""
        cue = self.session.project.cue(cue_id)
        provider_id, _takes, seed, params = self._cue_request(cue_id)
        try:
            jobs = self.engine.enqueue_new_part(cue_id, provider_id, seed, params)
        except UserError as exc:
            self.window.show_error(exc)
            return
        self.window.status.showMessage(
            f"Generating the new part of {cue.display_name()} on {provider_id} "
            f"({len(jobs)} job(s)).",
            5000,
        )
        self.ensure_running()

    def cancel(self, job_id: int) -> None:
        self.engine.cancel(job_id)

    def retry(self, job_id: int) -> None:
        try:
            self.engine.retry(job_id)
        except UserError as exc:
            self.window.show_error(exc)
            return
        self.ensure_running()

    def resolve(self, job_id: int, resend: bool) -> None:
        try:
            self.engine.resolve_uncertain(job_id, resend)
        except UserError as exc:
            self.window.show_error(exc)
            return
        self.ensure_running()

    async def close(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        await self.engine.aclose()
        await self.client.aclose()


class PlaybackController(QObject):
    """Drives a PlaybackEngine: transport keys, the playhead and the viewer while playing."""

    def __init__(self, window: MainWindow, session: ProjectSession) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.engine: PlaybackEngine | None = None
        self._shuttle = 0
        self._last_frame_index = -1
        self._meter_at = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_TICK_MS)
        self.timer.timeout.connect(self._tick)
        session.take_selection_changed.connect(self._on_take_selected)
        window.tasks.spawn(self._open(), "playback-open")

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            device = load_settings().audio_device
            proxy = self.window.viewer_proxy
            engine = await loop.run_in_executor(
                None, lambda: PlaybackEngine(self.session.project, device=device, proxy=proxy)
            )
        except UserError as exc:
            self.window.show_error(exc)
            self.window.transport.set_playback_available(False, exc.message)
            return
        except Exception as exc:
            log.exception("playback failed to start")
            self.window.transport.set_playback_available(False, f"Playback failed: {exc}")
            return
        if self.session is not self.window.session:  # a newer project replaced this one
            await loop.run_in_executor(None, engine.close)
            return
        self.engine = engine
        engine.prepare_frames(rgb_to_qimage)  # each picture made in the decoder's thread
        engine.use_proxy(self.window.viewer_proxy)  # it may have finished while the engine opened
        engine.seek(frame_to_time(self.session.position, self.session.rate))
        engine.set_volume(self.window.transport.volume_level())
        status = engine.device_status
        self.window.transport.set_device_status(
            status if engine.on_device else "no audio device", status
        )
        self.window.transport.set_playback_available(True, "")

    @property
    def ready(self) -> bool:
        return self.engine is not None

    @property
    def playing(self) -> bool:
        return self.engine is not None and bool(self.engine.playing)

    def _started(self) -> None:
        self.window.set_playing(self.playing)
        if self.playing:
            self.timer.start()

    def toggle(self) -> None:
        if self.engine is None:
            return
        if not self.engine.playing:
            self.engine.seek(frame_to_time(self.session.position, self.session.rate))
        self.engine.toggle()
        self._shuttle = 1 if self.engine.playing else 0
        self._started()

    def pause(self) -> None:
        if self.engine is not None and self.engine.playing:
            self.engine.pause()
        self._shuttle = 0
        self._tick()

    def seek(self, frame: int) -> None:
        if self.engine is not None:
            self.engine.seek(frame_to_time(frame, self.session.rate))

    def key_l(self) -> None:
        """L: forwards; again 2x, 4x, 8x (J's backwards play turns round to 1x)."""
        self._shuttle_to(next_rate(self._shuttle, 1))

    def key_j(self) -> None:
        """J: backwards at 1x; again 2x, 4x, 8x. Muted; the picture comes from whatever answers
        at once (the proxy when there is one), newest request first."""
        self._shuttle_to(next_rate(self._shuttle, -1))

    def _shuttle_to(self, rate: int) -> None:
        if self.engine is None:
            return
        self._shuttle = rate
        if not self.engine.playing:
            self.engine.seek(frame_to_time(self.session.position, self.session.rate))
        self.engine.shuttle(rate)
        self._started()

    def play_range(self, start: int, end: int) -> None:
        """Shift+Space: [start, end) frames once, then rest at its end."""
        if self.engine is None:
            return
        rate = self.session.rate
        self.engine.play_range(frame_to_time(start, rate), frame_to_time(end, rate))
        self._shuttle = 1
        self._started()

    def play_cue(self, cue_id: int, take_id: int | None) -> None:
        if self.engine is None:
            return
        try:
            cue = self.session.project.cue(cue_id)
            self.engine.audition(cue_id, take_id if take_id != cue.chosen_take_id else None)
            self.engine.play_cue(cue_id, loop=self.window.transport.loop_button.isChecked())
        except UserError as exc:
            self.window.show_error(exc)
            return
        self._shuttle = 1
        self._started()

    def _on_take_selected(self, take_id: object) -> None:
        """While playing, picking another take swaps what is heard in place (no restart)."""
        if self.engine is None or not self.engine.playing or not isinstance(take_id, int):
            return
        take = self.session.project.takes.get(take_id)
        if take is None:
            return
        cue = self.session.project.cues.get(take.cue_id)
        chosen = cue.chosen_take_id if cue is not None else None
        try:
            self.engine.audition(take.cue_id, None if take_id == chosen else take_id)
        except UserError as exc:
            self.window.show_error(exc)

    def set_loop(self, on: bool) -> None:
        if self.engine is None:
            return
        cue = self.session.selected_cue
        try:
            if on and cue is not None:
                rate = self.session.rate
                self.engine.set_loop(cue.in_time(rate), cue.out_time(rate))
            else:
                self.engine.clear_loop()
        except UserError as exc:
            self.window.show_error(exc)

    def use_proxy(self, proxy: Path | None) -> None:
        """The decoder reads `proxy` from the next seek or play on."""
        if self.engine is not None:
            self.engine.use_proxy(proxy)

    def set_volume(self, volume: float) -> None:
        if self.engine is not None:
            self.engine.set_volume(volume)

    def _tick(self) -> None:
        engine = self.engine
        if engine is None:
            self.timer.stop()
            return
        position: Fraction = engine.position
        frame = time_to_frame(position, self.session.rate, Rounding.FLOOR)
        self.session.set_position_from_playback(frame)
        now = time.monotonic()
        if engine.playing and now - self._meter_at >= METER_INTERVAL:
            self._meter_at = now
            self.window.loudness_meter.set_reading(engine.loudness.poll())
        if engine.playing and engine.shuttle_rate < 0:
            if self.window.loader is not None:  # backwards: exact seeks, stale ones dropped
                self.window.loader.request_frame(frame, self.window.viewer.wanted_size())
        elif engine.playing:
            video = engine.current_frame(self.window.viewer.wanted_size())
            if video is not None and video.index != self._last_frame_index:
                self._last_frame_index = video.index
                shown = video.shown
                image = shown if isinstance(shown, QImage) else rgb_to_qimage(video.rgb)
                self.window.viewer.set_frame(video.index, image)
        else:
            self.timer.stop()
            self.window.set_playing(False)
            if self.window.loader is not None:
                self.window.loader.request_frame(
                    self.session.position, self.window.viewer.wanted_size()
                )

    async def close(self) -> None:
        self.timer.stop()
        if self.engine is not None:
            engine, self.engine = self.engine, None
            await asyncio.get_running_loop().run_in_executor(None, engine.close)


def attach_engines(window: MainWindow, session: ProjectSession) -> None:
    """Create the job and playback controllers; a controller that cannot start says why."""
    jobs_reason = ""
    try:
        window.jobs = JobController(window, session)
        window.controllers.append(window.jobs)
    except Exception as exc:
        log.exception("the job engine failed to start")
        jobs_reason = f"The job engine failed to start: {exc}"
    window.jobs_blocker = jobs_reason
    window.inspector.set_generate_blocker(jobs_reason)
    window.jobs_panel.set_engine_blocker(jobs_reason)
    window.engine_status.setText("Generating is unavailable (see the log)" if jobs_reason else "")

    play_reason = ""
    if session.project.source_path is None:
        play_reason = "The source video was not found: relink it to play."
    window.playback_blocker = play_reason
    if not play_reason:
        window.player = PlaybackController(window, session)
        window.controllers.append(window.player)
    else:
        window.transport.set_playback_available(False, play_reason)
    window.takes_panel.set_audition_blocker(play_reason)
