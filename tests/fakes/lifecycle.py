"""Logging a real bot into the fake and closing it cleanly afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord

ClientT = TypeVar("ClientT", bound=discord.Client)


@asynccontextmanager
async def logged_in(bot: ClientT, token: str = "fake-token") -> AsyncIterator[ClientT]:
    """`bot.login()` (which runs setup_hook) and always `bot.close()`, so no session leaks."""
    try:
        await bot.login(token)
        yield bot
    finally:
        await bot.close()
