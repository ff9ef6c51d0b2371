"""The minimal gateway: a real discord.py client connects, identifies, heartbeats and
receives the interactions a test sends, as `python -m bot` in another process does."""

from __future__ import annotations

import asyncio

import discord
import pytest
import yarl

from tests.fakes import FakeDiscord, InteractionFactory

from .tiny_bot import TinyBot


async def test_a_connected_client_gets_ready_and_answers_a_dispatched_interaction(
    discord_fake: FakeDiscord, bot: TinyBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As tests/app/fake_discord_site/sitecustomize.py does in a bot process.
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(discord_fake.gateway.url)
    )
    ready = asyncio.Event()

    async def connected() -> None:
        ready.set()

    bot.add_listener(connected, "on_connect")
    running = asyncio.create_task(bot.connect(reconnect=False))
    try:
        await discord_fake.gateway.wait_connected(within=10)
        await asyncio.wait_for(ready.wait(), 10)
        (session,) = discord_fake.gateway.sessions
        assert session.identify["token"] == "fake-token"
        payload = InteractionFactory(discord_fake, bot).slash_command("imagine", {"prompt": "c"})
        await discord_fake.gateway.dispatch("INTERACTION_CREATE", payload)
        inter = discord_fake.interaction(payload["token"])
        await asyncio.wait_for(inter.settled.wait(), 5)
        assert inter.acknowledged
    finally:
        await bot.close()
        await asyncio.gather(running, return_exceptions=True)
    await discord_fake.wait_until(lambda: not discord_fake.gateway.sessions, what="closed")
