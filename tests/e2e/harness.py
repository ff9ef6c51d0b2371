"""The whole bot, for real: MJBot on the loopback Discord stand-in, the aggregator
simulator over HTTP, and a SQLite file. Nothing is mocked."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.app import App, Core, build, started
from bot.config import Settings
from bot.core.models import Job, JobStatus
from bot.core.storage import SqlStorage, open_storage
from bot.discord_bot import MJBot
from bot.sim import SimConfig, Simulator, running_simulator
from tests.fakes import (
    FakeDiscord,
    FakeMessage,
    InteractionFactory,
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
    storage: SqlStorage
    http: httpx.AsyncClient
    app: App
    factory: InteractionFactory
    _running: AsyncExitStack

    async def stop_bot(self) -> None:
        """The process stops: tracking, edits and the Discord session end; storage stays."""
        await self._running.aclose()

    async def start_bot(self) -> None:
        """A new process on the same database, built and started as `python -m bot` does."""
        self._running = AsyncExitStack()
        self.app = await self._running.enter_async_context(
            started_bot(self.settings, self.http, self.storage)
        )
        self.factory = InteractionFactory(self.fake, self.app.bot)

    @property
    def web_url(self) -> str:
        """The bot's web server, when the harness was started with `**web_settings()`."""
        assert self.app.web is not None, "start the harness with **web_settings()"
        return self.app.web.base_url

    @property
    def bot(self) -> MJBot:
        return self.app.bot

    @property
    def core(self) -> Core:
        return self.app.core

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

    async def refusal(self, inter: Any) -> str:
        """The text of the private refusal this interaction got: answered at once
        (ephemeral), or deferred and then told in an ephemeral follow-up (the public
        "thinking" placeholder deleted)."""

        def answered() -> bool:
            original = self.fake.original_response(inter.token)
            if original is not None and original.ephemeral and original.content:
                return True
            return bool(inter.followup_ids) and (original is None or original.deleted)

        await self.wait(answered, "a private refusal")
        original = self.fake.original_response(inter.token)
        if original is not None and not original.deleted and original.content:
            message = original
        else:
            message = self.fake.message(inter.followup_ids[-1])
        assert message.ephemeral, f"a refusal everyone can see: {message.content!r}"
        return str(message.content)

    async def wait_job(self, job_id: int, status: JobStatus, within: float = 8.0) -> Job:
        """Until the stored job reaches `status`."""
        deadline = asyncio.get_running_loop().time() + within
        while (job := await self.storage.jobs.get(job_id)) is None or job.status is not status:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"job {job_id} is {job and job.status}, not {status}")
            await asyncio.sleep(0.02)
        return job

    async def jobs(self) -> list[Job]:
        return await self.storage.jobs.list_by_status(list(JobStatus))


def _final(message: FakeMessage) -> bool:
    """Result buttons (not just the Cancel of a running job), or a failure."""
    buttons = [b for b in message.buttons() if not b.custom_id.endswith(":c")]
    return bool(buttons) or any("Failed" in str(e) or "失败" in str(e) for e in message.embeds)


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (for WEB_LISTEN and PUBLIC_URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_settings() -> dict[str, Any]:
    """Settings that run the bot's web server on 127.0.0.1, reachable at PUBLIC_URL."""
    port = free_port()
    return {"web_listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}


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
        # "Imagine all" starts four jobs at once; limit tests set their own.
        "max_concurrent_jobs_per_user": 10,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def started_bot(
    settings: Settings, http: httpx.AsyncClient, storage: SqlStorage
) -> AsyncIterator[App]:
    """The bot as `python -m bot` builds and starts it, logged in to the fake."""
    async with started(build(settings, http, storage)) as app:
        yield app


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
        storage = await open_storage(path=tmp_path / "bot.db")
        stack.push_async_callback(storage.close)
        running = AsyncExitStack()
        app = await running.enter_async_context(started_bot(config, http, storage))
        h = Harness(
            fake, sim, config, storage, http, app, InteractionFactory(fake, app.bot), running
        )
        stack.push_async_callback(lambda: h._running.aclose())
        yield h
