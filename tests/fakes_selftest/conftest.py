from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from tests.fakes import FakeDiscord, InteractionFactory, logged_in, running_fake_discord

from .tiny_bot import TinyBot


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord() as fake:
        yield fake


@pytest.fixture
async def bot(discord_fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    tiny = TinyBot()
    async with logged_in(tiny):
        guild = discord.Object(discord_fake.guild_id)
        tiny.tree.copy_global_to(guild=guild)  # the usual dev-guild setup: instant updates
        await tiny.tree.sync(guild=guild)
        yield tiny
    # The HTTP session must be closed, or aiohttp warns "Unclosed client session".
    assert tiny.http._HTTPClient__session.closed  # type: ignore[attr-defined]


@pytest.fixture
def factory(discord_fake: FakeDiscord, bot: TinyBot) -> InteractionFactory:
    return InteractionFactory(discord_fake, bot)
