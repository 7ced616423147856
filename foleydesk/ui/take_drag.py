"""Take edits by mouse on a cue block: a fade handle dragged, or the gain line dragged (Alt-drag
anywhere on the block, or the line itself: many Linux window managers keep Alt-drag for moving
windows). Previewed live while dragging, one undoable EditTake on release."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QPointF, QRectF

from foleydesk.core.commands import EditTake
from foleydesk.core.model import Cue, Take, TakeStatus
from foleydesk.core.timebase import PROJECT_SAMPLE_RATE
from foleydesk.errors import UserError
from foleydesk.ui.cue_painter import HANDLE_GRAB_PX, HANDLE_PX, CuePainter, Handle, View, gain_to_y
from foleydesk.ui.session import ProjectSession

GAIN_GRAB_PX = 2.5  # how near the gain line a press grabs it
GAIN_DB_PER_PX = 0.5
MIN_GAIN_DB, MAX_GAIN_DB = -60.0, 24.0  # as the takes panel's gain box


@dataclass
class TakeDrag:
    """A fade handle or the gain line being dragged: previewed live, one undo step on release."""

    cue_id: int
    take_id: int
    what: Handle | None  # None: the gain line (Alt-drag)
    value: float  # samples for a fade, dB for gain
    start_y: float = 0.0
    start_gain: float = 0.0


class TakeDragger:
    """Turns presses on a block's fade handles, or Alt-presses on a block, into take edits.
    The timeline gives it each cue's rectangle and its view; it pushes EditTake on release."""

    def __init__(
        self,
        session: ProjectSession,
        painter: CuePainter,
        rect_of: Callable[[Cue], QRectF],
        view_of: Callable[[], View],
    ) -> None:
        self.session = session
        self.painter = painter
        self.rect_of = rect_of
        self.view_of = view_of
        self.drag: TakeDrag | None = None

    def chosen(self, cue: Cue) -> Take | None:
        take = self.session.project.chosen_take(cue)
        return take if take is not None and take.status is TakeStatus.READY else None

    def hover_gain(self, pos: QPointF, cue: Cue | None) -> bool:
        take = self.chosen(cue) if cue is not None else None
        return cue is not None and take is not None and self.on_gain_line(cue, take, pos)

    def hover(self, pos: QPointF) -> tuple[Cue, Handle] | None:
        """The cue and fade handle under the pointer (for the cursor and the press)."""
        for cue in reversed(self.session.project.sorted_cues()):
            rect = self.rect_of(cue)
            if not rect.adjusted(-HANDLE_GRAB_PX, 0, HANDLE_GRAB_PX, 0).contains(pos):
                continue
            selected = self.session.is_selected(cue.id)
            handle = self.painter.handle_at(
                cue, self.chosen(cue), rect, self.view_of(), pos, selected
            )
            return (cue, handle) if handle is not None else None
        return None

    def press(self, pos: QPointF, cue: Cue | None, alt: bool) -> bool:
        """Start a drag if the press is on a fade handle, or Alt on a cue with a take."""
        hit = self.hover(pos)
        if hit is not None:
            cue, handle = hit
            take = self.chosen(cue)
            assert take is not None
            length = take.fade_in_samples if handle is Handle.FADE_IN else take.fade_out_samples
            self.drag = TakeDrag(cue.id, take.id, handle, float(length))
            self.session.select_cue(cue.id)
            return True
        take = self.chosen(cue) if cue is not None else None
        if cue is None or take is None:
            return False
        if alt or self.on_gain_line(cue, take, pos):
            self.drag = TakeDrag(cue.id, take.id, None, take.gain_db, pos.y(), take.gain_db)
            self.session.select_cue(cue.id)
            return True
        return False

    def on_gain_line(self, cue: Cue, take: Take, pos: QPointF) -> bool:
        """The pointer is on the drawn gain line (the handle for gain without Alt, which many
        Linux window managers keep for moving windows), away from the trim edges."""
        if not (self.session.is_selected(cue.id) or take.gain_db != 0.0):
            return False
        rect = self.rect_of(cue)
        if rect.width() < 4 * HANDLE_PX:
            return False
        inside = rect.left() + HANDLE_GRAB_PX < pos.x() < rect.right() - HANDLE_GRAB_PX
        return inside and abs(pos.y() - gain_to_y(take.gain_db, rect)) <= GAIN_GRAB_PX

    def move(self, pos: QPointF) -> None:
        drag = self.drag
        assert drag is not None
        project = self.session.project
        cue, take = project.cues.get(drag.cue_id), project.takes.get(drag.take_id)
        if cue is None or take is None:
            self.drag = None
            return
        if drag.what is None:
            # Half a dB per pixel from where the press was: a lane is too short for the line
            # to follow the pointer finely, so it moves by the drag, not to the pointer.
            db = drag.start_gain + (drag.start_y - pos.y()) * GAIN_DB_PER_PX
            drag.value = round(min(MAX_GAIN_DB, max(MIN_GAIN_DB, db)) * 2) / 2
        else:
            drag.value = self.painter.fade_for(drag.what, cue, take, self.view_of(), pos.x())

    def preview(self, take: Take) -> Take:
        """The take as the drag would leave it (painted while dragging)."""
        drag = self.drag
        if drag is None or drag.take_id != take.id:
            return take
        return replace(take, **self._changes(drag))

    @staticmethod
    def _changes(drag: TakeDrag) -> dict[str, Any]:
        if drag.what is Handle.FADE_IN:
            return {"fade_in_samples": int(drag.value)}
        if drag.what is Handle.FADE_OUT:
            return {"fade_out_samples": int(drag.value)}
        return {"gain_db": float(drag.value)}

    def label(self) -> str:
        """What the drag sets, in words, for the block while dragging."""
        drag = self.drag
        if drag is None:
            return ""
        if drag.what is None:
            return f"gain {drag.value:+.1f} dB"
        ms = drag.value * 1000 / PROJECT_SAMPLE_RATE
        return f"{drag.what.value} {ms:.0f} ms"

    def release(self) -> UserError | None:
        """Commit the drag as one undoable edit; the error to show if the edit was refused."""
        drag, self.drag = self.drag, None
        take = self.session.project.takes.get(drag.take_id) if drag is not None else None
        if drag is None or take is None:
            return None
        changes = {k: v for k, v in self._changes(drag).items() if getattr(take, k) != v}
        if not changes:
            return None
        text = {Handle.FADE_IN: "Fade in", Handle.FADE_OUT: "Fade out", None: "Take gain"}
        try:
            self.session.push(EditTake(take.id, changes, text[drag.what]))
        except UserError as exc:
            return exc
        return None
