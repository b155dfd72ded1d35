"""A process-wide count of offer and model changes, so cached rankings notice them at once."""

from __future__ import annotations

_generation = 0


def generation() -> int:
    return _generation


def bump() -> None:
    global _generation
    _generation += 1
