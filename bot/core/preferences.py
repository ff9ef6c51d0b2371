"""A user's own defaults (/settings): speed, model, a prompt suffix, private results,
remix and the V buttons' variation strength. What a user gives on a command wins."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.ports import PreferenceStore
from bot.core.validation import Rejection, RequestRejectedError

MAX_SUFFIX_CHARS = 200
CACHE_SECONDS = 30.0  # how stale another process's change may be seen here
CACHE_USERS = 10_000
KNOWN_OVERLAP_SECONDS = 60.0  # re-read rows this much older than the last read (clock skew)

log = logging.getLogger(__name__)


class VariationStrength(StrEnum):
    STRONG = "strong"
    SUBTLE = "subtle"


class UserPreferences(BaseModel):
    """Nothing set means the server's (or the aggregator's) own default."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    mode: SpeedMode | None = None
    bot_type: BotType | None = None
    suffix: str = ""
    private: bool = False
    remix: bool = False
    variation: VariationStrength | None = None

    def with_suffix(self, prompt: str) -> str:
        """The prompt with the user's suffix appended, unless it already ends with it."""
        suffix = self.suffix.strip()
        if not suffix or prompt.rstrip().endswith(suffix):
            return prompt
        return f"{prompt.rstrip()} {suffix}"

    @property
    def strong(self) -> bool | None:
        """`strong` for a V button's action; None leaves it to the aggregator."""
        return None if self.variation is None else self.variation is VariationStrength.STRONG


@dataclass(frozen=True)
class PreferenceChange:
    """What a /settings call or a button changes; None leaves a field as it is.
    `SpeedMode.NONE` and `clear_model` go back to the server's default; `clear_suffix`
    removes the suffix (Discord cannot send an empty option)."""

    mode: SpeedMode | None = None
    bot_type: BotType | None = None
    clear_model: bool = False
    suffix: str | None = None
    clear_suffix: bool = False
    private: bool | None = None
    remix: bool | None = None
    variation: VariationStrength | None = None
    clear_variation: bool = False

    @property
    def empty(self) -> bool:
        return self == PreferenceChange()


class Preferences:
    """Read before every command's acknowledgement, so kept in memory for a short while:
    a change made here is seen at once, one made by another process within `ttl`.

    Once `load`ed, the ids of the users who have any stored row are kept too (a few bytes
    each), refreshed every `ttl`: everyone else has the defaults, known without a read, so
    a burst of commands from new users is acknowledged without waiting on the database.
    With `ttl` 0 (several processes) every read goes to the database, as a set that is a
    moment old could miss a user's "private" made in another process."""

    def __init__(
        self,
        store: PreferenceStore,
        *,
        clock: Callable[[], float] = time.time,
        ttl: float = CACHE_SECONDS,
        capacity: int = CACHE_USERS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl
        self._capacity = capacity
        self._cache: OrderedDict[int, tuple[float, UserPreferences]] = OrderedDict()
        self._known: set[int] | None = None  # users with a stored row; None: not loaded
        self._known_at = float("-inf")
        self._refresh: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """Read which users have preferences (at start); a no-op with `ttl` 0."""
        if self._ttl > 0:
            await self._reload(since=None)

    async def _reload(self, since: float | None) -> None:
        started = self._clock()
        ids = await self._store.users_changed_since(since)
        if since is None or self._known is None:
            self._known = set(ids)
        else:
            self._known.update(ids)
            # Rows written since are newer than what may be cached for them.
            for user_id in ids:
                self._cache.pop(user_id, None)
        self._known_at = started

    def _refresh_known(self) -> None:
        if self._refresh is not None and not self._refresh.done():
            return
        # Overlap the last read: another process's clock may run a little behind ours.
        since = self._known_at - max(self._ttl, KNOWN_OVERLAP_SECONDS)
        self._refresh = asyncio.create_task(self._reload_logged(since), name="preferences")

    async def _reload_logged(self, since: float) -> None:
        try:
            await self._reload(since)
        except Exception:  # the database is away: try again at the next command
            log.warning("could not refresh which users have preferences", exc_info=True)

    async def of(self, user_id: int) -> UserPreferences:
        known = self._known
        if known is not None:
            if self._clock() - self._known_at >= self._ttl:
                self._refresh_known()
            if user_id not in known:
                return UserPreferences(user_id=user_id)
        cached = self._cache.get(user_id)
        if cached is not None and self._clock() - cached[0] < self._ttl:
            self._cache.move_to_end(user_id)
            return cached[1]
        prefs = await self._store.get(user_id) or UserPreferences(user_id=user_id)
        self._remember(prefs)
        return prefs

    def _remember(self, prefs: UserPreferences) -> None:
        self._cache[prefs.user_id] = (self._clock(), prefs)
        self._cache.move_to_end(prefs.user_id)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)

    async def change(self, user_id: int, change: PreferenceChange) -> UserPreferences:
        self._cache.pop(user_id, None)  # change what is stored, not a cached copy
        current = await self._store.get(user_id) or UserPreferences(user_id=user_id)
        updates: dict[str, object] = {}
        if change.mode is not None:
            updates["mode"] = None if change.mode is SpeedMode.NONE else change.mode
        if change.clear_model:
            updates["bot_type"] = None
        elif change.bot_type is not None:
            updates["bot_type"] = change.bot_type
        if change.clear_suffix:
            updates["suffix"] = ""
        elif change.suffix is not None:
            updates["suffix"] = _checked_suffix(change.suffix)
        if change.clear_variation:
            updates["variation"] = None
        for name in ("private", "remix", "variation"):
            value = getattr(change, name)
            if value is not None:
                updates[name] = value
        new = current.model_copy(update=updates)
        if new != current:
            # Only the fields changed: two quick clicks on different buttons both count.
            await self._store.put(new, at=self._clock(), only=frozenset(updates))
            if self._known is not None:
                self._known.add(user_id)
            self._cache.pop(user_id, None)  # read back next time: other fields may differ
        return new


def _checked_suffix(text: str) -> str:
    suffix = " ".join(text.split())
    if len(suffix) > MAX_SUFFIX_CHARS:
        raise RequestRejectedError(
            Rejection.SUFFIX_TOO_LONG, length=len(suffix), max=MAX_SUFFIX_CHARS
        )
    return suffix
