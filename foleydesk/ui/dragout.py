"""Drag a take, a cue or a lane out of the app: a Broadcast WAV at the right timecode arrives.

Cues render their chosen take as a clip (BWF, TimeReference at the in point) and lanes render a
full-length stem, on demand, into the project's exports/drag folder. Short renders happen while
the mouse waits; long ones render off the loop under a wait cursor and the drag starts when
the file is ready if the button is still held, so one drag gives the file (a drag cannot wait
for a file without freezing the window). A take that is not the chosen one arrives as its own
48 kHz WAV.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QWidget

from foleydesk import loopguard
from foleydesk.errors import UserError
from foleydesk.media.render import render_cue_clip, render_lane_stem
from foleydesk.media.stems import safe_name

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
SYNC_RENDER_LIMIT = Fraction(8)  # seconds of audio rendered while the mouse waits


def start_file_drag(widget: QWidget, path: str) -> None:
    """Hand a file to the desktop (file manager, Premiere, Resolve) as a drag."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    drag = QDrag(widget)
    drag.setMimeData(mime)
    drag.exec(Qt.DropAction.CopyAction)


def _rendered(
    window: MainWindow,
    out: Path,
    length: Fraction,
    render: Callable[[], Any],
    widget: QWidget | None = None,
) -> Path | None:
    """The file, rendered now (or still fresh); None when it renders in the background or
    cannot be rendered (the window says why). A long render runs off the loop under a wait
    cursor; if the mouse button is still held when it is done, the drag starts there and then
    (one drag gives the file), otherwise the window says it is ready."""
    if window.session is None:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    if window.drag_renders.get(out) == window.edit_revision and out.is_file():
        return out
    if length > SYNC_RENDER_LIMIT:
        revision = window.edit_revision
        session = window.session

        waiting = [True]

        def stop_waiting(*_args: object) -> None:
            if waiting:
                waiting.clear()
                QApplication.restoreOverrideCursor()

        async def later() -> None:
            try:
                await asyncio.get_running_loop().run_in_executor(None, render)
            except UserError as exc:
                window.show_error(exc)
                return
            finally:
                stop_waiting()
            window.drag_renders[out] = revision
            held = QApplication.mouseButtons() & Qt.MouseButton.LeftButton
            if widget is not None and held and window.session is session:
                window.status.showMessage(f"{out.name} is ready: drop it where you want it.", 5000)
                start_file_drag(widget, str(out))
            else:
                window.show_info(f"{out.name} is rendered: drag it out again.")

        window.status.showMessage(f"Rendering {out.name}: keep holding the mouse button...")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        # Restored when it is done, also when the task is cancelled before it ran (closing).
        window.tasks.spawn(later(), "drag-render").add_done_callback(stop_waiting)
        return None
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        # A drag hands over a file at once; up to 8 s of audio renders in a few tens of ms,
        # which the loop guard lets pass here (and only here) by design.
        with loopguard.allowed():
            render()
    except UserError as exc:
        window.show_error(exc)
        return None
    finally:
        QApplication.restoreOverrideCursor()
    window.drag_renders[out] = window.edit_revision
    return out


def drag_take(window: MainWindow, take_id: int) -> None:
    session = window.session
    if session is None:
        return
    project = session.project
    take = project.takes.get(take_id)
    cue = project.cues.get(take.cue_id) if take is not None else None
    if take is None or cue is None or not take.file:
        return
    if cue.chosen_take_id == take.id:
        drag_cue(window, cue.id, window.takes_panel.table)
        return
    path = project.take_path(take)
    if path.is_file():
        start_file_drag(window.takes_panel.table, str(path))


def cue_file(window: MainWindow, cue_id: int, widget: QWidget | None = None) -> Path | None:
    """The cue's chosen take as a BWF clip at its in point's timecode, ready to hand over."""
    session = window.session
    if session is None:
        return None
    project = session.project
    cue = project.cues.get(cue_id)
    if cue is None:
        return None
    out = project.exports_dir / "drag" / f"{safe_name(cue.display_name(), 'clip')}.wav"
    return _rendered(
        window,
        out,
        cue.duration(session.rate),
        lambda: render_cue_clip(project, cue, out),
        widget,
    )


def drag_cue(window: MainWindow, cue_id: int, widget: QWidget) -> None:
    path = cue_file(window, cue_id, widget)
    if path is not None:
        start_file_drag(widget, str(path))


def lane_file(window: MainWindow, lane_id: int, widget: QWidget | None = None) -> Path | None:
    """A full-length stem of the lane from the source's start timecode."""
    session = window.session
    if session is None:
        return None
    project = session.project
    lane = project.lanes.get(lane_id)
    if lane is None:
        return None
    name = f"{safe_name(project.name)} - {safe_name(lane.name)} stem.wav"
    out = project.exports_dir / "drag" / name
    return _rendered(
        window,
        out,
        project.source.duration,
        lambda: render_lane_stem(project, lane, out),
        widget,
    )


def drag_lane(window: MainWindow, lane_id: int, widget: QWidget) -> None:
    path = lane_file(window, lane_id, widget)
    if path is not None:
        start_file_drag(widget, str(path))
