"""A final state delivered or lost around a stop: the next start reads the message back
and sends the result only if Discord does not show it, so a picture is never uploaded
twice and never missing."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.core.models import Job, JobStatus
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness

ORIGINAL = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"


def uploads(h: Harness, message_id: int) -> int:
    return sum(1 for a in h.fake.attachments.values() if a.message_id == message_id)


async def shown(h: Harness, job: Job) -> None:
    async with asyncio.timeout(8):
        while (now := await h.storage.jobs.get(job.id)) is None or now.shown_status is None:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_a_result_that_reached_discord_as_the_bot_stopped_is_not_sent_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(
        tmp_path, sim_config=SimConfig(step_seconds=0.05), shutdown_grace_seconds=0.2
    ) as h:
        inter = await h.command("imagine", {"prompt": "delivered as it died"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        # The result lands on Discord; the answer never comes back to the bot.
        h.fake.stall_answers(lambda request: request.method == "PATCH" and bool(request.files))
        (job,) = await h.jobs()
        await h.wait_job(job.id, JobStatus.SUCCESS)
        message = h.original(inter.token)
        await h.wait(lambda: bool(message.attachments), "the final edit to land")
        await asyncio.wait_for(h.stop_bot(), timeout=30)
        stopped = await h.storage.jobs.get(job.id)
        assert stopped is not None and stopped.shown_status is None  # not known as shown
        h.fake.stall_answers(None)

        with caplog.at_level(logging.INFO, logger="bot.ui.publisher"):
            await h.start_bot()
            await shown(h, job)
        assert "its final state was shown before the restart" in caplog.text
        assert uploads(h, message.id) == 1  # read back, not uploaded again
        reads = h.fake.requests_to("GET", ORIGINAL)
        assert len(reads) == 1 and reads[0].status == 200


async def test_a_result_lost_as_the_bot_stopped_is_sent_at_the_next_start(
    tmp_path: Path,
) -> None:
    async with harness(
        tmp_path, sim_config=SimConfig(step_seconds=0.05), shutdown_grace_seconds=0.2
    ) as h:
        inter = await h.command("imagine", {"prompt": "lost as it died"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        h.fake.drop_connections(1000, "/messages/@original")  # edits never reach Discord
        (job,) = await h.jobs()
        await h.wait_job(job.id, JobStatus.SUCCESS)
        await asyncio.wait_for(h.stop_bot(), timeout=30)
        message = h.original(inter.token)
        assert not message.attachments and "%" in message.content
        h.fake.drop_connections(0)

        await h.start_bot()
        await shown(h, job)
        final = await h.wait_final(inter.token)
        assert uploads(h, final.id) == 1 and final.buttons()
        assert len(h.fake.requests_to("GET", ORIGINAL)) == 1  # read back, then sent
