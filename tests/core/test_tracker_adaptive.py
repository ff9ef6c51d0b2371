"""Adaptive polling against the simulator over real HTTP and a SQLite file: queued tasks
asked less often than running ones, backoff after 429 (Retry-After) and 5xx (doubling,
reset by an answer), and a tick's chunks of 100 ids all asked at once. The tracker's
time is a manual clock: nothing here waits on the wall clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from bot.core import tracker as tracker_module
from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import MJClient
from bot.core.mj.schemas import Task, TaskStatus
from bot.core.models import Job, JobKind, JobStatus, MessageRef, NewJob, Origin
from bot.core.storage import SqlStorage
from bot.core.tracker import Tracker
from bot.sim import ManualClock, Simulator

ORIGIN = Origin(user_id=1, guild_id=3, message=MessageRef(channel_id=2, message_id=4))


class Setup:
    def __init__(self, client: MJClient, storage: SqlStorage, **kwargs: float) -> None:
        self.client = client
        self.clock = ManualClock(1_000.0)  # the tracker's
        self.lifecycle = JobLifecycle(storage, clock=self.clock)
        self.tracker = Tracker(
            client, storage.jobs, self.lifecycle, poll_interval=1.0, clock=self.clock, **kwargs
        )
        self.lifecycle.subscribe(self.tracker.on_job_event)

    async def imagine(self, prompt: str) -> Job:
        job = await self.lifecycle.record(NewJob(JobKind.IMAGINE, ORIGIN, prompt=prompt))
        sub = await self.client.imagine(prompt)
        return await self.lifecycle.submitted(
            job,
            task_id=sub.task_id,
            queue_position=sub.queue_position,
            final_prompt=sub.final_prompt,
            needs_input=sub.needs_modal,
        )

    async def running(self, sim_clock: ManualClock, prompt: str = "sim:stuck forever") -> Job:
        """A job whose task runs (and never finishes), the tracker told so."""
        job = await self.imagine(prompt)
        assert job.task_id is not None
        sim_clock.advance(5.0)
        assert (await self.client.fetch(job.task_id)).status is TaskStatus.IN_PROGRESS
        await self.tick()
        assert self.tracker.is_tracking(job.id)
        return job

    async def tick(self, seconds: float = 0.0) -> None:
        self.clock.advance(seconds)
        await self.tracker.tick()


def asked(sim: Simulator, task_id: str | None) -> int:
    return sum(ids.count(str(task_id)) for ids in sim.listed_ids())


@pytest.fixture
def setup(client: MJClient, storage: SqlStorage) -> Setup:
    return Setup(client, storage, queued_poll_interval=3.0)


# ---------------------------------------------------------------- queued vs running


async def test_a_queued_task_is_asked_less_often_than_a_running_one(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    running = await setup.running(sim_clock)
    sim.faults.queue_position = 50  # NOT_START for 50 steps
    queued = await setup.imagine("waiting in line")
    sim.log.clear()
    for _ in range(9):  # nine ticks, one second apart
        await setup.tick(1.0)
    assert asked(sim, running.task_id) == 9
    assert asked(sim, queued.task_id) == 3  # every 3 s: the first tick, then 3 s later...
    assert len(sim.listed_ids()) == 9  # one request per tick, the queued ids in it when due
    assert sim.count("task/fetch") == 0
    assert (await setup.tracker._jobs.get(queued.id)).status is JobStatus.WAITING  # type: ignore[union-attr]


async def test_a_queued_task_that_starts_is_asked_every_tick(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    queued = await setup.imagine("soon running")
    await setup.tick()  # asked at once: never asked before
    sim_clock.advance(5.0)  # it runs now, but the tracker does not know yet
    await setup.tick(1.0)
    await setup.tick(1.0)
    assert asked(sim, queued.task_id) == 1
    await setup.tick(1.0)  # 3 s on: asked, found running
    for _ in range(3):
        await setup.tick(1.0)
    assert asked(sim, queued.task_id) == 5


def test_the_default_asks_queued_tasks_every_three_poll_intervals(
    client: MJClient, storage: SqlStorage
) -> None:
    tracker = Setup(client, storage).tracker
    assert tracker._queued_poll_interval == 3.0


# ---------------------------------------------------------------- backoff


async def test_a_429_with_retry_after_holds_polling_that_long(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    job = await setup.running(sim_clock)
    sim.faults.update({"fault_scope": "query", "rate_limited": 3, "retry_after": 7})
    before = asked(sim, job.task_id)
    await setup.tick(1.0)  # the client's three attempts are all refused
    assert asked(sim, job.task_id) - before == 3 and sim.faults.rate_limited == 0
    assert setup.tracker.backoff_remaining == 7.0
    for _ in range(6):
        await setup.tick(1.0)  # 1..6 s later: nobody asks
    await setup.tick(0.5)
    assert asked(sim, job.task_id) - before == 3
    await setup.tick(0.5)  # 7 s: asked again, answered
    assert asked(sim, job.task_id) - before == 4
    assert setup.tracker.backoff_remaining == 0.0
    await setup.tick(1.0)  # back to every tick
    assert asked(sim, job.task_id) - before == 5


async def test_a_long_retry_after_is_capped(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    setup = Setup(client, storage, max_backoff=60.0)
    await setup.running(sim_clock)
    sim.faults.update({"fault_scope": "query", "rate_limited": 3, "retry_after": 3600})
    await setup.tick(1.0)
    assert setup.tracker.backoff_remaining == 60.0


async def test_a_429_without_retry_after_backs_off_like_a_5xx(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    await setup.running(sim_clock)
    sim.faults.update({"fault_scope": "query", "rate_limited": 3, "retry_after": None})
    await setup.tick(1.0)
    assert setup.tracker.backoff_remaining == 2.0  # poll interval x 2


async def test_5xx_backs_off_exponentially_and_an_answer_resets_it(
    setup: Setup, sim: Simulator, sim_clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    job = await setup.running(sim_clock)
    sim.faults.fault_scope = "query"
    caplog.set_level(logging.INFO, logger="bot.core.tracker")
    polls: list[float] = []  # tracker seconds at which the aggregator was asked

    async def run(seconds: int) -> None:
        for _ in range(seconds):
            count = asked(sim, job.task_id)
            await setup.tick(1.0)
            if asked(sim, job.task_id) > count:
                polls.append(setup.clock() - start)

    start = setup.clock()
    sim.faults.http_500 = 3 * 4  # four polls refused, the client's retries included
    await run(2 + 4 + 8 + 16 + 1)
    # Refused at 1, then waits 2, 4, 8, 16 s; answered at 31, then asked every tick.
    assert polls == [1.0, 3.0, 7.0, 15.0, 31.0]
    assert setup.tracker.backoff_remaining == 0.0
    sim.faults.http_500 = 3
    await run(3)
    assert polls[5:] == [32.0, 34.0]  # a new streak starts from 2 s again
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # once per streak, not once per refused poll
    assert any("answers polls again after 4 refused" in r.message for r in caplog.records)


async def test_refusals_on_the_fetch_fallback_back_off_too(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.faults.list_unsupported = True
    job = await setup.running(sim_clock)
    sim.faults.update({"fault_scope": "query", "http_500": 3})
    before = sim.count("task/fetch")
    await setup.tick(1.0)
    assert setup.tracker.backoff_remaining == 2.0
    await setup.tick(1.0)
    assert sim.count("task/fetch") == before + 3
    await setup.tick(1.0)
    assert sim.count("task/fetch") == before + 4 and setup.tracker.is_tracking(job.id)


# ---------------------------------------------------------------- concurrent chunks


async def test_every_chunk_of_a_tick_is_asked_at_once(
    setup: Setup,
    sim: Simulator,
    sim_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = [await setup.imagine(f"sim:stuck cat {i}") for i in range(250)]
    sim_clock.advance(5.0)
    in_flight, most = 0, 0
    real = setup.client.list_by_condition

    async def counting(task_ids: Sequence[str]) -> list[Task]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0)  # let the other chunks start
            return await real(task_ids)
        finally:
            in_flight -= 1

    monkeypatch.setattr(setup.client, "list_by_condition", counting)
    sim.log.clear()
    await setup.tick(1.0)
    listed = sim.listed_ids()
    assert sorted(len(ids) for ids in listed) == [50, 100, 100]
    assert sorted(i for ids in listed for i in ids) == sorted(str(j.task_id) for j in jobs)
    assert most == 3 and sim.count("task/fetch") == 0

    monkeypatch.setattr(tracker_module, "LIST_CONCURRENCY", 2)  # bounded
    most = 0
    await setup.tick(1.0)
    assert most == 2 and len(sim.listed_ids()) == 6
    stored = [await setup.tracker._jobs.get(job.id) for job in jobs]
    assert all(j is not None and j.status is JobStatus.IN_PROGRESS for j in stored)
