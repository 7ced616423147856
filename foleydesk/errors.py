"""Errors a user can meet: a message in the user's words plus a hint on what to do."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad input, a bad file). The CLI exits 2 and the UI shows it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message
