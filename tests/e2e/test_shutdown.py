"""A stop while Discord hangs: the bot waits SHUTDOWN_GRACE_SECONDS for its edits, then
stops anyway; the result not delivered is sent at the next start, once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.core.models import JobStatus
from bot.sim import SimConfig
from tests.e2e.harness import harness


async def test_a_stop_waits_the_grace_then_the_next_start_delivers_the_result(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(
        tmp_path, sim_config=SimConfig(step_seconds=0.05), shutdown_grace_seconds=0.2
    ) as h:
        inter = await h.command("imagine", {"prompt": "stuck on the way out"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        h.fake.stall_edits()  # Discord stops answering edits
        (job,) = await h.jobs()
        await h.wait_job(job.id, JobStatus.SUCCESS)

        with caplog.at_level(logging.WARNING, logger="bot.ui.publisher"):
            # Generous bound: without the grace, this would wait for Discord forever.
            await asyncio.wait_for(h.stop_bot(), timeout=30)
        assert "still pending after the shutdown grace" in caplog.text
        stopped = await h.storage.jobs.get(job.id)
        assert stopped is not None and stopped.shown_status is None  # not delivered

        h.fake.stall_edits(False)
        await h.start_bot()
        message = await h.wait_final(inter.token)
        assert message.attachments and message.buttons()

        async def shown() -> bool:
            now = await h.storage.jobs.get(job.id)
            return now is not None and now.shown_status is JobStatus.SUCCESS

        for _ in range(200):
            if await shown():
                break
            await asyncio.sleep(0.02)
        assert await shown()
        assert h.sim.count("submit/imagine") == 1
