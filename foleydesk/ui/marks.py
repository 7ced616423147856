"""In/Out marks, Make cue, trim keys and edit-point navigation, as an NLE editor's hands expect.

I and O set marks on the ruler, independent of cues (Premiere, Resolve); Enter ("Make cue")
turns the marked range into a cue on the lane last clicked. A selected cue's edges move only with
the explicit trim keys [ and ] (Resolve's Shift+[ / Shift+]). The Out mark is kept as an
exclusive end frame (as cues are) and shown as the last included frame, as the NLEs show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from foleydesk.core.commands import AddCue, EditCue
from foleydesk.core.model import Cue, CueKind
from foleydesk.errors import UserError
from foleydesk.settings import load_settings

if TYPE_CHECKING:
    from foleydesk.ui.main_window import MainWindow
    from foleydesk.ui.session import ProjectSession


def tr(text: str) -> str:
    return QCoreApplication.translate("MarkKeys", text)


class MarkKeys:
    """The window's mark, trim and navigation commands (bound to keys by menus.py)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    @property
    def session(self) -> ProjectSession | None:
        return self.window.session

    # -- marks --

    def marks_text(self, session: ProjectSession) -> str:
        """'In 00:00:01:05  Out 00:00:02:04 (25 frames)': Out is the last included frame."""
        parts = []
        if session.mark_in is not None:
            parts.append(tr("In {0}").format(session.timecode(session.mark_in)))
        if session.mark_out is not None:
            parts.append(tr("Out {0}").format(session.timecode(session.mark_out - 1)))
        if session.mark_in is not None and session.mark_out is not None:
            parts.append(tr("({0} frames)").format(session.mark_out - session.mark_in))
        return "  ".join(parts)

    def _show_marks(self, session: ProjectSession) -> None:
        self.window.status.showMessage(self.marks_text(session), 6000)

    def mark_in(self) -> None:
        session = self.session
        if session is None:
            return
        here = session.position
        out = session.mark_out if session.mark_out is not None and session.mark_out > here else None
        session.set_marks(here, out)
        self._show_marks(session)

    def mark_out(self) -> None:
        session = self.session
        if session is None:
            return
        out = min(session.position + 1, session.frame_count)
        mark_in = session.mark_in if session.mark_in is not None and session.mark_in < out else None
        session.set_marks(mark_in, out)
        self._show_marks(session)
        if mark_in is not None and load_settings().o_makes_cue:
            self.make_cue()

    def clear_marks(self) -> None:
        session = self.session
        if session is not None:
            session.set_marks(None, None)
            self.window.banner.hide()

    def mark_clip(self) -> None:
        """X: In and Out to the edges of the cue under the playhead (the selected one first)."""
        session = self.session
        if session is None:
            return
        cue = self.cue_at_playhead(session)
        if cue is None:
            self.window.status.showMessage(tr("No cue under the playhead."), 4000)
            return
        session.set_marks(cue.in_frame, cue.out_frame)
        self._show_marks(session)

    def select_at_playhead(self) -> None:
        """D (Premiere's "select clip at playhead"): the keyboard's way to pick a cue."""
        session = self.session
        if session is None:
            return
        here = session.position
        under = [c for c in session.project.sorted_cues() if c.in_frame <= here < c.out_frame]
        if not under:
            self.window.status.showMessage(tr("No cue under the playhead."), 4000)
            return
        ids = [c.id for c in under]
        # Pressed again over stacked cues (several lanes): the next one down.
        if session.selected_cue_id in ids:
            ids = (
                ids[ids.index(session.selected_cue_id) + 1 :]
                + ids[: ids.index(session.selected_cue_id) + 1]
            )
        session.select_cue(ids[0])

    @staticmethod
    def cue_at_playhead(session: ProjectSession) -> Cue | None:
        here = session.position
        selected = session.selected_cue
        if selected is not None and selected.in_frame <= here < selected.out_frame:
            return selected
        under = [c for c in session.project.sorted_cues() if c.in_frame <= here < c.out_frame]
        return under[0] if under else None

    def go_in(self) -> None:
        session = self.session
        if session is not None and session.mark_in is not None:
            self.window.seek(session.mark_in)

    def go_out(self) -> None:
        session = self.session
        if session is not None and session.mark_out is not None:
            self.window.seek(session.mark_out - 1)

    # -- cues --

    def make_cue(self) -> bool:
        """The marked range (Out: the mark, else the playhead's frame) becomes a cue on the
        lane last clicked; the marks are cleared so the next I starts afresh."""
        session = self.session
        if session is None:
            return False
        if session.mark_in is None:
            self.window.show_error(
                UserError(
                    tr("Mark an in point first (I)."),
                    tr("I and O mark a range; Enter makes it a cue."),
                )
            )
            return False
        start = session.mark_in
        end = session.mark_out if session.mark_out is not None else session.position + 1
        if end <= start:
            self.window.show_error(
                UserError(
                    tr("The Out point is before the In point."),
                    tr("Move past the In mark and press O, then Enter."),
                )
            )
            return False
        lane = session.project.lanes.get(session.active_lane_id or -1)
        if lane is None:
            lane = session.project.default_lane(CueKind.FOLEY)
        kind = CueKind.MUSIC if lane.kind.value == CueKind.MUSIC.value else CueKind.FOLEY
        number = len(session.project.cues) + 1
        command = AddCue(
            Cue(
                0,
                lane.id,
                start,
                end,
                label=f"Cue {number}",
                colour="",
                kind=kind,
                provider_id=self.window.inspector.provider_combo.currentData(),
            ),
            tr("Make cue"),
        )
        try:
            session.push(command)
        except UserError as exc:
            self.window.show_error(exc)
            return False
        session.set_marks(None, None)
        assert command.created is not None
        session.select_cue(command.created.id)
        self.window.status.showMessage(
            tr("{0} on {1}: {2} \u2013 {3} ({4} frames). Enter edits its prompt.").format(
                command.created.display_name(),
                lane.name,
                session.timecode(start),
                session.timecode(end - 1),
                end - start,
            ),
            6000,
        )
        return True

    def enter(self) -> None:
        """Enter: in the cue list, go to the cue (the keys stay there); with an In mark, Make
        cue; otherwise edit the selected cue's prompt (cursor at the end, nothing selected)."""
        session = self.session
        if session is None:
            return
        focus = self.window.focusWidget()
        if (focus is not None and self.window.cue_table.isAncestorOf(focus)) or (
            focus is self.window.cue_table
        ):
            cue = session.selected_cue
            if cue is not None:
                self.window.seek(cue.in_frame)
            return
        panels = (self.window.inspector_dock, self.window.side_dock)
        if focus is not None and any(p.isAncestorOf(focus) or p is focus for p in panels):
            self.window.timeline.setFocus()  # Enter on a box or button there: keys back, no more
            return
        if session.mark_in is not None or session.mark_out is not None:
            self.make_cue()
        elif session.selected_cue is not None:
            self.window.edit_prompt()
        else:
            self.window.status.showMessage(
                tr("Mark a range with I and O, then Enter makes it a cue."), 5000
            )

    def trim_start(self) -> None:
        """[ : the selected cue starts at the playhead."""
        self._trim(start=True)

    def trim_end(self) -> None:
        """] : the selected cue ends with the playhead's frame (included)."""
        self._trim(start=False)

    def _trim(self, start: bool) -> None:
        session = self.session
        if session is None:
            return
        cue = session.selected_cue
        if cue is None:
            self.window.status.showMessage(tr("Select a cue to trim."), 4000)
            return
        here = session.position
        if start:
            changes, text = {"in_frame": here}, tr("Trim cue start")
        else:
            changes, text = {"out_frame": here + 1}, tr("Trim cue end")
        new_in = changes.get("in_frame", cue.in_frame)
        new_out = changes.get("out_frame", cue.out_frame)
        if new_out <= new_in:
            self.window.show_error(
                UserError(
                    tr("That would leave the cue with no frames."),
                    tr("[ trims the start to the playhead, ] the end; stay inside the cue."),
                )
            )
            return
        try:
            session.push(EditCue(cue.id, changes, text))
        except UserError as exc:
            self.window.show_error(exc)

    # -- navigation --

    def edit_points(self, session: ProjectSession) -> list[int]:
        """Cue edges, markers and marks: where Up/Down and ; / ' stop."""
        points = set(session.cue_edges())
        points.update(m.frame for m in session.project.markers.values())
        if session.mark_in is not None:
            points.add(session.mark_in)
        if session.mark_out is not None:
            points.add(session.mark_out - 1)
        return sorted(p for p in points if 0 <= p < session.frame_count)

    def jump(self, direction: int) -> None:
        session = self.session
        if session is None:
            return
        self._jump_among(session, self.edit_points(session), direction)

    def jump_marker(self, direction: int) -> None:
        session = self.session
        if session is None:
            return
        frames = sorted({m.frame for m in session.project.markers.values()})
        if not frames:
            self.window.status.showMessage(tr("No markers yet (M adds one)."), 4000)
            return
        self._jump_among(session, frames, direction)

    def _jump_among(self, session: ProjectSession, frames: list[int], direction: int) -> None:
        here = session.position
        if direction > 0:
            later = [f for f in frames if f > here]
            target = later[0] if later else here
        else:
            earlier = [f for f in frames if f < here]
            target = earlier[-1] if earlier else here
        self.window.seek(target)
