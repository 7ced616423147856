"""Where the ring's samples go: a sounddevice stream, or a null output running at real time.

Both call `AudioRing.pull` with the monotonic time the buffer's first frame is heard, so the clock
is the same with or without a device. sounddevice is imported lazily (it loads PortAudio, which
may be missing, and it must see the environment the caller set up, e.g. a PulseAudio server).
The device callback copies from the ring and stores a few numbers: no allocation of buffers, no
locks, no logging.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

import numpy as np

from foleydesk.playback.ring import AudioRing, Samples

log = logging.getLogger(__name__)

NULL_BLOCK = 480  # 10 ms at 48 kHz
NULL_LATENCY = 0.02  # blocks are taken this long before they are "heard", like a device's buffer
_SANE_DAC_DELAY = 2.0  # seconds; a DAC time further away than this is a broken host API
_WATCHDOG = 1.0  # seconds without a callback while the stream claims to run: device lost


class AudioOutput(Protocol):
    is_device: bool
    description: str
    latency: float

    def start(self) -> None: ...

    def close(self) -> None: ...

    def alive(self) -> bool: ...


class NullOutput:
    """Consumes the ring in real time on its own thread, as a device would, but silently.

    Like a device it takes each block a little before it is due (NULL_LATENCY), so the clock
    always knows what is being heard even when this thread is woken late."""

    is_device = False

    def __init__(self, ring: AudioRing, sample_rate: int, reason: str = "") -> None:
        self.ring = ring
        self.sample_rate = sample_rate
        self.latency = NULL_LATENCY
        self.description = "No audio device: playing silently" + (f" ({reason})" if reason else "")
        self._out: Samples = np.zeros((NULL_BLOCK, ring.channels), np.float32)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="playback-null-output", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        period = NULL_BLOCK / self.sample_rate
        due = time.monotonic() + self.latency
        while not self._stop.is_set():
            now = time.monotonic()
            take_at = due - self.latency
            if now < take_at:
                self._stop.wait(take_at - now)
                continue
            if now > due + 0.25:  # we were not scheduled for a long time: resynchronise
                due = now + self.latency
            self.ring.pull(self._out, due, now)
            due += period

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)

    def alive(self) -> bool:
        return self._thread.is_alive()


class DeviceOutput:
    """A sounddevice OutputStream whose callback copies from the ring."""

    is_device = True

    def __init__(
        self,
        ring: AudioRing,
        sample_rate: int,
        device: int | str | None = None,
        latency: float | str = "high",
    ) -> None:
        import sounddevice as sd  # lazily: loads PortAudio

        self.ring = ring
        self.sample_rate = sample_rate
        self._finished = False
        self._started_at = 0.0
        self._stream: Any = sd.OutputStream(
            samplerate=sample_rate,
            channels=ring.channels,
            dtype="float32",
            device=device,
            latency=latency,
            callback=self._callback,
            finished_callback=self._on_finished,
        )
        self.latency = float(self._stream.latency)
        name = sd.query_devices(self._stream.device)["name"]
        self.description = f"{name} (output latency {self.latency * 1000:.0f} ms)"

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        delay = time_info.outputBufferDacTime - time_info.currentTime
        if not 0.0 <= delay < _SANE_DAC_DELAY or time_info.outputBufferDacTime == 0.0:
            delay = self.latency
        if status.output_underflow:
            self.ring.device_underflows += 1
        self.ring.pull(outdata, now + delay, now)

    def _on_finished(self) -> None:
        self._finished = True

    def start(self) -> None:
        self._started_at = time.monotonic()
        self.ring.last_pull = self._started_at
        self._stream.start()

    def alive(self) -> bool:
        if self._finished:
            return False
        try:
            active = bool(self._stream.active)
        except Exception:  # the stream died under us
            return False
        return active and time.monotonic() - self.ring.last_pull < _WATCHDOG

    def close(self) -> None:
        try:
            self._stream.abort(ignore_errors=True)
            self._stream.close(ignore_errors=True)
        except Exception:  # a lost device may fail to close: nothing left to release
            log.debug("closing the audio stream failed", exc_info=True)


def open_output(
    ring: AudioRing,
    sample_rate: int,
    use_device: bool = True,
    device: int | str | None = None,
    latency: float | str = "high",
) -> AudioOutput:
    """The device output if one opens, else the null output with the reason in its description."""
    if not use_device:
        return NullOutput(ring, sample_rate, "audio output turned off")
    try:
        return DeviceOutput(ring, sample_rate, device, latency)
    except OSError as exc:  # PortAudio library missing
        reason = f"PortAudio is not available: {exc}"
    except Exception as exc:  # sounddevice.PortAudioError and friends: no usable device
        reason = str(exc) or type(exc).__name__
    log.info("no audio device, using the null output: %s", reason)
    return NullOutput(ring, sample_rate, reason)
