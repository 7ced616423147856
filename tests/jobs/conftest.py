"""The shared `project` fixture (a real clip, one cue)."""

from tests.fakes.harness import project

__all__ = ["project"]
