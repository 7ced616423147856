"""A minimal observer so views can follow the model without polling, and without Qt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Signal(Generic[T]):
    """Calls every connected handler with one value; a failing handler never stops the others."""

    def __init__(self) -> None:
        self._handlers: list[Callable[[T], None]] = []

    def connect(self, handler: Callable[[T], None]) -> None:
        if handler not in self._handlers:
            self._handlers.append(handler)

    def disconnect(self, handler: Callable[[T], None]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    def emit(self, value: T) -> None:
        for handler in list(self._handlers):
            try:
                handler(value)
            except Exception:  # a broken view must not break the model
                log.exception("change handler %r failed", handler)


class Entity(StrEnum):
    PROJECT = "project"
    SOURCE = "source"
    LANE = "lane"
    CUE = "cue"
    TAKE = "take"
    JOB = "job"
    MARKER = "marker"


class Action(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"


@dataclass(frozen=True)
class Change:
    """What changed: which kind of thing, which one, and how."""

    entity: Entity
    id: int
    action: Action
