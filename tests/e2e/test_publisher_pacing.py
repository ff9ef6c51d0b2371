"""How often a job's message is edited: a change that only changes text waits for the next
preview, a preview goes at the edit interval, a final state at once. The bot is real; the
publisher's clock is the test's, and the test plays the aggregator's answers through the
lifecycle (the simulator's task never leaves its first stage)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.models import Job, JobStatus, TaskUpdate
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeMessage

INTERVAL = 5.0
PREVIEW = "http://127.0.0.1:9/preview-{}.png"  # shown as a link, never fetched


class FakeTime:
    """The publisher's clock and its waits: time moves only when the test says."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, future in self._waiters:
            if deadline <= self.now and not future.done():
                future.set_result(None)

    async def pause(self, event: asyncio.Event, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        waiter = (self.now + seconds, future)
        self._waiters.append(waiter)
        woken = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({woken, future}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            self._waiters.remove(waiter)


@pytest.fixture
async def paced(tmp_path: Path) -> AsyncIterator[tuple[Harness, FakeTime]]:
    config = SimConfig(step_seconds=3600)  # the task stays queued: the test moves it
    async with harness(tmp_path, sim_config=config, edit_interval_seconds=INTERVAL) as h:
        clock = FakeTime()
        # The seams Publisher(clock=, pause=) offers, set on the bot as built by `build`.
        h.app.publisher._clock = clock
        h.app.publisher._pause = clock.pause
        yield h, clock


async def started(h: Harness) -> tuple[Job, FakeMessage, str]:
    inter = await h.command("imagine", {"prompt": "paced"})
    await h.wait(lambda: h.original(inter.token).edits >= 1, "the waiting state")
    (job,) = await h.jobs()
    assert job.status is JobStatus.WAITING
    h.core.tracker.untrack(job.id)  # from now on the test is the aggregator
    return job, h.original(inter.token), inter.token


async def update(h: Harness, job: Job, update: TaskUpdate) -> Job:
    (now,) = await h.core.lifecycle.apply_task_updates([(job, update)])
    return now


async def settle() -> None:
    """Give the publisher every chance to send what it would send now."""
    for _ in range(10):
        await asyncio.sleep(0.02)


def progress(percent: int, preview: int | None = None) -> TaskUpdate:
    image = PREVIEW.format(preview) if preview is not None else None
    return TaskUpdate(JobStatus.IN_PROGRESS, progress=percent, image_url=image)


async def test_a_text_only_change_is_folded_into_the_next_preview(
    paced: tuple[Harness, FakeTime],
) -> None:
    h, clock = paced
    job, message, token = await started(h)
    shown = message.edits

    clock.advance(INTERVAL)
    job = await update(h, job, progress(0))  # "0 %": no preview
    clock.advance(INTERVAL)  # an interval since it came, two since the last edit
    await settle()
    assert h.original(token).edits == shown, "0 % alone is held"

    job = await update(h, job, progress(15, preview=1))
    await h.wait(lambda: "15%" in h.original(token).content, "the first preview")
    await settle()
    assert h.original(token).edits == shown + 1  # one edit for 0 % and 15 %
    assert h.original(token).embeds[0]["image"]["url"] == PREVIEW.format(1)


async def test_a_held_change_is_shown_once_its_hold_ends(
    paced: tuple[Harness, FakeTime],
) -> None:
    h, clock = paced
    job, message, token = await started(h)
    shown = message.edits

    job = await update(h, job, progress(0))
    clock.advance(2 * INTERVAL - 0.5)
    await settle()
    assert h.original(token).edits == shown
    clock.advance(0.5)
    await h.wait(lambda: "0%" in h.original(token).content, "0 % after its hold")
    assert h.original(token).edits == shown + 1


async def test_a_final_state_during_a_hold_goes_at_once(
    paced: tuple[Harness, FakeTime],
) -> None:
    h, clock = paced
    job, _, token = await started(h)
    clock.advance(INTERVAL)
    job = await update(h, job, progress(15, preview=1))  # a preview: at the interval
    await h.wait(lambda: "15%" in h.original(token).content, "the first preview")
    shown = h.original(token).edits

    clock.advance(1)
    job = await update(h, job, progress(16, preview=1))  # same preview: held
    await settle()
    assert h.original(token).edits == shown
    failed = TaskUpdate(JobStatus.FAILURE, fail_reason="banned prompt detected")
    job = await update(h, job, failed)  # the clock stands still: no hold, no interval

    await h.wait(lambda: "%" not in h.original(token).content, "the failure")
    assert "banned prompt" in h.original(token).embeds[0]["description"]
    await settle()
    assert h.original(token).edits == shown + 1  # 16 % never shown, the failure at once
    (stored,) = await h.jobs()
    assert stored.shown_status is JobStatus.FAILURE
