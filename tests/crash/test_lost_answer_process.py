"""The real `python -m bot` killed between a submit and its answer: the submit reached
the aggregator and made its task, the answer never came back, SIGKILL. Started again on
the same database, the bot finds the task by the `state` its submit carried, follows it
and delivers it exactly once; the credit is settled once; nothing is submitted twice.
Where the aggregator cannot look tasks up, the job is failed and refunded as interrupted.

The bot runs as a process of its own against the loopback Discord stand-in (REST and its
gateway) and the simulator, both served from this test's event loop."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.models import INTERRUPTED_REASON, ChargeState, Job, JobStatus, LedgerReason
from bot.core.storage import open_storage
from bot.sim import SimConfig, Simulator, running_simulator
from tests.app.bot_process import start_bot
from tests.fakes import FakeDiscord, FakeInteraction, InteractionFactory, running_fake_discord

pytestmark = pytest.mark.crash

USER = 4242
TOKEN = "crash-bot-token-secret"


@dataclass
class World:
    tmp: Path
    fake: FakeDiscord
    sim: Simulator

    @property
    def db(self) -> Path:
        return self.tmp / "bot.db"

    def settings(self) -> dict[str, str]:
        return {
            "DISCORD_TOKEN": TOKEN,
            "MJ_API_BASE_URL": self.sim.base_url,
            "MJ_API_KEY": "sk-crash-key",
            "DATABASE_PATH": str(self.db),
            "CREDITS_ENABLED": "true",
            "NEW_USER_CREDITS": "3",
            "POLL_INTERVAL_SECONDS": "0.1",
            "EDIT_INTERVAL_SECONDS": "0",
            "REQUEST_TIMEOUT_SECONDS": "30",  # the lost answer is still awaited at the kill
            "TASK_DEADLINE_SECONDS": "600",
        }

    async def bot(self) -> asyncio.subprocess.Process:
        process = await start_bot(
            self.tmp, self.tmp / "bot.log", discord_api=self.fake.api_base, **self.settings()
        )
        await self.fake.gateway.wait_connected()
        return process

    def log(self) -> str:
        return (self.tmp / "bot.log").read_text(errors="replace")


@asynccontextmanager
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with (
        running_fake_discord(bot_token=TOKEN) as fake,
        running_simulator(SimConfig(step_seconds=0.1)) as sim,
    ):
        yield World(tmp_path, fake, sim)


async def imagine_then_kill(w: World) -> FakeInteraction:
    """/imagine reaches the aggregator, which makes the task and loses the answer; the
    bot is killed while it waits."""
    w.sim.faults.lose_submit_answers = 1
    first = await w.bot()
    payload = InteractionFactory(w.fake).slash_command(
        "imagine", {"prompt": "a lighthouse in a storm"}, user_id=USER
    )
    await w.fake.gateway.dispatch("INTERACTION_CREATE", payload)
    interaction = w.fake.interaction(payload["token"])
    async with asyncio.timeout(20):
        await interaction.settled.wait()  # "thinking..."
        while not w.sim.engine.tasks:  # noqa: ASYNC110  # the simulator's own state
            await asyncio.sleep(0.02)
    assert w.sim.faults.lose_submit_answers == 0, "the answer was lost"
    first.send_signal(signal.SIGKILL)
    await first.wait()
    await w.fake.wait_until(lambda: not w.fake.gateway.connected(), within=5, what="disconnect")
    return interaction


async def stop(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        await process.wait()


async def only_job(w: World) -> tuple[Job, Counter[LedgerReason], ChargeState | None]:
    storage = await open_storage(path=w.db)
    try:
        (job,) = await storage.jobs.list_by_status(list(JobStatus))
        entries = await storage.ledger.entries(USER, limit=100)
        reasons = Counter(e.reason for e in entries if e.job_id == job.id)
        return job, reasons, await storage.ledger.charge_state(job.id)
    finally:
        await storage.close()


def bot_messages(w: World) -> list[str]:
    bot_id = w.fake.bot_user["id"]
    return [m.content for m in w.fake.messages_in(w.fake.channel_id) if m.author["id"] == bot_id]


async def test_a_killed_bot_finds_the_lost_task_by_state_and_delivers_it_once(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        interaction = await imagine_then_kill(w)
        job, reasons, charge = await only_job(w)
        assert job.status is JobStatus.PENDING and job.task_id is None
        assert charge is ChargeState.RESERVED

        second = await w.bot()
        try:
            await w.fake.wait_until(
                lambda: (
                    (m := w.fake.original_response(interaction.token)) is not None
                    and bool(m.attachments)
                ),
                within=30,
                what="the result on the job's message",
            )
        finally:
            await stop(second)
        job, reasons, charge = await only_job(w)
        submits = w.sim.count("submit/imagine")
        log = w.log()

    assert job.status is JobStatus.SUCCESS and job.task_id in w.sim.engine.tasks
    assert submits == 1  # found, never submitted again
    assert reasons == Counter({LedgerReason.RESERVE: 1, LedgerReason.SETTLE: 1})
    assert charge is ChargeState.SETTLED
    result = w.fake.original_response(interaction.token)
    assert result is not None and result.buttons() and len(result.attachments) == 1
    assert len(bot_messages(w)) == 1  # one message: the result, delivered once
    assert "found task" in log and TOKEN not in log
    assert w.fake.violations == []


async def test_without_a_way_to_look_tasks_up_the_job_is_refunded_as_interrupted(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        interaction = await imagine_then_kill(w)
        w.sim.faults.task_query_unsupported = w.sim.faults.task_list_unsupported = True

        second = await w.bot()
        try:
            await w.fake.wait_until(
                lambda: (
                    (m := w.fake.original_response(interaction.token)) is not None and not m.loading
                ),
                within=30,
                what="the failure on the job's message",
            )
        finally:
            await stop(second)
        job, reasons, charge = await only_job(w)
        submits = w.sim.count("submit/imagine")

    assert job.status is JobStatus.FAILURE and job.fail_reason == INTERRUPTED_REASON
    assert submits == 1
    assert reasons == Counter({LedgerReason.RESERVE: 1, LedgerReason.REFUND: 1})
    assert charge is ChargeState.REFUNDED
    shown = w.fake.original_response(interaction.token)
    assert shown is not None and "restarted before the task was confirmed" in str(shown.embeds)
    assert w.fake.violations == []
