"""The whole bot, for real: MJBot on the loopback Discord stand-in, the aggregator
simulator over HTTP, and a SQLite file. Nothing is mocked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings
from bot.core.services import CoreServices, build_core
from bot.core.storage import Database, Job
from bot.discord_bot import MJBot
from bot.sim import SimConfig, Simulator, running_simulator
from tests.fakes import (
    FakeDiscord,
    FakeMessage,
    InteractionFactory,
    logged_in,
    running_fake_discord,
)
from tests.fakes import dispatch as dispatch_payload

API_KEY = "sk-e2e-secret-key"
BOT_TOKEN = "e2e-bot-token-secret"


@dataclass
class Harness:
    fake: FakeDiscord
    sim: Simulator
    settings: Settings
    db: Database
    http: httpx.AsyncClient
    bot: MJBot
    factory: InteractionFactory

    @property
    def core(self) -> CoreServices:
        return self.bot.core

    async def dispatch(self, payload: dict[str, Any]) -> Any:
        return await dispatch_payload(self.bot, payload)

    async def command(self, name: str, options: dict[str, Any], **kwargs: Any) -> Any:
        return await self.dispatch(self.factory.slash_command(name, options, **kwargs))

    def original(self, token: str) -> FakeMessage:
        message = self.fake.original_response(token)
        assert message is not None, "the interaction has no original response"
        return message

    async def wait(self, predicate: Callable[[], object], what: str, within: float = 8.0) -> None:
        await self.fake.wait_until(predicate, within=within, what=what)

    async def wait_final(self, token: str, what: str = "the final result") -> FakeMessage:
        """Until the job on this interaction's message shows buttons or a failure."""

        def finished() -> bool:
            message = self.fake.original_response(token)
            return message is not None and not message.loading and _final(message)

        await self.wait(finished, what)
        return self.original(token)

    async def jobs(self) -> list[Job]:
        from bot.core.storage import JobStatus

        return await self.core.jobs.list_by_status(list(JobStatus))


def _final(message: FakeMessage) -> bool:
    return bool(message.buttons()) or any(
        "Failed" in str(e) or "失败" in str(e) for e in message.embeds
    )


def make_settings(sim: Simulator, fake: FakeDiscord, db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": BOT_TOKEN,
        "mj_api_base_url": sim.base_url,
        "mj_api_key": API_KEY,
        "database_path": db_path,
        "discord_guild_id": fake.guild_id,
        "poll_interval_seconds": 0.02,
        "edit_interval_seconds": 0.0,
        "task_deadline_seconds": 600,
        "request_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def started_bot(
    fake: FakeDiscord, settings: Settings, http: httpx.AsyncClient, db: Database
) -> AsyncIterator[MJBot]:
    bot = MJBot(build_core(settings, http, db))
    async with logged_in(bot, settings.discord_token.get_secret_value()):
        yield bot


@asynccontextmanager
async def harness(
    tmp_path: Path, *, sim_config: SimConfig | None = None, **settings: Any
) -> AsyncIterator[Harness]:
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(running_fake_discord())
        sim = await stack.enter_async_context(
            running_simulator(sim_config or SimConfig(step_seconds=0.03))
        )
        config = make_settings(sim, fake, tmp_path / "bot.db", **settings)
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=config.request_timeout_seconds)
        )
        db = await Database.open(tmp_path / "bot.db")
        stack.push_async_callback(db.close)
        await db.migrate()
        bot = await stack.enter_async_context(started_bot(fake, config, http, db))
        yield Harness(fake, sim, config, db, http, bot, InteractionFactory(fake, bot))
