"""Seeds as each model takes them. Our seeds run up to 2**31; some models take less (fal's
MMAudio v2: 0-65535). A seed is folded into the model's range (not clamped to its edge, which
would make every take above the edge the same take) and the seed actually sent is recorded on
the take, so "make this take again" sends exactly that."""

from __future__ import annotations


def fit_seed(seed: int, low: int, high: int) -> int:
    """`seed` folded into [low, high]; seeds already inside are sent unchanged."""
    if low <= seed <= high:
        return seed
    return low + (seed - low) % (high - low + 1)
