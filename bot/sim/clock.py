"""A hand-driven clock for deterministic tests and benchmarks."""

from __future__ import annotations


class ManualClock:
    """Callable like time.monotonic, but only moves when told to."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.now += seconds
        return self.now
