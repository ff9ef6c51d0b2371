"""When the aggregator refuses polls (429, 5xx): wait its `Retry-After` if it gave one,
else the poll interval doubled per refused poll in a row, both capped; a poll it answers
throughout ends the streak. Logged once as a streak starts and once as it ends."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.core.mj.errors import MJError, MJRateLimitedError, MJServerError

log = logging.getLogger("bot.core.tracker")


def is_refusal(exc: MJError) -> bool:
    """The aggregator is overloaded or limiting us: 429 or 5xx. Polling backs off."""
    return isinstance(exc, MJRateLimitedError | MJServerError)


class PollBackoff:
    def __init__(
        self, *, poll_interval: float, max_delay: float, clock: Callable[[], float]
    ) -> None:
        self._poll_interval = poll_interval
        self._max_delay = max_delay
        self._clock = clock
        self._refusals = 0  # polls refused in a row
        self._until = float("-inf")

    @property
    def waiting(self) -> bool:
        return self._clock() < self._until

    @property
    def remaining(self) -> float:
        return max(0.0, self._until - self._clock())

    def note(self, refused: Sequence[MJError]) -> None:
        """After a poll: the refusals it met, if any."""
        if not refused:
            if self._refusals:
                log.info("aggregator answers polls again after %d refused", self._refusals)
            self._refusals = 0
            return
        self._refusals += 1
        hints = [
            exc.retry_after
            for exc in refused
            if isinstance(exc, MJRateLimitedError) and exc.retry_after is not None
        ]
        doubled = self._poll_interval * 2.0 ** min(self._refusals, 30)
        delay = min(max(hints) if hints else doubled, self._max_delay)
        self._until = self._clock() + delay
        if self._refusals == 1:
            log.warning(
                "aggregator refused polling (%s); polling waits %.1f s, then backs off "
                "until it answers",
                refused[0],
                delay,
            )
