"""Drag a take out of the app: a Broadcast WAV at the cue's timecode is what arrives.

A chosen take is rendered as the cue's clip (BWF, TimeReference at its in point), on demand,
into the project's exports folder. Clips are seconds long, so rendering at drag start is quick;
long ones are rendered in the background and the drag is offered once they are ready.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import TYPE_CHECKING

from foleydesk.errors import UserError
from foleydesk.ui import engines
from foleydesk.ui.takes_panel import start_file_drag

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
SYNC_RENDER_LIMIT = Fraction(20)  # seconds of clip rendered while the mouse waits


def drag_take(window: MainWindow, take_id: int) -> None:
    session = window.session
    if session is None:
        return
    project = session.project
    take = project.takes.get(take_id)
    if take is None or not take.file:
        return
    cue = project.cues.get(take.cue_id)
    if cue is None:
        return
    render = engines.get(engines.RENDER)
    if cue.chosen_take_id != take.id or render is None:
        # Not chosen (or no renderer): the take's own 48 kHz WAV, starting at the cue's in point.
        path = project.take_path(take)
        if path.is_file():
            start_file_drag(window.takes_panel.table, str(path))
        return
    name = f"{cue.display_name()} take {take.id}".replace("/", "-")
    out = project.exports_dir / "drag" / f"{name}.wav"
    out.parent.mkdir(parents=True, exist_ok=True)
    if cue.duration(session.rate) > SYNC_RENDER_LIMIT and not out.exists():
        window.tasks.spawn(_render_later(window, render, cue.id, out), "drag-render")
        window.show_info(f"Rendering {out.name}; drag it again in a moment.")
        return
    try:
        render(project, cue, out)
    except UserError as exc:
        window.show_error(exc)
        return
    start_file_drag(window.takes_panel.table, str(out))


async def _render_later(window: MainWindow, render: object, cue_id: int, out: object) -> None:
    import asyncio

    session = window.session
    if session is None:
        return
    cue = session.project.cue(cue_id)
    await asyncio.get_running_loop().run_in_executor(
        None,
        lambda: render(session.project, cue, out),  # type: ignore[operator]
    )
    window.show_info(f"{getattr(out, 'name', out)} is ready: drag the take out again.")
