"""Time-based snowflakes, so discord.py's `created_at`/`expires_at` maths sees real times."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def snowflake(at: dt.datetime | None = None) -> int:
    """A unique snowflake whose timestamp part is `at` (default: now)."""
    when = at or now()
    ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
    # Worker/process bits stay 0; the 12-bit increment keeps ids unique within a millisecond.
    return (ms << 22) | (next(_counter) & 0xFFF)


def snowflake_time(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(((value >> 22) + DISCORD_EPOCH_MS) / 1000, dt.UTC)


def interaction_token() -> str:
    """Shaped like Discord's: `aW50ZXJhY3Rpb246...` style opaque url-safe text."""
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(120)
