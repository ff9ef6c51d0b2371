"""How idempotent queries are retried: capped, jittered exponential backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for idempotent queries: attempts in all, delays doubling up to a cap."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 5.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        backoff = min(self.base_delay * 2.0**attempt, self.max_delay)
        return backoff * (0.5 + random.random() / 2)  # jitter: spread out many clients
