"""Two bot processes in one test: two full apps (bot.app `build` + `started`), each with
its own MJBot, HTTP client and storage, on one PostgreSQL database, one loopback Discord
stand-in and one simulator, as `python -m bot` runs them with SHARD_COUNT=2 and
SHARD_IDS=0 / 1. Every aggregator poll is recorded with the process that sent it."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.app import App, build, started
from bot.core.models import ChargeState, Job, JobStatus, LedgerReason
from bot.core.storage import SqlStorage, open_storage
from bot.sim import SimConfig, Simulator, running_simulator
from bot.sim.clock import ManualClock
from tests.e2e.harness import make_settings
from tests.fakes import FakeDiscord, InteractionFactory, dispatch, running_fake_discord

LEASE = 2.0  # LEASE_SECONDS of both processes
POLL = 0.05  # POLL_INTERVAL_SECONDS


@dataclass(frozen=True)
class Poll:
    """One task asked about (list-by-condition or fetch), in the order they were sent."""

    process: int
    task_id: str
    at: float  # the loop's clock


@dataclass
class Process:
    number: int
    app: App
    storage: SqlStorage
    factory: InteractionFactory
    stack: AsyncExitStack
    crashed: bool = False

    async def command(self, name: str, options: dict[str, Any], **kwargs: Any) -> Any:
        return await dispatch(self.app.bot, self.factory.slash_command(name, options, **kwargs))

    async def crash(self) -> None:
        """What a SIGKILL leaves: polling, renewing and edits stop at once; no lease is
        released, no pending edit sent. (Its Discord session stays open in the test.)"""
        self.crashed = True
        await self.app.core.tracker.stop(release=False)
        await self.app.alerts.stop()
        await self.app.publisher.close()


@dataclass
class Pair:
    fake: FakeDiscord
    sim: Simulator
    sim_clock: ManualClock
    processes: list[Process]
    polls: list[Poll] = field(default_factory=list)

    def __getitem__(self, number: int) -> Process:
        return self.processes[number]

    @property
    def storage(self) -> SqlStorage:
        return self.processes[0].storage

    async def jobs(self) -> list[Job]:
        return await self.storage.jobs.list_by_status(list(JobStatus))

    async def wait(self, predicate: Any, what: str, within: float = 30.0) -> None:
        await self.fake.wait_until(predicate, within=within, what=what)

    def polled_by(self, task_id: str) -> list[int]:
        return [poll.process for poll in self.polls if poll.task_id == task_id]


def _recorder(pair: Pair, number: int) -> Any:
    loop = asyncio.get_running_loop()

    async def record(request: httpx.Request) -> None:
        path = request.url.path
        if path.endswith("/task/list-by-condition"):
            ids = json.loads(request.content or b"{}").get("ids", [])
        elif path.endswith("/fetch"):
            ids = [path.rsplit("/", 2)[-2]]
        else:
            return
        pair.polls.extend(Poll(number, str(task_id), loop.time()) for task_id in ids)

    return record


@asynccontextmanager
async def two_processes(
    tmp_path: Path,
    database_url: str,
    *,
    sim_config: SimConfig | None = None,
    each: tuple[dict[str, Any], dict[str, Any]] = ({}, {}),
    **settings: Any,
) -> AsyncIterator[Pair]:
    """Both processes started on `database_url` with `settings` (and `each`'s own); the
    simulator's clock is the test's."""
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(running_fake_discord())
        clock = ManualClock(1_000.0)
        sim = await stack.enter_async_context(
            running_simulator(sim_config or SimConfig(step_seconds=1.0), clock=clock)
        )
        pair = Pair(fake, sim, clock, [])
        for number in (0, 1):
            values: dict[str, Any] = {
                "database_url": database_url,
                "discord_guild_id": None,  # sharded: global commands
                "shard_count": 2,
                "shard_ids": str(number),
                "lease_seconds": LEASE,
                "poll_interval_seconds": POLL,
                **settings,
                **each[number],
            }
            config = make_settings(sim, fake, tmp_path / "unused.db", **values)
            hooks = {"request": [_recorder(pair, number)]}
            http = await stack.enter_async_context(
                httpx.AsyncClient(timeout=config.request_timeout_seconds, event_hooks=hooks)
            )
            storage = await open_storage(url=database_url, lease_seconds=LEASE)
            stack.push_async_callback(storage.close)
            running = AsyncExitStack()
            app = await running.enter_async_context(started(build(config, http, storage)))
            stack.push_async_callback(running.aclose)
            factory = InteractionFactory(fake, app.bot)
            pair.processes.append(Process(number, app, storage, factory, running))
        yield pair


async def assert_each_settled_once(
    storage: SqlStorage, jobs: list[Job], users: list[int], credits_left: int
) -> None:
    """No credit lost or spent twice: each job reserved once and settled once, nothing
    refunded or held, every user's wallet what is left after their jobs."""
    entries = [e for user in users for e in await storage.ledger.entries(user, limit=9999)]
    per_job = Counter((e.job_id, e.reason) for e in entries if e.job_id is not None)
    for job in jobs:
        assert per_job[(job.id, LedgerReason.RESERVE)] == 1, job
        assert per_job[(job.id, LedgerReason.SETTLE)] == 1, job
        assert per_job[(job.id, LedgerReason.REFUND)] == 0, job
        assert await storage.ledger.charge_state(job.id) is ChargeState.SETTLED, job
    for user in users:
        wallet = await storage.ledger.wallet(user)
        assert wallet is not None and (wallet.available, wallet.reserved) == (credits_left, 0)
