"""Who hears of each API request's outcome (the aggregator's health), and how."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.mj.errors import MJError

log = logging.getLogger(__name__)

# Told of each API request's outcome: (True, None), or (False, the error). Must not block.
RequestObserver = Callable[[bool, MJError | None], None]


def tell(observer: RequestObserver, ok: bool, error: MJError | None) -> None:
    try:
        observer(ok, error)
    except Exception:  # a broken observer must not change the request's outcome
        log.exception("request observer failed")
