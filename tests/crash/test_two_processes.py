"""Two real `python -m bot` processes with SHARD_COUNT=2 (SHARD_IDS=0 and 1) on one
PostgreSQL, the loopback Discord stand-in routing each guild's interactions to its shard's
gateway session, as Discord does: 100 jobs in flight, the first process killed with
SIGKILL midway. Every job ends exactly once on its own message, the survivor takes the
dead one's jobs over within the lease time, no task is polled by both processes, and no
credit is lost or spent twice.

Which process asked the aggregator what is told by the path: each runs with its own
MJ_SPEED_MODE, so its every request carries its own prefix (/mj-fast, /mj-relax), which
the simulator records. The simulator's clock is the test's: the jobs run when told."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from bot.core.models import Job, JobStatus
from bot.core.storage import SqlStorage, open_storage
from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from tests.app.bot_process import BotProcess
from tests.crash.outcomes import uploads_to
from tests.e2e.processes import assert_each_settled_once
from tests.fakes import FakeDiscord, FakeInteraction, InteractionFactory, running_fake_discord

pytestmark = pytest.mark.crash

TOKEN = "two-process-discord-token-never-shown"
API_KEY = "sk-two-process-key-never-shown"
JOBS = 100
USERS = [9300 + n for n in range(10)]
CREDITS = 12
LEASE = 2.0
WITHIN = 90.0  # generous: a loaded machine is slow, and nothing here measures speed
MODES = ("FAST", "RELAX")  # process 0's and process 1's requests, as the simulator sees them


@dataclass
class Deployment:
    fake: FakeDiscord
    sim: Simulator
    clock: ManualClock
    storage: SqlStorage  # the test's own connection to the shared database
    guilds: tuple[tuple[int, int], tuple[int, int]]  # (guild, channel) on shard 0 and 1
    processes: list[BotProcess]

    async def jobs(self) -> list[Job]:
        return await self.storage.jobs.list_by_status(list(JobStatus))

    async def until(self, done: object, what: str) -> list[Job]:
        """Until all JOBS jobs exist and `done(job)` holds for each."""
        async with asyncio.timeout(WITHIN):
            while True:
                jobs = await self.jobs()
                if len(jobs) == JOBS and all(done(job) for job in jobs):  # type: ignore[operator]
                    return jobs
                await asyncio.sleep(0.1)

    def polls(self) -> list[tuple[int, str]]:
        """(process, task id) for every id asked about with list-by-condition, in order."""
        return [
            (MODES.index(record.mode or ""), str(task_id))
            for record in self.sim.log.records
            if record.endpoint == "task/list-by-condition"
            for task_id in (record.body_json or {}).get("ids", [])
        ]


@asynccontextmanager
async def deployment(tmp_path: Path, database_url: str) -> AsyncIterator[Deployment]:
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(
            running_fake_discord(bot_token=TOKEN, callback_deadline=WITHIN)
        )
        fake.gateway.recommended_shards = fake.gateway.required_shards = 2
        guilds = []
        for shard in (0, 1):
            guild = fake.gateway.add_guild_on_shard(shard, 2, name=f"Shard {shard}")
            channel = next(c.id for c in fake.channels.values() if c.guild_id == guild)
            guilds.append((guild, channel))
        clock = ManualClock(1_000.0)
        sim = await stack.enter_async_context(
            running_simulator(SimConfig(api_key=API_KEY, step_seconds=1.0), clock=clock)
        )
        storage = await open_storage(url=database_url)
        stack.push_async_callback(storage.close)
        for user in USERS:
            await storage.ledger.grant(user, CREDITS, admin_id=1, at=0.0)
        processes: list[BotProcess] = []
        for shard in (0, 1):
            env = {
                "DISCORD_TOKEN": TOKEN,
                "MJ_API_KEY": API_KEY,
                "MJ_API_BASE_URL": sim.base_url,
                "MJ_SPEED_MODE": MODES[shard].lower(),
                "DATABASE_URL": database_url,
                "SHARD_COUNT": "2",
                "SHARD_IDS": str(shard),
                "LEASE_SECONDS": str(LEASE),
                "CREDITS_ENABLED": "true",
                "MAX_CONCURRENT_JOBS_PER_USER": "0",
                "POLL_INTERVAL_SECONDS": "0.1",
                "EDIT_INTERVAL_SECONDS": "0.3",
                "REQUEST_TIMEOUT_SECONDS": "10",
                "TASK_DEADLINE_SECONDS": "600",
            }
            process = await BotProcess.start(tmp_path, discord_api=fake.api_base, **env)
            stack.push_async_callback(process.kill)
            await process.wait_for_line("logged in as", within=WITHIN)
            await fake.gateway.wait_connected(shard, within=WITHIN)
            processes.append(process)
        yield Deployment(fake, sim, clock, storage, (guilds[0], guilds[1]), processes)


async def test_two_processes_one_killed_under_load(tmp_path: Path, postgres_url: str) -> None:
    async with deployment(tmp_path, postgres_url) as d:
        dying, surviving = d.processes
        assert dying.count("shards: 0 of 2 in this process") == 1
        assert surviving.count("commands are synced by the process of shard 0") == 1
        factory = InteractionFactory(d.fake)  # the global commands the first one synced
        sent: list[tuple[int, FakeInteraction]] = []
        for n in range(JOBS):
            shard = n % 2
            guild, channel = d.guilds[shard]
            payload = factory.slash_command(
                "imagine",
                {"prompt": f"two processes {n}"},
                user_id=USERS[n // 10],
                guild_id=guild,
                channel_id=channel,
            )
            session = d.fake.gateway.session(shard)
            assert session is not None
            inter = await d.fake.gateway.send_interaction(payload)
            sent.append((shard, inter))
        for _, inter in sent:
            await inter.wait_answered(WITHIN)
        await d.until(lambda job: job.task_id is not None, "every job submitted")
        d.clock.advance(2.5)  # every task is running at the aggregator
        jobs = await d.until(lambda job: job.status is JobStatus.IN_PROGRESS, "all running")
        by_guild = Counter(job.guild_id for job in jobs)
        assert by_guild == {d.guilds[0][0]: JOBS // 2, d.guilds[1][0]: JOBS // 2}

        await dying.kill()
        killed_at = asyncio.get_running_loop().time()
        d.clock.advance(100.0)  # and all of them finish there
        await surviving.wait_for_line("took over", within=WITHIN)
        taken_within = asyncio.get_running_loop().time() - killed_at
        jobs = await d.until(
            lambda job: job.status.is_terminal and job.shown_status is job.status, "all shown"
        )

        # Every job ended once, with its result, on the message it was started on.
        assert {job.status for job in jobs} == {JobStatus.SUCCESS}
        for _, inter in sent:
            message = d.fake.message(inter.original_message_id)
            assert not message.loading and any(b.label == "U1" for b in message.buttons())
            assert uploads_to(d.fake, message.id) == 1, message
        assert d.sim.count("submit/imagine") == JOBS

        # The dead process's tasks were asked about by it, then by the survivor only;
        # the survivor's own never by the dead one.
        dead_tasks = {job.task_id for job in jobs if job.guild_id == d.guilds[0][0]}
        owners: dict[str, list[int]] = {}
        for process, task_id in d.polls():
            owners.setdefault(task_id, []).append(process)
        for job in jobs:
            asked = owners[job.task_id or ""]
            switches = sum(a != b for a, b in pairwise(asked))
            if job.task_id in dead_tasks:
                assert asked[0] == 0 and asked[-1] == 1 and switches == 1, asked
            else:
                assert set(asked) == {1}, asked
        assert taken_within < LEASE + 30.0  # generous: due within the lease and a poll

        await assert_each_settled_once(d.storage, jobs, USERS, CREDITS - 10)
        assert TOKEN not in dying.output + surviving.output
