"""A user's defaults: how a suffix is added, what a change changes, what is refused."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.mj.schemas import BotType, SpeedMode
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
