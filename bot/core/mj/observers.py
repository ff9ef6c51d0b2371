"""Who hears of each API request's outcome (the aggregator's health), and how."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.mj.errors import MJError

log = logging.getLogger(__name__)

# Told of each API request's outcome: (True, None, seconds), or (False, the error,
# seconds); `seconds` is how long the request took. Must not block.
RequestObserver = Callable[[bool, MJError | None, float], None]


def tell(observer: RequestObserver, ok: bool, error: MJError | None, seconds: float) -> None:
    try:
        observer(ok, error, seconds)
    except Exception:  # a broken observer must not change the request's outcome
        log.exception("request observer failed")
