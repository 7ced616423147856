"""QUndoCommand over the core's commands, so the Edit menu, Ctrl+Z and the CLI share one history.

The core command is run once before it is pushed (so a UserError never reaches the stack);
QUndoStack's own first redo() is then skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from foleydesk.core.commands import Command
from foleydesk.core.project import Project
from foleydesk.errors import UserError


class CoreUndoCommand(QUndoCommand):
    """A refused undo or redo (another process changed what the edit wrote) does nothing, is
    reported, and leaves the stack: it can no longer be reversed exactly."""

    def __init__(
        self, project: Project, command: Command, refused: Callable[[UserError], None]
    ) -> None:
        super().__init__(command.text)
        self.project = project
        self.command = command
        self.refused = refused
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(self.command.redo)

    def undo(self) -> None:
        self._run(self.command.undo)

    def _run(self, step: Callable[[Project], None]) -> None:
        try:
            with self.project.transaction():
                step(self.project)
        except UserError as exc:
            self.setObsolete(True)  # QUndoStack drops an obsolete command after undo/redo
            self.refused(exc)


def push(
    stack: QUndoStack,
    project: Project,
    command: Command,
    refused: Callable[[UserError], None] = lambda _e: None,
) -> Command:
    """Do the edit (raises UserError when it is not allowed) and record it for undo."""
    with project.transaction():
        command.redo(project)
    stack.push(CoreUndoCommand(project, command, refused))
    return command
