"""Loudness targets and normalising a written BWF to one.

Gain first; a true-peak limiter (FFmpeg's `alimiter` with its latency compensated, so nothing
moves in time) only when the gain alone would push the true peak over the ceiling. The file's
sample data are rewritten in a copy beside it and the copy replaces it, so its bext and iXML
chunks stay as they were. The result says which was applied.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import av
import av.filter
import numpy as np

from foleydesk.errors import UserError
from foleydesk.media.bwf import Subtype, data_chunk, read_bwf_info
from foleydesk.media.loudness import Loudness, measure_file
from foleydesk.media.probe import MediaError
from foleydesk.media.render import RenderCancelled
from foleydesk.media.takes import wav_data

NORMALIZE_MODES = ("lanes", "mix")
_LIMIT_TRIES = 4
_TOLERANCE_DB = 0.05  # a limiter pass counts as holding the ceiling within this


@dataclass(frozen=True)
class LoudnessTarget:
    name: str
    integrated: float  # LUFS
    true_peak: float  # dBTP ceiling

    def describe(self) -> str:
        return f"{self.name} ({self.integrated:g} LUFS, {self.true_peak:g} dBTP)"


PRESETS: dict[str, LoudnessTarget] = {
    "ebu-r128": LoudnessTarget("EBU R128", -23.0, -1.0),
    "atsc-a85": LoudnessTarget("ATSC A/85", -24.0, -2.0),
    "streaming-16": LoudnessTarget("streaming -16", -16.0, -1.0),
    "streaming-14": LoudnessTarget("streaming -14", -14.0, -1.0),
}


def parse_target(text: str, true_peak: float | None = None) -> LoudnessTarget | None:
    """A preset name, `none`, or a number of LUFS (custom, ceiling -1 dBTP unless given)."""
    key = text.strip().lower()
    if key in ("", "none"):
        return None
    if key in PRESETS:
        preset = PRESETS[key]
        if true_peak is None:
            return preset
        return LoudnessTarget(preset.name, preset.integrated, true_peak)
    try:
        lufs = float(key)
    except ValueError:
        raise UserError(
            f"Unknown loudness target '{text}'.",
            f"Use one of {', '.join(PRESETS)}, none, or a number of LUFS such as -20.",
        ) from None
    if not -70.0 < lufs < 0.0:
        raise UserError(f"{lufs:g} LUFS is not a usable target.", "Use a value such as -23.")
    return LoudnessTarget("custom", lufs, -1.0 if true_peak is None else true_peak)


def check_ceiling(true_peak: float) -> None:
    if not -20.0 <= true_peak <= 0.0:
        raise UserError(
            f"A true-peak ceiling of {true_peak:g} dBTP is out of range.",
            "Use a value from -20 to 0, such as -1.",
        )


@dataclass(frozen=True)
class Normalisation:
    """What was done to one file: the target, the gain, whether the limiter ran, and the
    figures before and after."""

    target: LoudnessTarget
    gain_db: float
    limiter: bool
    before: Loudness
    after: Loudness

    @property
    def applied(self) -> str:
        if self.gain_db == 0.0 and not self.limiter:
            return "none (silent)"
        return "gain + true-peak limiter" if self.limiter else "gain only"


def _graph(template: av.AudioFrame, gain_db: float, limit: float | None) -> av.filter.Graph:
    graph = av.filter.Graph()
    chain = [
        graph.add_abuffer(
            format=template.format.name,
            sample_rate=template.sample_rate,
            layout=template.layout.name,
        )
    ]
    chain.append(graph.add("volume", f"volume={gain_db:.4f}dB:precision=float"))
    if limit is not None:
        chain.append(
            graph.add("alimiter", f"limit={limit:.6f}:level=0:latency=1:attack=5:release=50")
        )
    chain.append(graph.add("aformat", "sample_fmts=flt"))
    chain.append(graph.add("abuffersink"))
    for a, b in itertools.pairwise(chain):
        a.link_to(b)
    graph.configure()
    return graph


def _rewrite(
    path: Path, gain_db: float, limit: float | None, cancel: threading.Event | None
) -> None:
    """Replace the data chunk's samples with processed ones (same length, same header)."""
    info = read_bwf_info(path)
    offset, size = data_chunk(path)
    subtype: Subtype = "float32" if info.float_samples else "pcm24"
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    shutil.copyfile(path, tmp)
    written = 0
    try:
        with open(tmp, "r+b") as out, av.open(str(path)) as container:
            out.seek(offset)
            graph: av.filter.Graph | None = None

            def drain() -> None:
                nonlocal written
                assert graph is not None
                while True:
                    try:
                        frame = graph.pull()
                    except (av.BlockingIOError, av.EOFError):
                        return
                    block = frame.to_ndarray().reshape(-1, info.channels)
                    data = wav_data(np.clip(block, -1.0, 1.0), subtype)
                    out.write(data)
                    written += len(data)

            for frame in container.decode(container.streams.audio[0]):
                if cancel is not None and cancel.is_set():
                    raise RenderCancelled()
                if graph is None:
                    graph = _graph(frame, gain_db, limit)
                frame.pts = None
                graph.push(frame)
                drain()
            if graph is not None:
                graph.push(None)
                drain()
            out.flush()
            os.fsync(out.fileno())
        if written != size:
            raise MediaError(f"Normalising {path.name} changed its length.", "Export again.")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def normalise_file(
    path: Path,
    target: LoudnessTarget,
    measured: Loudness | None = None,
    cancel: threading.Event | None = None,
) -> Normalisation:
    """Bring `path` to the target's integrated loudness under its true-peak ceiling."""
    before = measured or measure_file(path)
    if before.integrated is None:
        return Normalisation(target, 0.0, False, before, before)  # silence: nothing to scale
    gain = round(target.integrated - before.integrated, 2)
    predicted = None if before.true_peak is None else before.true_peak + gain
    if predicted is None or predicted <= target.true_peak:
        _rewrite(path, gain, None, cancel)
        return Normalisation(target, gain, False, before, measure_file(path))
    # Sample peaks can sit below the true peak: aim the limiter lower by what it misses.
    pristine = path.with_name(f".{path.name}.orig")
    shutil.copyfile(path, pristine)
    try:
        ceiling = target.true_peak - 0.3
        after = before
        for _ in range(_LIMIT_TRIES):
            shutil.copyfile(pristine, path)
            _rewrite(path, gain, 10 ** (ceiling / 20.0), cancel)
            after = measure_file(path)
            over = (after.true_peak or -99.0) - target.true_peak
            if over <= _TOLERANCE_DB:
                break
            ceiling -= over + 0.1
    finally:
        pristine.unlink(missing_ok=True)
    return Normalisation(target, gain, True, before, after)
