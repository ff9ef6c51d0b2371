"""Queue positions ("Queued, 2 ahead") refreshed from the aggregator's `task/queue`: the
derivation, then the tracker against the simulator over real HTTP and a SQLite file."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.core.changes import changes_from_task
from bot.core.events import Cause, JobEvent
from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJTransportError
from bot.core.mj.schemas import SpeedMode, Task
from bot.core.models import (
    Job,
    JobKind,
    JobStatus,
    MessageRef,
    NewJob,
    Origin,
    TaskUpdate,
)
from bot.core.queued import queue_positions
from bot.core.storage import SqlStorage
from bot.core.tracker import Tracker, task_update
from bot.sim import ManualClock, Simulator
from tests.conftest import make_client

ORIGIN = Origin(user_id=1, guild_id=3, message=MessageRef(channel_id=2, message_id=4))


def task(task_id: str, status: str) -> Task:
    return Task.model_validate({"id": task_id, "status": status})


# ---------------------------------------------------------------- the derivation


def test_a_position_counts_the_not_started_tasks_listed_ahead() -> None:
    queue = [
        task("running", "IN_PROGRESS"),
        task("a", "NOT_START"),
        task("started", "SUBMITTED"),
        task("b", "NOT_START"),
        task("ours", "NOT_START"),
        task("behind", "NOT_START"),
        task("ours", "NOT_START"),  # listed twice: its first place counts
    ]
    wanted = {"ours", "a", "started", "gone"}
    # Started and unlisted tasks are left to the normal poll.
    assert queue_positions(queue, wanted) == {"a": 0, "ours": 2}
    assert queue_positions([], wanted) == {}


def test_a_started_task_has_nobody_ahead_whatever_the_queue_said() -> None:
    assert task_update(task("t", "NOT_START"), 2).queue_position == 2
    assert task_update(task("t", "NOT_START")).queue_position is None  # not asked: kept
    assert task_update(task("t", "")).queue_position is None  # a relay's blank first answer
    for started in ("SUBMITTED", "IN_PROGRESS", "SUCCESS"):
        assert task_update(task("t", started), 2).queue_position == 0


async def test_a_new_position_changes_a_waiting_job_only(storage: SqlStorage) -> None:
    recorded = await storage.jobs.create(NewJob(JobKind.IMAGINE, ORIGIN, prompt="p"), at=1.0)
    job = recorded.model_copy(
        update={"task_id": "t", "status": JobStatus.WAITING, "queue_position": 2}
    )
    waiting = JobStatus.WAITING
    assert changes_from_task(job, TaskUpdate(waiting, queue_position=1), 5.0) == {
        "queue_position": 1,
        "updated_at": 5.0,
    }
    assert (
        changes_from_task(job, TaskUpdate(waiting, queue_position=0), 5.0)["queue_position"] is None
    )
    assert changes_from_task(job, TaskUpdate(waiting, queue_position=2), 5.0) == {}
    assert changes_from_task(job, TaskUpdate(waiting), 5.0) == {}  # unknown: kept
    running = TaskUpdate(JobStatus.IN_PROGRESS, progress=15, queue_position=1)
    assert changes_from_task(job, running, 5.0)["queue_position"] is None


# ---------------------------------------------------------------- the client


async def test_the_client_reads_the_queue_in_its_order(client: MJClient, sim: Simulator) -> None:
    first = (await client.imagine("first")).task_id
    second = (await client.imagine("second")).task_id
    queue = await client.queue()
    assert queue is not None and [t.id for t in queue] == [first, second]
    assert sim.records("task/queue")[-1].method == "GET"


async def test_the_client_asks_under_its_speed_prefix(sim: Simulator, http: Any) -> None:
    fast = make_client(sim, http, speed_mode=SpeedMode.FAST)
    assert await fast.queue() == []
    assert [r.mode for r in sim.records("task/queue")] == ["FAST"]


async def test_without_the_endpoint_the_client_answers_none(
    client: MJClient, sim: Simulator
) -> None:
    sim.faults.queue_unsupported = True
    assert await client.queue() is None


# ---------------------------------------------------------------- the tracker


class Shown:
    """What the user is told after each tracked change: (job id, status, position)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, JobStatus, int | None]] = []

    async def __call__(self, event: JobEvent) -> None:
        if event.visible and event.cause is Cause.TASK:
            self.seen.append((event.job.id, event.job.status, event.job.queue_position))

    def of(self, job: Job) -> list[tuple[JobStatus, int | None]]:
        return [(status, ahead) for job_id, status, ahead in self.seen if job_id == job.id]


class Setup:
    def __init__(self, client: MJClient, storage: SqlStorage, queue_interval: float) -> None:
        self.client = client
        self.clock = ManualClock(time.time())  # the tracker's: deadlines and refreshes
        self.lifecycle = JobLifecycle(storage)
        self.tracker = Tracker(
            client,
            storage.jobs,
            self.lifecycle,
            poll_interval=0.01,
            queue_interval=queue_interval,
            queued_poll_interval=0.0,  # every tick asks: the tracker's clock mostly stands
            clock=self.clock,
        )
        self.lifecycle.subscribe(self.tracker.on_job_event)
        self.shown = Shown()
        self.lifecycle.subscribe(self.shown)

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


@pytest.fixture
def setup(client: MJClient, storage: SqlStorage) -> Setup:
    return Setup(client, storage, queue_interval=5.0)


async def test_a_waiting_job_moves_up_as_the_tasks_ahead_start(
    setup: Setup, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.faults.queue_position = 2
    job = await setup.imagine("patience")
    assert job.queue_position == 2

    await setup.tracker.tick()  # the first refresh is due at once: still 2 ahead
    assert sim.count("task/queue") == 1 and setup.shown.of(job) == []

    sim_clock.advance(1.0)  # one task ahead started, but no refresh is due yet
    await setup.tracker.tick()
    assert sim.count("task/queue") == 1 and setup.shown.of(job) == []

    setup.clock.advance(5.0)
    await setup.tracker.tick()
    assert sim.count("task/queue") == 2
    assert setup.shown.of(job) == [(JobStatus.WAITING, 1)]

    sim_clock.advance(1.0)
    setup.clock.advance(5.0)
    await setup.tracker.tick()  # nobody ahead: "waiting to start"
    assert setup.shown.of(job)[-1] == (JobStatus.WAITING, None)
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.queue_position is None

    for _ in range(3):  # without a position there is nothing to refresh
        sim_clock.advance(1.0)
        setup.clock.advance(5.0)
        await setup.tracker.tick()
    assert sim.count("task/queue") == 3
    assert setup.shown.of(job)[-1][0] is JobStatus.IN_PROGRESS


async def test_one_queue_read_serves_every_waiting_job(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.faults.queue_position = 1
    jobs = [await setup.imagine(f"cat {i}") for i in range(3)]
    # Each waits behind another user's task and ours submitted before it.
    assert [j.queue_position for j in jobs] == [1, 3, 5]
    sim_clock.advance(1.0)
    await setup.tracker.tick()
    assert sim.count("task/queue") == 1
    assert [setup.shown.of(j) for j in jobs] == [
        [(JobStatus.WAITING, None)],
        [(JobStatus.WAITING, 1)],
        [(JobStatus.WAITING, 2)],
    ]


async def test_a_job_that_started_between_refreshes_loses_its_position(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.faults.queue_position = 2
    job = await setup.imagine("quick start")
    await setup.tracker.tick()
    sim_clock.advance(3.0)  # SUBMITTED: started, with no refresh due
    await setup.tracker.tick()
    assert sim.count("task/queue") == 1
    assert setup.shown.of(job) == [(JobStatus.WAITING, None)]


async def test_jobs_without_a_position_never_read_the_queue(
    setup: Setup, sim: Simulator, sim_clock: ManualClock
) -> None:
    job = await setup.imagine("no queue")
    assert job.queue_position is None
    while setup.tracker.tracked_count:
        sim_clock.advance(1.0)
        setup.clock.advance(5.0)
        await setup.tracker.tick()
    assert sim.count("task/queue") == 0


async def test_without_the_endpoint_the_queue_is_asked_once(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.faults.queue_unsupported = True
    setup = Setup(client, storage, queue_interval=0.0)  # due every tick
    sim.faults.queue_position = 2
    jobs = [await setup.imagine("old server"), await setup.imagine("old server too")]
    ticks = 0
    while setup.tracker.tracked_count and ticks < 40:
        sim_clock.advance(1.0)
        await setup.tracker.tick()
        ticks += 1
    assert sim.count("task/queue") == 1  # probed once, then never again
    for job in jobs:  # polling went on: the positions held until the tasks started
        stored = await storage.jobs.get(job.id)
        assert stored is not None and stored.status is JobStatus.SUCCESS
        assert [ahead for _, ahead in setup.shown.of(job)] == [None] * len(setup.shown.of(job))


async def test_a_failing_queue_read_does_not_stop_polling(
    setup: Setup, sim: Simulator, sim_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    async def broken() -> list[Task] | None:
        calls.append(1)
        raise MJTransportError("GET /mj/task/queue failed: ConnectError")

    monkeypatch.setattr(setup.client, "queue", broken)
    sim.faults.queue_position = 2
    job = await setup.imagine("flaky")
    for _ in range(3):
        sim_clock.advance(1.0)
        setup.clock.advance(5.0)
        await setup.tracker.tick()
    assert len(calls) == 2  # asked again next time: a failure is not "unsupported"
    assert setup.shown.of(job) == [(JobStatus.WAITING, None)]  # started: SUBMITTED
    assert sim.count("task/list-by-condition") == 3
