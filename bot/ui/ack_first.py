"""Acknowledgements before other work: Discord drops an interaction not answered in 3 s.

A burst of commands all share one event loop. Without an order, the records, submits and
first edits of the commands answered first run between the acknowledgements of those
still waiting, and push the last of them past Discord's 3 s. Work that follows an
acknowledgement therefore waits while others are still being acknowledged, for at most
`most_wait` seconds so that a steady stream of commands cannot hold it back for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

MOST_WAIT_SECONDS = 1.0


class AckFirst:
    def __init__(self, *, most_wait: float = MOST_WAIT_SECONDS) -> None:
        self._most_wait = most_wait
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        """Interactions being acknowledged now."""
        return self._pending

    @contextlib.contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around the steps up to and including an interaction's acknowledgement."""
        self._pending += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._pending -= 1
            if not self._pending:
                self._idle.set()

    async def after_acks(self) -> None:
        """Return once no acknowledgement is pending (at once when none is)."""
        if self._pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self._most_wait)
