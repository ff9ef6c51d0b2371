"""Discord unreachable at start: the first login is retried with backoff until it works
(also when it breaks half-way, in the command sync); a refused token is not retried."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import discord
import httpx
import pytest

from bot.app import App, build
from bot.core.storage import open_storage
from bot.sim import SimConfig, running_simulator
from bot.ui.login import log_in
from tests.e2e.harness import BOT_TOKEN, make_settings
from tests.fakes.discord_server import FakeDiscord, running_fake_discord


@asynccontextmanager
async def built_app(
    tmp_path: Path, **fake_options: object
) -> AsyncIterator[tuple[App, FakeDiscord]]:
    async with (
        running_fake_discord(**fake_options) as fake,
        running_simulator(SimConfig(step_seconds=0.03)) as sim,
        httpx.AsyncClient() as http,
    ):
        storage = await open_storage(path=tmp_path / "bot.db")
        app = build(make_settings(sim, fake, tmp_path / "bot.db"), http, storage)
        try:
            yield app, fake
        finally:
            await app.bot.close()
            await storage.close()


async def log_in_while_down(app: App, fake: FakeDiscord, where: str, down_for: int) -> list[float]:
    """Log in while Discord hangs up on every request to `where`, until the bot has
    waited `down_for` times; the delays it waited (no real waiting)."""
    delays: list[float] = []

    async def no_wait(delay: float) -> None:
        delays.append(delay)
        if len(delays) == down_for:
            fake.drop_connections(0)  # Discord is back

    fake.drop_connections(1_000_000, path_contains=where)
    await log_in(app.bot, BOT_TOKEN, sleep=no_wait)
    return delays


@pytest.mark.parametrize("where", ["/users/@me", "/commands"])
async def test_an_unreachable_discord_is_retried_until_the_bot_is_in(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.INFO, logger="bot.ui.login")
    async with built_app(tmp_path) as (app, fake):
        delays = await log_in_while_down(app, fake, where, down_for=3)
        assert app.bot.user is not None and app.bot.user.id == int(fake.bot_user["id"])
        assert "imagine" in {c["name"] for c in fake.synced_commands(fake.guild_id)}

    assert delays == [1.0, 2.0, 4.0]  # then it got through
    retries = [r.getMessage() for r in caplog.records if "cannot reach Discord" in r.getMessage()]
    assert len(retries) == 3 and "retrying in 1 s (attempt 1)" in retries[0]
    assert any("reached Discord at attempt 4" in r.getMessage() for r in caplog.records)


async def test_the_backoff_stops_growing_at_a_minute(tmp_path: Path) -> None:
    async with built_app(tmp_path) as (app, fake):
        delays = await log_in_while_down(app, fake, "/users/@me", down_for=9)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_a_refused_token_is_not_retried(tmp_path: Path) -> None:
    async def never(delay: float) -> None:
        raise AssertionError("a refused token was retried")

    async with built_app(tmp_path, bot_token="another-token") as (app, _):
        with pytest.raises(discord.LoginFailure):
            await log_in(app.bot, BOT_TOKEN, sleep=never)
