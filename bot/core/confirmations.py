"""Questions waiting for a user's Confirm or Cancel, kept in memory for a while.

A key is taken once: of two presses (a double click), the second finds it answered. A
key this process does not know (it expired, or the bot restarted since it was asked)
is simply expired: the user runs the command again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")
EXPIRY_SECONDS = 600.0  # well inside the 15 minutes an interaction token lives
_MAX_WAITING = 10_000  # a flood of unanswered questions cannot grow memory without end


class Unavailable(StrEnum):
    EXPIRED = "expired"  # unknown, too old, or from before a restart
    ANSWERED = "answered"  # pressed already (the other button, or a double click)
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class _Waiting(Generic[T]):
    user_id: int
    value: T
    expires_at: float


class Confirmations(Generic[T]):
    def __init__(
        self, *, expiry: float = EXPIRY_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.expiry = expiry
        self._clock = clock
        self._waiting: dict[str, _Waiting[T]] = {}
        self._answered: dict[str, float] = {}  # key -> when it expires anyway

    def ask(self, user_id: int, value: T) -> tuple[str, float]:
        """A new key for `value` and when it expires (a Unix time)."""
        self._forget_old()
        key = secrets.token_urlsafe(12)
        expires_at = self._clock() + self.expiry
        self._waiting[key] = _Waiting(user_id, value, expires_at)
        return key, expires_at

    def take(self, key: str, user_id: int) -> T | Unavailable:
        """The value, once; no await between the look-up and the removal."""
        waiting = self._waiting.get(key)
        if waiting is None:
            return Unavailable.ANSWERED if key in self._answered else Unavailable.EXPIRED
        if waiting.user_id != user_id:
            return Unavailable.NOT_YOURS
        del self._waiting[key]
        if waiting.expires_at <= self._clock():
            return Unavailable.EXPIRED
        self._answered[key] = waiting.expires_at
        return waiting.value

    def _forget_old(self) -> None:
        now = self._clock()
        self._waiting = {k: w for k, w in self._waiting.items() if w.expires_at > now}
        self._answered = {k: at for k, at in self._answered.items() if at > now}
        while len(self._waiting) >= _MAX_WAITING:  # the oldest question goes first
            del self._waiting[next(iter(self._waiting))]
