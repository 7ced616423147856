"""`foleydesk --self-test`: prove that every native part made it into this build.

CI runs it on the frozen app after PyInstaller, because a missing FFmpeg encoder, PortAudio
library, keyring backend or OTIO adapter only shows up when a user needs it. Each check prints
one line; the exit code is 0 only when every check passes. The Qt checks live in
foleydesk/ui/selftest_checks.py and are imported only when they run.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from foleydesk import APP_NAME, __version__

REQUIRED_ENCODERS = ("libx264", "aac")
REQUIRED_ADAPTERS = ("fcp_xml", "cmx_3600", "AAF")  # FCPXML is ours (interchange/fcpxml.py)
FILE_ADAPTERS = {"AAF": ".aaf"}  # adapters that only write files, not strings


Outcome = tuple[bool, str]  # whether the part works, and what was found


@dataclass(frozen=True)
class Check:
    """One line of the report: which part, whether it works, and what was found."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def check_qt() -> Outcome:
    """Qt loads and the offscreen platform plugin is bundled (the main-window check needs it)."""
    from foleydesk.ui.selftest_checks import qt_summary

    return True, qt_summary()


def _encode_probe() -> int:
    """Encode two video frames with libx264 and one AAC block into memory; return bytes written.

    Listing a codec is not enough: a build can register an encoder whose library is missing.
    """
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=Fraction(25))
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        audio = container.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        for index in range(2):
            image = np.full((64, 64, 3), index * 100, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        samples = np.zeros((2, 1024), dtype=np.float32)
        block = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
        block.sample_rate, block.pts = 48000, 0
        container.mux(audio.encode(block))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return len(buffer.getvalue())


def check_ffmpeg() -> Outcome:
    import av
    from av.codec import Codec

    missing = []
    for name in REQUIRED_ENCODERS:
        try:
            Codec(name, "w")
        except Exception:
            missing.append(name)
    version = f"PyAV {av.__version__}, FFmpeg {getattr(av, 'ffmpeg_version_info', '?')}"
    if missing:
        return False, f"{version}; missing encoders: {', '.join(missing)}"
    written = _encode_probe()
    encoders = " + ".join(REQUIRED_ENCODERS)
    return True, f"{version}; encoders {encoders} wrote {written} bytes"


def check_portaudio() -> Outcome:
    """PortAudio is loaded lazily, as the playback engine does; zero devices is fine on CI."""
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        return False, f"library not found ({exc})"
    _, text = sounddevice.get_portaudio_version()
    devices = sounddevice.query_devices()
    outputs = sum(1 for d in devices if d["max_output_channels"] > 0)
    return (
        True,
        f"{text}; {len(devices)} device(s), {outputs} output(s); sounddevice "
        f"{sounddevice.__version__}",
    )


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def check_keyring() -> Outcome:
    """A real credential store must be found on Windows and macOS.

    On Linux the Secret Service is a desktop session service (absent on CI), so there the check
    only requires that its backend and D-Bus client were bundled.
    """
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    label = f"{type(backend).__module__.removeprefix('keyring.backends.')}.{type(backend).__name__}"
    version = f"keyring {_dist_version('keyring')}"
    if not isinstance(backend, fail.Keyring):
        return True, f"{version}; backend {label}"
    if sys.platform.startswith("linux"):
        try:
            import jeepney  # noqa: F401
            import secretstorage  # noqa: F401
            from keyring.backends import SecretService  # noqa: F401
        except ImportError as exc:
            return False, f"{version}; Secret Service backend missing ({exc})"
        return (
            True,
            f"{version}; backend {label} (no Secret Service running here; "
            "SecretService backend bundled)",
        )
    return False, f"{version}; only the fail backend was found"


def check_otio() -> Outcome:
    """Each adapter loads from its bundled .py file and writes a one-clip timeline."""
    import opentimelineio as otio

    available = set(otio.adapters.available_adapter_names())
    missing = [name for name in REQUIRED_ADAPTERS if name not in available]
    if missing:
        return False, f"missing adapters: {', '.join(missing)}"
    timeline = _tiny_timeline(otio)
    sizes = []
    for name in REQUIRED_ADAPTERS:
        if name in FILE_ADAPTERS:
            sizes.append(f"{name} {_write_file(otio, name, FILE_ADAPTERS[name])} bytes")
            continue
        text = otio.adapters.write_to_string(timeline, adapter_name=name)
        sizes.append(f"{name} {len(text)} chars")
    return True, f"OpenTimelineIO {otio.__version__}; " + ", ".join(sizes)


def _write_file(otio: Any, name: str, suffix: str) -> int:
    """Write the tiny timeline as an audio track (AAF links a WAV) and say how big it was."""
    import tempfile

    timeline = _tiny_timeline(otio)
    timeline.tracks[0].kind = otio.schema.TrackKind.Audio
    with tempfile.TemporaryDirectory(prefix="foleydesk-selftest-") as tmp:
        path = Path(tmp) / f"selftest{suffix}"
        otio.adapters.write_to_file(timeline, str(path), adapter_name=name, use_empty_mob_ids=True)
        return path.stat().st_size


def _tiny_timeline(otio: Any) -> Any:
    rate = 25
    clip = otio.schema.Clip(
        name="selftest",
        media_reference=otio.schema.ExternalReference(
            target_url="file:///selftest.wav",
            available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(50, rate)
            ),
        ),
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(25, rate)
        ),
    )
    track = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Video)
    track.append(clip)
    timeline = otio.schema.Timeline(name="selftest")
    timeline.tracks.append(track)
    return timeline


def check_main_window() -> Outcome:
    """Open and close the real main window offscreen."""
    from foleydesk.ui.selftest_checks import open_and_close_main_window

    ok = open_and_close_main_window()
    return ok, f"MainWindow {'opened and closed' if ok else 'did not show'}"


# The report's name for each part: the same on its OK line and on a FAIL line from an exception.
CHECKS: tuple[tuple[str, Callable[[], Outcome]], ...] = (
    ("Qt", check_qt),
    ("FFmpeg", check_ffmpeg),
    ("PortAudio", check_portaudio),
    ("keyring", check_keyring),
    ("OTIO", check_otio),
    ("main window", check_main_window),
)


def run_checks() -> list[Check]:
    results = []
    for name, check in CHECKS:
        try:
            ok, detail = check()
        except Exception as exc:  # a broken part must become a FAIL line, not a traceback
            ok, detail = False, _describe(exc)
        results.append(Check(name, ok, detail))
    return results


def _where() -> str:
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    return (
        f"{APP_NAME} {__version__} ({frozen}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="foleydesk --self-test")
    parser.add_argument(
        "--report",
        type=Path,
        help="also write the report to this file (windowed Windows builds have no stdout)",
    )
    args = parser.parse_args(argv)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from foleydesk.logs import setup_logging

    setup_logging()
    results = run_checks()
    failed = [r.name for r in results if not r.ok]
    lines = [_where(), *(r.line() for r in results)]
    if failed:
        lines.append(f"self-test FAILED: {', '.join(failed)}")
    else:
        lines.append(f"self-test passed ({len(results)} checks)")
    text = "\n".join(lines) + "\n"
    if sys.stdout is not None:
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.report is not None:
        args.report.write_text(text, encoding="utf-8")
    import logging

    logging.getLogger(__name__).info("self-test\n%s", text)
    return 1 if failed else 0
