"""A private PulseAudio with a null sink, and a recorder of its monitor (tests only).

The daemon runs with its own runtime dir in a temp folder, so nothing of the host's sound setup
is touched. PortAudio reaches it through ALSA's pulse plugin (device "pulse"), which reads
PULSE_SERVER/PULSE_SINK from the environment. The null sink must not rewind (norewinds=1):
rewinds stall PortAudio's ALSA path.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

SR = 48000
SINK = "foleydesk_test"
RECORD_LATENCY_MS = 2


@dataclass
class SoundServer:
    root: Path
    socket: Path
    env: dict[str, str]
    pid: int

    def pactl(self, *args: str) -> str:
        return subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        ).stdout

    def sink_latency(self) -> float:
        """The null sink's configured latency: how far ahead of 'heard' it renders (seconds)."""
        text = self.pactl("list", "sinks")
        match = re.search(r"Latency: \d+ usec, configured (\d+) usec", text)
        return int(match.group(1)) / 1e6 if match else RECORD_LATENCY_MS / 1000

    def stop(self) -> None:
        try:
            os.kill(self.pid, 15)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)


def missing_tools() -> list[str]:
    return [tool for tool in ("pulseaudio", "parec", "pactl") if shutil.which(tool) is None]


def start_sound_server(root: Path) -> SoundServer:
    """Start PulseAudio with a float32 48 kHz null sink; raises RuntimeError if it cannot."""
    runtime = root / "runtime"
    (runtime / "pulse").mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    socket = runtime / "native.sock"
    env = dict(os.environ)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        PULSE_RUNTIME_PATH=str(runtime / "pulse"),
        PULSE_STATE_PATH=str(root / "state"),
        PULSE_SERVER=f"unix:{socket}",
        PULSE_SINK=SINK,
    )
    command = [
        "pulseaudio",
        "--daemonize=yes",
        "--system=false",
        "--exit-idle-time=-1",
        "--disallow-exit",
        "-n",
        "--use-pid-file=yes",
        f"--log-target=file:{root / 'pulse.log'}",
        f"--load=module-null-sink sink_name={SINK} format=float32le rate={SR} channels=2 "
        "norewinds=1",
        f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        raise RuntimeError(f"pulseaudio did not start: {result.stderr.strip()}")
    pid_file = runtime / "pulse" / "pid"
    for _ in range(100):
        if socket.exists() and pid_file.exists():
            break
        time.sleep(0.05)
    else:
        raise RuntimeError("pulseaudio started but its socket never appeared")
    server = SoundServer(root, socket, env, int(pid_file.read_text().strip()))
    if SINK not in server.pactl("list", "short", "sinks"):
        server.stop()
        raise RuntimeError("pulseaudio started without the null sink")
    return server


@dataclass
class Recording:
    """What the sink played: samples and the monotonic time each one was heard."""

    samples: npt.NDArray[np.float32]
    first_heard: float  # monotonic time of samples[0]

    def time_of(self, index: int) -> float:
        return self.first_heard + index / SR


@dataclass
class MonitorRecorder:
    """parec on the sink's monitor, with arrival times to map samples to the monotonic clock."""

    server: SoundServer
    _proc: subprocess.Popen[bytes] | None = None
    _chunks: list[bytes] = field(default_factory=list)
    _stamps: list[tuple[float, int]] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [
                "parec",
                f"--device={SINK}.monitor",
                "--raw",
                "--format=float32le",
                f"--rate={SR}",
                "--channels=2",
                f"--latency-msec={RECORD_LATENCY_MS}",
            ],
            env=self.server.env,
            stdout=subprocess.PIPE,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._stamps and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # let the sink settle on the monitor's latency

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        total = 0
        pending = b""
        while True:
            data = self._proc.stdout.read1(65536)
            if not data:
                return
            now = time.monotonic()
            pending += data
            usable = len(pending) - len(pending) % 8
            if usable:
                self._chunks.append(pending[:usable])
                pending = pending[usable:]
                total += usable // 8
                self._stamps.append((now, total))

    def stop(self) -> Recording:
        latency = self.server.sink_latency()
        assert self._proc is not None and self._thread is not None
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)
        samples = np.frombuffer(b"".join(self._chunks), np.float32).reshape(-1, 2)
        # A sample is delivered no earlier than the sink renders it, and the sink renders its
        # configured latency ahead of when it is heard: the earliest arrival bounds the mapping.
        rendered = min(t - n / SR for t, n in self._stamps)
        return Recording(samples.copy(), rendered + latency)
