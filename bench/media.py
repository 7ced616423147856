"""Media benchmark: segment cutting and peaks against ffmpeg, seek latency, memory on 2 hours.

Inputs (made once under bench/_work/media, reused by later runs):
- 4K: 3840x2160 25 fps H.264 (long GOP, 250) + AAC, 12 s; a 10 s range is cut to 480p 25 fps.
- 1080p: 1920x1080 25 fps H.264 High (veryfast, B-frames) with a 300-frame GOP, 24 s.
- proxy: the 1080p file's all-intra 960x540 proxy (built twice, timed against ffmpeg writing
  the same MJPEG to null), then the same random exact seeks read through it.
- 2 hours: 320x180 25 fps H.264 + AAC stereo 48 kHz, one 60 s piece concatenated 120 times
  (stream copy), so it is quick to make but decodes like any 2-hour file.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

from bench.common import ffmpeg, figure, timed, work_dir
from bench.media_mux import main as mux_main

LONG_PIECES = 120  # x 60 s = 2 hours


def _inputs() -> tuple[Path, Path, Path]:
    work = work_dir("media")
    uhd = work / "uhd_12s.mp4"
    if not uhd.exists():
        ffmpeg(
            *("-f", "lavfi", "-i", "testsrc2=size=3840x2160:rate=25", "-f", "lavfi"),
            *("-i", "sine=f=440:r=48000", "-t", "12", "-c:v", "libx264", "-preset", "ultrafast"),
            *("-g", "250", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", str(uhd)),
        )
    hd = work / "hd_gop300.mp4"
    if not hd.exists():
        ffmpeg(
            *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-t", "24"),
            *("-c:v", "libx264", "-preset", "veryfast", "-g", "300", "-keyint_min", "300"),
            *("-sc_threshold", "0", "-pix_fmt", "yuv420p", str(hd)),
        )
    long = work / "long_2h.mp4"
    if not long.exists():
        piece = work / "piece_60s.mp4"
        ffmpeg(
            *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi"),
            *("-i", "anoisesrc=r=48000:a=0.2:c=pink", "-t", "60", "-c:v", "libx264"),
            *("-preset", "ultrafast", "-crf", "32", "-g", "250", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-b:a", "96k", "-ac", "2", str(piece)),
        )
        listing = work / "pieces.txt"
        listing.write_text(f"file '{piece.name}'\n" * LONG_PIECES)
        ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(long))
    return uhd, hd, long


def _segment(uhd: Path) -> None:
    from foleydesk.media.segments import SegmentSpec, cut_segment

    out = work_dir("media") / "seg_ours.mp4"
    ref = work_dir("media") / "seg_ffmpeg.mp4"
    ours = timed(lambda: cut_segment(uhd, Fraction(1), Fraction(11), SegmentSpec(), out), repeat=2)
    theirs = timed(
        lambda: ffmpeg(
            *("-ss", "1", "-i", str(uhd), "-t", "10", "-vf", "scale=-2:480,fps=25"),
            *("-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"),
            *("-movflags", "+faststart", str(ref)),
        ),
        repeat=2,
    )
    figure("segment 10 s of 4K to 480p25 (FoleyDesk)", ours, "s")
    figure("segment 10 s of 4K to 480p25 (ffmpeg)", theirs, "s")
    figure("segment cut ratio vs ffmpeg", ours / theirs, "x")


def _peaks(long: Path) -> None:
    from foleydesk.media.peaks import compute_peaks

    ours = timed(lambda: compute_peaks(long))
    theirs = timed(lambda: ffmpeg("-i", str(long), "-vn", "-f", "null", "-"))
    figure("peaks of 2 h audio (FoleyDesk)", ours, "s")
    figure("decode 2 h audio (ffmpeg -vn -f null)", theirs, "s")
    figure("peaks ratio vs ffmpeg decode", ours / theirs, "x")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _seeks(hd: Path) -> None:
    from foleydesk.media.frames import FrameSource

    rng = random.Random(5)
    size = (960, 540)
    with FrameSource(hd) as source:
        source.frame_at_index(0, size)
        exact: list[float] = []
        for _ in range(40):
            i = rng.randrange(0, 600)
            start = time.perf_counter()
            source.frame_at_index(i, size)
            exact.append(time.perf_counter() - start)
        keyframe: list[float] = []
        for _ in range(40):
            t = Fraction(rng.randrange(0, 600), 25)
            start = time.perf_counter()
            source.frame_at(t, size, exact=False)
            keyframe.append(time.perf_counter() - start)
    figure("exact seek 1080p GOP 300 to 960x540 median", statistics.median(exact) * 1000, "ms")
    figure("exact seek 1080p GOP 300 to 960x540 p95", _p95(exact) * 1000, "ms")
    figure("keyframe seek 1080p to 960x540 p95", _p95(keyframe) * 1000, "ms")
    # Context for the exact figure: a target late in a 300-frame GOP needs up to 300 frames
    # decoded, and this is how fast ffmpeg itself decodes them here.
    decode = timed(lambda: ffmpeg("-threads", "0", "-i", str(hd), "-f", "null", "-"))
    figure("ffmpeg decode speed 1080p H.264", 600 / decode, "fps")
    figure("ffmpeg time to decode one 300-frame GOP", 300 / (600 / decode) * 1000, "ms")


def _proxy(hd: Path) -> None:
    """The all-intra viewer proxy: its build against ffmpeg doing the same, then exact seeks."""
    from foleydesk.media.frames import FrameSource
    from foleydesk.media.proxy import PROXY_QUALITY, build_proxy

    proxy = work_dir("media") / "hd_gop300_proxy.mov"
    build = timed(lambda: build_proxy(hd, proxy, max_width=960), repeat=2)
    theirs = timed(
        lambda: ffmpeg(
            *("-i", str(hd), "-vf", "scale=960:-2", "-c:v", "mjpeg"),
            *("-q:v", str(PROXY_QUALITY), "-f", "null", "-"),
        ),
        repeat=2,
    )
    figure("proxy build 1080p fps", 600 / build, "fps")
    figure("proxy build 1080p to 960x540 MJPEG (ffmpeg)", theirs, "s")
    figure("proxy build ratio vs ffmpeg", build / theirs, "x")
    figure("proxy size per frame", proxy.stat().st_size / 600 / 1024, "KB")
    rng = random.Random(5)
    size = (960, 540)
    with FrameSource(hd, proxy=proxy) as source:
        assert source.proxy == proxy
        source.frame_at_index(0, size)
        exact: list[float] = []
        for _ in range(40):
            i = rng.randrange(0, 600)
            start = time.perf_counter()
            frame = source.frame_at_index(i, size)
            exact.append(time.perf_counter() - start)
            assert frame.index == i
    name = "exact seek via proxy 1080p GOP 300 to 960x540"
    figure(f"{name} median", statistics.median(exact) * 1000, "ms")
    figure(f"{name} p95", _p95(exact) * 1000, "ms")


_SCRUB = """
import random, sys
from fractions import Fraction
from pathlib import Path
from foleydesk.media.audio import AudioReader
from foleydesk.media.frames import FrameSource
from foleydesk.media.probe import probe
path = Path(sys.argv[1])
info = probe(path)
rng = random.Random(3)
with FrameSource(path) as source, AudioReader(path) as reader:
    for _ in range(60):
        t = Fraction(rng.randrange(0, int(info.duration) * 25), 25)
        source.frame_at(t, (640, 360), exact=False)
        reader.read(int(t * 48000), 4800)
    for _ in range(10):
        source.frame_at(Fraction(rng.randrange(0, int(info.duration) * 25), 25), (640, 360))
    for i in range(200):
        source.frame_at(Fraction(3600) + Fraction(i, 25), (640, 360))
for line in open("/proc/self/status"):
    if line.startswith("VmHWM"):
        print(int(line.split()[1]) // 1024)
"""

_PEAKS = """
import sys
from pathlib import Path
from foleydesk.media.peaks import compute_peaks
compute_peaks(Path(sys.argv[1]))
for line in open("/proc/self/status"):
    if line.startswith("VmHWM"):
        print(int(line.split()[1]) // 1024)
"""


def _memory(long: Path) -> None:
    for name, code in (("opening and scrubbing", _SCRUB), ("computing peaks of", _PEAKS)):
        out = subprocess.run(
            [sys.executable, "-c", code, str(long)], capture_output=True, text=True, check=True
        )
        figure(f"peak memory {name} a 2 h file", float(out.stdout.split()[-1]), "MB")


def main() -> None:
    uhd, hd, long = _inputs()
    _segment(uhd)
    _seeks(hd)
    _proxy(hd)
    _peaks(long)
    _memory(long)
    mux_main()  # muxing a 5-minute 1080p video with a new audio track vs ffmpeg -c:v copy


if __name__ == "__main__":
    main()
