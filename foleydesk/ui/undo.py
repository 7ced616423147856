"""QUndoCommand over the core's commands, so the Edit menu, Ctrl+Z and the CLI share one history.

The core command is run once before it is pushed (so a UserError never reaches the stack);
QUndoStack's own first redo() is then skipped.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand, QUndoStack

from foleydesk.core.commands import Command
from foleydesk.core.project import Project


class CoreUndoCommand(QUndoCommand):
    def __init__(self, project: Project, command: Command) -> None:
        super().__init__(command.text)
        self.project = project
        self.command = command
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        with self.project.transaction():
            self.command.redo(self.project)

    def undo(self) -> None:
        with self.project.transaction():
            self.command.undo(self.project)


def push(stack: QUndoStack, project: Project, command: Command) -> Command:
    """Do the edit (raises UserError when it is not allowed) and record it for undo."""
    with project.transaction():
        command.redo(project)
    stack.push(CoreUndoCommand(project, command))
    return command
