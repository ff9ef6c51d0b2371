"""The Discord stand-in of tests/fakes, as the benchmark uses it.

tests/ is not type-checked (its OpenAPI validation uses untyped jsonschema), so the
benchmark loads the stand-in at run time and types here the few parts it touches:
mypy --strict on bench/ never reaches into tests/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, cast

import discord


class Upload(Protocol):
    data: bytes


class Button(Protocol):
    @property
    def custom_id(self) -> str | None: ...


class Message(Protocol):
    id: int
    embeds: list[dict[str, Any]]

    def buttons(self) -> Sequence[Button]: ...


class Interaction(Protocol):
    callback_at: dt.datetime | None
    callback_error: dict[str, Any] | None
    settled: asyncio.Event

    @property
    def acknowledged(self) -> bool: ...


class Fake(Protocol):
    """tests.fakes.FakeDiscord"""

    guild_id: int
    requests: list[Any]

    def interaction(self, key: int | str) -> Interaction: ...

    def edit_message(
        self, msg: Message, payload: dict[str, Any], files: list[Upload]
    ) -> Message: ...


class Factory(Protocol):
    """tests.fakes.InteractionFactory"""

    def slash_command(
        self, name: str, options: dict[str, Any] | None = None, *, user_id: int | None = None
    ) -> dict[str, Any]: ...


def _fakes() -> Any:
    return importlib.import_module("tests.fakes")


def running_fake_discord(**options: Any) -> AbstractAsyncContextManager[Fake]:
    """A stand-in on 127.0.0.1 with discord.py pointed at it, for the `async with`."""
    return cast(AbstractAsyncContextManager[Fake], _fakes().running_fake_discord(**options))


def interaction_factory(fake: Fake, bot: discord.Client) -> Factory:
    return cast(Factory, _fakes().InteractionFactory(fake, bot))
