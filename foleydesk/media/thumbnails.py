"""Thumbnail strip for the timeline: evenly spaced pictures, cached in the project's media folder.

Thumbnails use keyframe seeks (fast, close enough for a strip) and swscale for the size; the
strip is saved as one .npy so reopening a project shows it at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from foleydesk.loopguard import off_loop
from foleydesk.media.atomic import atomic_output
from foleydesk.media.frames import FrameSource

if TYPE_CHECKING:
    from foleydesk.core.project import Project

THUMBS_VERSION = 1

Strip = npt.NDArray[np.uint8]  # (count, height, width, 3)


def strip_times(duration: Fraction, count: int) -> list[Fraction]:
    """The time at the middle of each of `count` equal slices of the source."""
    return [duration * (2 * i + 1) / (2 * count) for i in range(count)]


def thumbnail_strip(
    path: Path,
    count: int,
    height: int = 54,
    duration: Fraction | None = None,
    exact: bool = False,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Strip | None:
    """(count, height, width, 3) RGB thumbnails across the source (None when cancelled)."""
    off_loop("building thumbnails")
    with FrameSource(path, threads=False) as source:
        shown_w, shown_h = source.display_size()
        size = (max(2, round(height * shown_w / shown_h / 2) * 2), height)
        if duration is None:
            duration = _duration(source)
        out = np.zeros((count, size[1], size[0], 3), np.uint8)
        for i, t in enumerate(strip_times(duration, count)):
            if cancel is not None and cancel.is_set():
                return None
            out[i] = source.frame_at(t, size=size, exact=exact).rgb
            if progress is not None:
                progress((i + 1) / count)
    return out


def _duration(source: FrameSource) -> Fraction:
    from foleydesk.media.probe import probe

    return probe(source.path).duration


def thumbnails_cache_path(project: Project, count: int, height: int) -> Path:
    key = f"{project.source.fingerprint}|{count}|{height}|v{THUMBS_VERSION}"
    return project.cache_dir / f"thumbs-{hashlib.sha256(key.encode()).hexdigest()[:24]}.npy"


def load_or_compute_thumbnails(
    project: Project,
    count: int,
    height: int = 54,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Strip | None:
    """The project's strip from its cache, computed (and cached atomically) on first use."""
    path = thumbnails_cache_path(project, count, height)
    if path.exists():
        try:
            cached = np.load(path)
            if cached.ndim == 4 and cached.shape[0] == count:
                return np.asarray(cached, np.uint8)
        except (OSError, ValueError):
            pass
    strip = thumbnail_strip(
        project.require_source(),
        count,
        height,
        duration=project.source.duration,
        progress=progress,
        cancel=cancel,
    )
    if strip is None:
        return None
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, strip)
    return strip
