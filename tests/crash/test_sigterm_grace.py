"""SIGTERM while Discord hangs on the bot's edits: the real process waits up to
SHUTDOWN_GRACE_SECONDS for them, then stops cleanly either way; a result that did not get
out in time is shown at the next start, once."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.core.models import JobStatus
from tests.app.bot_process import BotProcess
from tests.crash.outcomes import check_outcomes
from tests.crash.rig import USERS, WITHIN, Rig, Sent, crash_rig

pytestmark = pytest.mark.crash


def running(rig: Rig, sent: Sent) -> bool:
    message = rig.fake.original_response(sent.inter.token)
    return message is not None and "%" in message.content


async def finished_unshown(rig: Rig) -> list[int]:
    jobs = await rig.storage.jobs.list_by_status([JobStatus.SUCCESS])
    return [job.id for job in jobs if job.shown_status is None]


@pytest.mark.parametrize("lands", [True, False], ids=["edits-land-in-time", "grace-runs-out"])
async def test_sigterm_gives_hanging_edits_the_grace(tmp_path: Path, lands: bool) -> None:
    async with crash_rig(tmp_path, seed=0, SHUTDOWN_GRACE_SECONDS="60" if lands else "1") as rig:
        bot = await rig.start()
        sent = [await rig.send_imagine(f"grace{n}", user) for n, user in enumerate(USERS)]
        await rig.fake.wait_until(lambda: all(running(rig, s) for s in sent), within=WITHIN)
        rig.fake.stall_edits()  # Discord stops answering edits
        async with asyncio.timeout(WITHIN):
            while not await finished_unshown(rig):  # noqa: ASYNC110  # the bot's database
                await asyncio.sleep(0.05)
        waiting = await finished_unshown(rig)  # results recorded, their edits hanging

        bot.send(signal.SIGTERM)
        await bot.wait_for_line("stopping: up to", within=WITHIN)
        bot.send(signal.SIGTERM)  # said again (an impatient supervisor): still the grace
        if lands:
            rig.fake.stall_edits(False)  # Discord recovers within the grace
        assert await rig.stop(BotProcess.wait) == 0
        assert bot.count("stopped cleanly") == 1, bot.output
        assert bot.count("still pending after the shutdown grace") == (0 if lands else 1)
        unshown = await finished_unshown(rig)
        if lands:
            assert not set(waiting) & set(unshown), bot.output  # delivered before it ended
        else:
            assert set(waiting) <= set(unshown)  # left for the next start
            rig.fake.stall_edits(False)

        await rig.start()  # shows what the last one could not
        await rig.settle()
        await check_outcomes(rig)
