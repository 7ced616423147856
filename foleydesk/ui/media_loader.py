"""Pictures and peaks for the views, decoded off the event loop; the newest request wins.

One FrameSource per worker thread (PyAV containers are not shared across threads). A seek that
arrives while another decodes replaces any seek still waiting, so scrubbing never queues up.
`use_proxy` points both threads at the viewer proxy: each reopens its FrameSource on its next
picture, so the frame on screen stays until the next one (the same frame numbers either way).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from foleydesk.core.project import Project
from foleydesk.core.timebase import frame_to_time
from foleydesk.errors import UserError
from foleydesk.media.frames import FrameSource
from foleydesk.media.peaks import Peaks, source_waveform_peaks
from foleydesk.threads import background_pool
from foleydesk.ui.compat import TaskKeeper
from foleydesk.ui.timeline import Waveform, WaveLevel

log = logging.getLogger(__name__)
SHORT_SOURCE = Fraction(300)  # seconds
PROGRESS_MS = 250  # how often the status bar hears how far the peaks build is


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns its pixels, filled by copying the array row by row (honouring
    padding). A QImage wrapping a Python buffer releases that buffer from Qt's side without the
    GIL when it is freed in a worker thread, which corrupts reference counts (seen as a
    'deallocating None' abort at exit), so the array is never wrapped."""
    height, width = rgb.shape[:2]
    image = QImage(width, height, QImage.Format.Format_RGB888)
    stride = image.bytesPerLine()
    view = np.frombuffer(image.bits(), dtype=np.uint8, count=stride * height)
    view.reshape(height, stride)[:, : width * 3] = rgb.reshape(height, width * 3)
    return image


class _SourceThread:
    """A single worker thread with its own FrameSource, opened lazily in that thread."""

    def __init__(self, path: Path, name: str, background: bool = False) -> None:
        self.path = path
        self.proxy: Path | None = None  # set from the event loop, read in the worker thread
        self.reading: Path | None = None  # the proxy the open FrameSource reads (None: source)
        self.executor = (
            background_pool(1, name)
            if background
            else ThreadPoolExecutor(1, thread_name_prefix=name)
        )
        self._local = threading.local()

    def source(self) -> FrameSource:
        src: FrameSource | None = getattr(self._local, "source", None)
        wanted = self.proxy
        if src is not None and getattr(self._local, "proxy", None) != wanted:
            src.close()  # the proxy arrived (or went): reopen reading it
            src = None
        if src is None:
            src = FrameSource(self.path, proxy=wanted)
            self._local.source = src
            self._local.proxy = wanted
            self.reading = src.proxy
        return src

    def close(self) -> None:
        def close_source() -> None:
            src = getattr(self._local, "source", None)
            if src is not None:
                src.close()
                self._local.source = None

        self.executor.submit(close_source)
        self.executor.shutdown(wait=False, cancel_futures=False)


class MediaLoader(QObject):
    frame_ready = Signal(int, QImage)  # frame index, picture
    thumbnail_ready = Signal(int, QImage)
    waveform_ready = Signal(object, str)  # Waveform | None, note
    waveform_progress = Signal(object)  # float 0..1 while peaks are built, None when done
    failed = Signal(object)  # UserError
    display_size_ready = Signal(int, int)  # as shown: rotation and sample aspect applied

    def __init__(self, project: Project, tasks: TaskKeeper, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.tasks = tasks
        self.rate: Fraction = project.source.frame_rate
        self.source_path = project.source_path
        self._viewer: _SourceThread | None = None
        self._thumbs: _SourceThread | None = None
        self._frame_busy = False
        self._frame_pending: tuple[int, tuple[int, int] | None, bool] | None = None
        self._thumb_queue: list[int] = []
        self._thumb_height = 46
        self._thumb_busy = False
        self._closed = False
        self._peaks_fraction: float | None = None  # written by the peaks thread
        self._peaks_timer = QTimer(self)
        self._peaks_timer.setInterval(PROGRESS_MS)
        self._peaks_timer.timeout.connect(self._report_peaks)
        source = project.source
        self.display_size = (source.width, source.height)  # until the decoder says otherwise
        if self.source_path is not None:
            self._viewer = _SourceThread(self.source_path, "viewer")
            # Thumbnails wait for the picture and the loop: nobody waits on one at once.
            self._thumbs = _SourceThread(self.source_path, "thumbs", background=True)
            tasks.spawn(self._learn_display_size(), "display-size")

    @property
    def can_show_frames(self) -> bool:
        return self._viewer is not None

    def why_no_frames(self) -> str:
        return self.tr("The source video was not found: relink it (File > Relink).")

    def use_proxy(self, proxy: Path | None) -> None:
        """Read pictures and thumbnails from `proxy` from the next request on (None: the source)."""
        for thread in (self._viewer, self._thumbs):
            if thread is not None:
                thread.proxy = proxy

    @property
    def reading_proxy(self) -> Path | None:
        """The proxy the viewer's decoder has open (it serves sizes that fit inside it)."""
        return self._viewer.reading if self._viewer is not None else None

    def close(self) -> None:
        self._closed = True
        for thread in (self._viewer, self._thumbs):
            if thread is not None:
                thread.close()

    async def _learn_display_size(self) -> None:
        """A phone clip shot upright is stored sideways: the decoder knows how it is shown."""
        assert self._viewer is not None
        viewer = self._viewer
        try:
            size = await asyncio.get_running_loop().run_in_executor(
                viewer.executor, lambda: tuple(viewer.source().display_size())
            )
        except Exception as exc:
            log.warning("display size unknown: %s", exc)
            return
        if not self._closed and len(size) == 2 and size[0] > 0 and size[1] > 0:
            self.display_size = (int(size[0]), int(size[1]))
            self.display_size_ready.emit(*self.display_size)

    # -- the viewer's frame --

    def request_frame(self, index: int, size: tuple[int, int] | None, exact: bool = True) -> None:
        if self._viewer is None or self._closed:
            return
        self._frame_pending = (index, size, exact)
        if not self._frame_busy:
            self._frame_busy = True
            self.tasks.spawn(self._serve_frames(), "viewer-frames")

    async def _serve_frames(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._viewer is not None
        viewer = self._viewer
        try:
            while self._frame_pending is not None and not self._closed:
                index, size, exact = self._frame_pending
                self._frame_pending = None
                try:
                    image = await loop.run_in_executor(
                        viewer.executor, self._decode_frame, viewer, index, size, exact
                    )
                except UserError as exc:
                    self.failed.emit(exc)
                    continue
                except Exception as exc:
                    log.exception("decoding frame %d failed", index)
                    self.failed.emit(
                        UserError(
                            f"Frame {index} could not be decoded ({exc}).",
                            "The file may be damaged at this point.",
                        )
                    )
                    continue
                if not self._closed:
                    self.frame_ready.emit(index, image)
        finally:
            self._frame_busy = False

    def _decode_frame(
        self, thread: _SourceThread, index: int, size: tuple[int, int] | None, exact: bool
    ) -> QImage:
        source = thread.source()
        if exact:
            frame = source.frame_at_index(index, size=size)
        else:
            frame = source.frame_at(frame_to_time(index, self.rate), size=size, exact=False)
        return rgb_to_qimage(frame.rgb)

    # -- thumbnails --

    def request_thumbnails(self, frames: list[int], height: int) -> None:
        """Newest first: frames asked for now go ahead of those still waiting."""
        if self._thumbs is None or self._closed:
            return
        self._thumb_height = height
        waiting = [f for f in self._thumb_queue if f not in frames]
        self._thumb_queue = list(frames) + waiting[:200]
        if not self._thumb_busy:
            self._thumb_busy = True
            self.tasks.spawn(self._serve_thumbs(), "thumbnails")

    async def _serve_thumbs(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._thumbs is not None
        thumbs = self._thumbs
        try:
            while self._thumb_queue and not self._closed:
                frame = self._thumb_queue.pop(0)
                try:
                    image = await loop.run_in_executor(
                        thumbs.executor, self._decode_thumb, thumbs, frame, self._thumb_height
                    )
                except Exception:
                    log.warning("thumbnail at frame %d failed", frame, exc_info=True)
                    continue
                if not self._closed:
                    self.thumbnail_ready.emit(frame, image)
        finally:
            self._thumb_busy = False

    def _decode_thumb(self, thread: _SourceThread, frame: int, height: int) -> QImage:
        source = self.project.source
        shown_w, shown_h = self.display_size
        width = max(2, round(height * shown_w / max(1, shown_h)) // 2 * 2)
        height = max(2, height // 2 * 2)
        if source.duration <= SHORT_SOURCE:  # exact pictures are cheap on a short clip
            video = thread.source().frame_at_index(frame, size=(width, height))
        else:
            video = thread.source().frame_at(
                frame_to_time(frame, self.rate), size=(width, height), exact=False
            )
        return rgb_to_qimage(video.rgb)

    # -- waveform --

    def load_waveform(self) -> None:
        if not self.project.source.has_audio:
            self.waveform_ready.emit(None, self.tr("The source has no audio track."))
            return
        if self.source_path is None:
            self.waveform_ready.emit(None, self.tr("Source video not found."))
            return
        self.tasks.spawn(self._load_waveform(), "peaks")

    async def _load_waveform(self) -> None:
        loop = asyncio.get_running_loop()
        self._peaks_fraction = 0.0
        self._peaks_timer.start()  # a cached waveform is in before the first report
        # Built at background priority: a first open reads the whole soundtrack while the
        # editor may already be playing the picture.
        pool = background_pool(1, "foleydesk-source-peaks")
        try:
            waveform = await loop.run_in_executor(pool, self._waveform_in_thread)
        except UserError as exc:
            self.waveform_ready.emit(None, exc.message)
            return
        except Exception as exc:
            log.exception("peaks failed")
            self.waveform_ready.emit(None, self.tr("No waveform ({0}).").format(exc))
            return
        finally:
            pool.shutdown(wait=False)
            self._peaks_timer.stop()
            self._peaks_fraction = None
            if not self._closed:
                self.waveform_progress.emit(None)
        if not self._closed:
            self.waveform_ready.emit(waveform, "")

    def _waveform_in_thread(self) -> Waveform | None:
        """The source's peaks (cached, or built with progress) made paintable, in a worker:
        folding a 2-hour source's channels is milliseconds of numpy the loop need not wait."""
        peaks = source_waveform_peaks(self.project, self._on_peaks_progress)
        return waveform_from_peaks(peaks, self.rate)

    def _on_peaks_progress(self, fraction: float) -> None:
        """Called in the peaks thread: only stores the number (the timer reports it)."""
        self._peaks_fraction = fraction

    def _report_peaks(self) -> None:
        fraction = self._peaks_fraction
        if fraction is not None and not self._closed:
            self.waveform_progress.emit(fraction)


def waveform_from_peaks(peaks: Peaks | None, rate: Fraction) -> Waveform | None:
    """Adapt the media engine's Peaks (levels of min/max buckets) to what the timeline paints."""
    if peaks is None:
        return None
    levels: list[WaveLevel] = []
    samples_per_frame = float(Fraction(peaks.sample_rate) / rate)
    for size, mins, maxs in zip(peaks.bucket_sizes, peaks.mins, peaks.maxs, strict=False):
        lo, hi = np.asarray(mins, dtype=np.float32), np.asarray(maxs, dtype=np.float32)
        if lo.ndim > 1:
            lo, hi = lo.min(axis=1), hi.max(axis=1)
        levels.append(WaveLevel(lo, hi, samples_per_frame / size))
    return Waveform(levels) if levels else None
