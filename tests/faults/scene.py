"""The stage every fault row plays on: the real bot, credits on, two users in two channels.

The victim's job meets the fault; the bystander's job runs beside it in another channel
and must finish as if nothing happened. After each row the same promises are checked:
no task submitted twice, no result shown twice, every credit settled or refunded once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.models import Job, JobStatus, LedgerReason
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeInteraction, FakeMessage

VICTIM, BYSTANDER = 7001, 7002
CREDITS = 5  # each user's on first use; every kind costs 1 (PRICES unset)
REQUEST_TIMEOUT = 0.5  # REQUEST_TIMEOUT_SECONDS: a "hang" lasts longer than this
HANG_SECONDS = 1.5
SETTINGS: dict[str, Any] = {
    "credits_enabled": True,
    "new_user_credits": CREDITS,
    "request_timeout_seconds": REQUEST_TIMEOUT,
}


@dataclass
class Scene:
    h: Harness
    victim_channel: int
    bystander_channel: int
    bystander: FakeInteraction | None = None

    async def start_bystander(self) -> FakeInteraction:
        """The other user's job, already submitted and running when the fault comes."""
        self.bystander = await self.h.command(
            "imagine",
            {"prompt": "a bystander's lighthouse"},
            user_id=BYSTANDER,
            channel_id=self.bystander_channel,
        )
        await self.h.wait(lambda: self._bystander_submitted(), "the bystander's submit")
        return self.bystander

    def _bystander_submitted(self) -> bool:
        return self.h.sim.count("submit/imagine") >= 1

    async def victim(self, prompt: str, *, locale: str = "en-US") -> FakeInteraction:
        return await self.h.command(
            "imagine",
            {"prompt": prompt},
            user_id=VICTIM,
            locale=locale,
            channel_id=self.victim_channel,
        )

    async def bystander_unaffected(self) -> FakeMessage:
        """The bystander's job ended with its result, shown once, as without the fault."""
        assert self.bystander is not None
        message = await self.h.wait_final(self.bystander.token, "the bystander's result")
        assert message.attachments and message.buttons(), "the bystander's job was disturbed"
        assert results_in(self.h, self.bystander_channel) == 1
        return message

    async def promises_kept(self, *, submits: int) -> list[Job]:
        """No double submit, and each job's credits reserved once and then settled (a
        success) or refunded (anything else) once; nothing left reserved."""
        h = self.h
        assert h.sim.count("submit/imagine") == submits, "a task was submitted twice"
        jobs = await h.jobs()
        assert all(job.status.is_terminal for job in jobs), [(j.id, j.status) for j in jobs]
        task_ids = [job.task_id for job in jobs if job.task_id]
        assert len(task_ids) == len(set(task_ids)), "two jobs follow one task"
        spent: Counter[int] = Counter()
        for user in (VICTIM, BYSTANDER):
            entries = await h.storage.ledger.entries(user, limit=100)
            moves = Counter((e.job_id, e.reason) for e in entries if e.job_id is not None)
            for job in [j for j in jobs if j.user_id == user]:
                ending = (
                    LedgerReason.SETTLE if job.status is JobStatus.SUCCESS else LedgerReason.REFUND
                )
                other = (
                    LedgerReason.REFUND if ending is LedgerReason.SETTLE else LedgerReason.SETTLE
                )
                assert moves[(job.id, LedgerReason.RESERVE)] == 1, job
                assert moves[(job.id, ending)] == 1 and moves[(job.id, other)] == 0, job
                spent[user] += job.status is JobStatus.SUCCESS
            wallet = await h.storage.ledger.wallet(user)
            if wallet is not None:  # a user whose command was refused before any job
                assert (wallet.available, wallet.reserved) == (CREDITS - spent[user], 0)
        assert h.fake.violations == [], "the bot sent a payload Discord would refuse"
        return jobs


def results_in(h: Harness, channel_id: int) -> int:
    """Messages in the channel showing a result image: one per finished job, never two."""
    return len([m for m in h.fake.messages_in(channel_id) if m.attachments])


@asynccontextmanager
async def scene(tmp_path: Path, **settings: Any) -> AsyncIterator[Scene]:
    config = SimConfig(step_seconds=0.05)
    async with harness(tmp_path, sim_config=config, **{**SETTINGS, **settings}) as h:
        victim_channel = h.fake.add_channel(h.fake.guild_id, name="victim")
        bystander_channel = h.fake.add_channel(h.fake.guild_id, name="bystander")
        yield Scene(h, victim_channel, bystander_channel)
