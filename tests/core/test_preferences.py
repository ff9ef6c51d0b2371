"""A user's defaults: how a suffix is added, what a change changes, what is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.ports import PreferenceStore
from bot.core.preferences import (
    MAX_SUFFIX_CHARS,
    PreferenceChange,
    Preferences,
    UserPreferences,
    VariationStrength,
)
from bot.core.storage import SqlStorage
from bot.core.validation import Rejection, RequestRejectedError


def test_a_suffix_is_added_once() -> None:
    prefs = UserPreferences(user_id=1, suffix="--ar 16:9")
    assert prefs.with_suffix("a fox") == "a fox --ar 16:9"
    assert prefs.with_suffix("a fox --ar 16:9  ") == "a fox --ar 16:9  "
    assert UserPreferences(user_id=1).with_suffix("a fox ") == "a fox "


def test_variation_strength_is_sent_only_when_chosen() -> None:
    assert UserPreferences(user_id=1).strong is None
    assert UserPreferences(user_id=1, variation=VariationStrength.STRONG).strong is True
    assert UserPreferences(user_id=1, variation=VariationStrength.SUBTLE).strong is False


async def test_changes_keep_what_they_do_not_name(storage: SqlStorage) -> None:
    preferences = Preferences(storage.preferences)
    await preferences.change(
        1, PreferenceChange(mode=SpeedMode.TURBO, bot_type=BotType.NIJI_JOURNEY, suffix=" --v  6 ")
    )
    prefs = await preferences.change(1, PreferenceChange(private=True))
    assert (prefs.mode, prefs.bot_type, prefs.suffix, prefs.private) == (
        SpeedMode.TURBO,
        BotType.NIJI_JOURNEY,
        "--v 6",
        True,
    )
    back = await preferences.change(
        1, PreferenceChange(mode=SpeedMode.NONE, clear_model=True, clear_suffix=True)
    )
    assert (back.mode, back.bot_type, back.suffix, back.private) == (None, None, "", True)
    assert await preferences.of(1) == back


async def test_a_long_suffix_is_refused_and_nothing_changes(storage: SqlStorage) -> None:
    preferences = Preferences(storage.preferences)
    with pytest.raises(RequestRejectedError) as refused:
        await preferences.change(2, PreferenceChange(suffix="x" * (MAX_SUFFIX_CHARS + 1)))
    assert refused.value.reason is Rejection.SUFFIX_TOO_LONG
    assert await storage.preferences.get(2) is None


async def test_two_changes_at_once_both_count(any_storage: SqlStorage) -> None:
    preferences = Preferences(any_storage.preferences)
    await preferences.change(3, PreferenceChange(suffix="--v 6"))
    await asyncio.gather(
        preferences.change(3, PreferenceChange(private=True)),
        preferences.change(3, PreferenceChange(remix=True)),
        preferences.change(3, PreferenceChange(variation=VariationStrength.SUBTLE)),
    )
    prefs = await preferences.of(3)
    assert (prefs.private, prefs.remix, prefs.variation, prefs.suffix) == (
        True,
        True,
        VariationStrength.SUBTLE,
        "--v 6",
    )
    reset = await preferences.change(3, PreferenceChange(clear_variation=True))
    assert reset.variation is None and reset.private


class CountingStore:
    """The real store, counting its reads."""

    def __init__(self, store: PreferenceStore) -> None:
        self._store = store
        self.reads = 0

    async def get(self, user_id: int) -> UserPreferences | None:
        self.reads += 1
        return await self._store.get(user_id)

    async def users_changed_since(self, since: float | None) -> list[int]:
        self.reads += 1
        return await self._store.users_changed_since(since)

    async def put(
        self, preferences: UserPreferences, *, at: float, only: Collection[str] | None = None
    ) -> None:
        await self._store.put(preferences, at=at, only=only)


async def test_preferences_are_read_once_then_kept_for_a_while(storage: SqlStorage) -> None:
    now = [1000.0]
    store = CountingStore(storage.preferences)
    preferences = Preferences(store, clock=lambda: now[0], ttl=30.0)
    for _ in range(5):  # every command reads them before its acknowledgement
        assert not (await preferences.of(4)).private
    assert store.reads == 1

    await preferences.change(4, PreferenceChange(private=True))
    assert (await preferences.of(4)).private  # a change here is seen at once

    # Another process changes them: seen once the cached copy is older than the ttl.
    other = Preferences(storage.preferences, clock=lambda: now[0])
    await other.change(4, PreferenceChange(private=False))
    assert (await preferences.of(4)).private
    now[0] += 31
    assert not (await preferences.of(4)).private


async def test_once_loaded_users_without_preferences_need_no_read(storage: SqlStorage) -> None:
    now = [1000.0]
    await Preferences(storage.preferences, clock=lambda: now[0]).change(
        5, PreferenceChange(private=True)
    )
    store = CountingStore(storage.preferences)
    preferences = Preferences(store, clock=lambda: now[0], ttl=30.0)
    await preferences.load()
    assert store.reads == 1  # the ids of the users who have preferences
    for user_id in range(100, 200):  # a burst of new users: defaults, no read each
        assert await preferences.of(user_id) == UserPreferences(user_id=user_id)
    assert store.reads == 1
    assert (await preferences.of(5)).private  # a user who has some: read once
    assert store.reads == 2

    await preferences.change(6, PreferenceChange(remix=True))
    assert (await preferences.of(6)).remix  # known at once after a change here


async def test_a_user_who_set_preferences_elsewhere_is_known_after_the_ttl(
    storage: SqlStorage,
) -> None:
    now = [1000.0]
    preferences = Preferences(storage.preferences, clock=lambda: now[0], ttl=30.0)
    await preferences.load()
    other = Preferences(storage.preferences, clock=lambda: now[0])
    await other.change(7, PreferenceChange(private=True))
    assert not (await preferences.of(7)).private  # within the ttl: not seen yet
    now[0] += 31
    await preferences.of(8)  # the first command after the ttl starts a refresh
    for _ in range(20):
        if (await preferences.of(7)).private:
            break
        await asyncio.sleep(0.01)
    assert (await preferences.of(7)).private


async def test_several_processes_read_every_time(storage: SqlStorage) -> None:
    store = CountingStore(storage.preferences)
    preferences = Preferences(store, ttl=0.0)
    await preferences.load()
    await preferences.of(9)
    await preferences.of(9)
    assert store.reads == 2
