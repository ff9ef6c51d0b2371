"""The tracker against the simulator over real HTTP, with a real SQLite file."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.app import build_core
from bot.core.events import Cause, JobEvent
from bot.core.jobs import JobService
from bot.core.mj.client import MJClient
from bot.core.models import (
    TIMED_OUT_REASON,
    JobKind,
    JobStatus,
    MessageRef,
    NewJob,
    Origin,
)
from bot.core.ports import ButtonStore
from bot.core.starter import JobLimits
from bot.core.storage import SqlStorage
from bot.core.tracker import Tracker
from bot.sim import ManualClock, Simulator

ORIGIN = Origin(user_id=1, guild_id=3, message=MessageRef(channel_id=2, message_id=4))


class Recorder:
    """A lifecycle listener that remembers what the user would be shown."""

    def __init__(self, buttons: ButtonStore) -> None:
        self._buttons = buttons
        self.seen: list[tuple[int, JobStatus, int, int]] = []
        self.finished = asyncio.Event()

    async def on_job_event(self, event: JobEvent) -> None:
        if not event.visible or event.cause not in (Cause.TASK, Cause.DEADLINE, Cause.INTERRUPTED):
            return
        job = event.job
        buttons = await self._buttons.list(job.id) if job.status is JobStatus.SUCCESS else []
        self.seen.append((job.id, job.status, job.progress, len(buttons)))
        if job.status.is_terminal:
            self.finished.set()

    def of(self, job_id: int) -> list[tuple[JobStatus, int, int]]:
        return [(s, p, b) for j, s, p, b in self.seen if j == job_id]


def make_tracker(
    client: MJClient,
    storage: SqlStorage,
    *,
    clock: ManualClock | None = None,
    deadline: float = 3600,
) -> tuple[Tracker, JobService, Recorder]:
    kwargs = {"clock": clock} if clock else {}
    core = build_core(
        client,
        storage,
        limits=JobLimits(),
        poll_interval=0.01,
        queued_poll_interval=0.0,  # every step seen: the tracker's clock stands still
        deadline_seconds=deadline,
        **kwargs,  # type: ignore[arg-type]
    )
    recorder = Recorder(storage.buttons)
    core.lifecycle.subscribe(recorder.on_job_event)
    return core.tracker, core.jobs, recorder


async def run_ticks(tracker: Tracker, sim_clock: ManualClock, limit: int = 40) -> int:
    ticks = 0
    while tracker.tracked_count and ticks < limit:
        sim_clock.advance(1.0)
        await tracker.tick()
        ticks += 1
    return ticks


async def test_a_job_goes_from_waiting_to_success_with_buttons(
    client: MJClient, storage: SqlStorage, sim_clock: ManualClock
) -> None:
    tracker, service, recorder = make_tracker(client, storage)
    job = await service.imagine(ORIGIN, "a lighthouse at dusk")
    assert job.status is JobStatus.WAITING and tracker.tracked_count == 1

    await run_ticks(tracker, sim_clock)

    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.SUCCESS
    assert stored.progress == 100 and stored.image_url and stored.finished_at
    history = recorder.of(job.id)
    assert history[-1] == (JobStatus.SUCCESS, 100, 9)
    assert any(status is JobStatus.IN_PROGRESS for status, _, _ in history)
    # Only visible changes are told: no two notifications in a row look alike.
    assert all(a != b for a, b in itertools.pairwise(history))
    buttons = await storage.buttons.list(job.id)
    assert [b.label for b in buttons[:4]] == ["U1", "U2", "U3", "U4"]


async def test_two_hundred_jobs_cost_one_query_slot_per_tick(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    tracker, service, _ = make_tracker(client, storage)
    jobs = [await service.imagine(ORIGIN, f"cat number {i}") for i in range(200)]
    before = sim.count("total")

    ticks = await run_ticks(tracker, sim_clock)

    repo = storage.jobs
    finished = [await repo.get(job.id) for job in jobs]
    assert all(j is not None and j.status is JobStatus.SUCCESS for j in finished)
    listed = sim.listed_ids()
    # list-by-condition takes at most 100 ids: 200 jobs are two requests per tick, each
    # job in exactly one of them, and nothing else is asked.
    assert sim.count("total") - before == len(listed) <= ticks * 2
    assert sim.count("task/fetch") == 0
    per_tick = [listed[i] + listed[i + 1] for i in range(0, len(listed) - 1, 2)]
    assert all(len(ids) == len(set(ids)) for ids in per_tick)


async def test_a_task_missing_from_the_batch_is_fetched_alone(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    tracker, service, _ = make_tracker(client, storage)
    hidden = await service.imagine(ORIGIN, "hidden cat")
    shown = await service.imagine(ORIGIN, "shown cat")
    assert hidden.task_id is not None
    sim.faults.omit_from_list = {hidden.task_id}

    await run_ticks(tracker, sim_clock)

    repo = storage.jobs
    assert (await repo.get(hidden.id)).status is JobStatus.SUCCESS  # type: ignore[union-attr]
    assert (await repo.get(shown.id)).status is JobStatus.SUCCESS  # type: ignore[union-attr]
    assert sim.count("task/fetch") >= 1
    assert all(hidden.task_id in ids for ids in sim.listed_ids())


async def test_without_list_by_condition_every_task_is_fetched(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.faults.list_unsupported = True
    tracker, service, _ = make_tracker(client, storage)
    job = await service.imagine(ORIGIN, "old server")
    await run_ticks(tracker, sim_clock)
    assert (await storage.jobs.get(job.id)).status is JobStatus.SUCCESS  # type: ignore[union-attr]
    assert sim.count("task/list-by-condition") == 1  # asked once, then not again


async def test_a_restart_resumes_unfinished_jobs(
    client: MJClient, storage: SqlStorage, sim_clock: ManualClock
) -> None:
    first, service, _ = make_tracker(client, storage)
    job = await service.imagine(ORIGIN, "survives restarts")
    sim_clock.advance(2.0)
    await first.tick()
    assert (await storage.jobs.get(job.id)).status is JobStatus.IN_PROGRESS  # type: ignore[union-attr]
    del first  # the process dies; only the database is left

    second, _, recorder = make_tracker(client, storage)
    resumed = await second.resume()
    assert [j.id for j in resumed] == [job.id]
    await run_ticks(second, sim_clock)
    assert recorder.of(job.id)[-1][0] is JobStatus.SUCCESS


async def test_jobs_interrupted_before_their_submit_answer_are_failed_at_start(
    client: MJClient, storage: SqlStorage
) -> None:
    pending = await storage.jobs.create(NewJob(JobKind.IMAGINE, ORIGIN, prompt="lost"), at=1.0)
    tracker, _, recorder = make_tracker(client, storage)
    await tracker.resume()
    stored = await storage.jobs.get(pending.id)
    assert stored is not None and stored.status is JobStatus.FAILURE
    assert recorder.of(pending.id) == [(JobStatus.FAILURE, 0, 0)]


async def test_a_stuck_job_fails_at_its_deadline(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(10_000.0)
    tracker, service, recorder = make_tracker(client, storage, clock=clock, deadline=60)
    job = await service.imagine(ORIGIN, "sim:stuck forever")
    for _ in range(5):
        sim_clock.advance(1.0)
        await tracker.tick()
    assert tracker.tracked_count == 1
    clock.advance(61)
    await tracker.tick()
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.FAILURE
    assert stored.fail_reason == TIMED_OUT_REASON
    assert tracker.tracked_count == 0
    assert recorder.of(job.id)[-1][0] is JobStatus.FAILURE
    assert sim.count("task/cancel") == 1  # given up on: not finished (and charged) for nobody


async def test_a_failing_task_reports_its_reason(
    client: MJClient, storage: SqlStorage, sim_clock: ManualClock
) -> None:
    tracker, service, _ = make_tracker(client, storage)
    job = await service.imagine(ORIGIN, "sim:fail please")
    await run_ticks(tracker, sim_clock)
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.FAILURE
    assert "Simulated failure" in (stored.fail_reason or "")


async def test_5xx_for_a_while_does_not_stop_the_loop(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    tracker, service, recorder = make_tracker(client, storage)
    job = await service.imagine(ORIGIN, "resilient")
    sim.faults.fault_scope = "query"
    sim.faults.http_500 = 12  # several ticks' worth, retries included

    async def advance_time() -> None:
        while True:
            sim_clock.advance(1.0)
            await asyncio.sleep(0.01)

    await tracker.start()
    mover = asyncio.create_task(advance_time())
    try:
        async with asyncio.timeout(10):
            await recorder.finished.wait()
    finally:
        mover.cancel()
        await tracker.stop()
    assert recorder.of(job.id)[-1][0] is JobStatus.SUCCESS
    assert sim.faults.http_500 == 0
    assert tracker.ticks > 2


async def test_two_jobs_following_one_task_both_finish(
    client: MJClient, storage: SqlStorage, sim_clock: ManualClock
) -> None:
    """An aggregator answers "already exists" with the id of a task we already follow."""
    tracker, service, recorder = make_tracker(client, storage)
    first = await service.imagine(ORIGIN, "same task twice")
    repo = storage.jobs
    now = time.time()
    second = await repo.create(NewJob(JobKind.ACTION, ORIGIN, prompt="same task twice"), at=now)
    assert first.task_id is not None
    await repo.mark_submitted(
        second.id,
        task_id=first.task_id,
        status=JobStatus.WAITING,
        queue_position=None,
        final_prompt=None,
        at=now,
    )
    tracker.track(await repo.get(second.id))  # type: ignore[arg-type]
    assert tracker.tracked_count == 2

    await run_ticks(tracker, sim_clock)

    for job in (first, second):
        assert recorder.of(job.id)[-1][0] is JobStatus.SUCCESS


async def test_one_failing_job_does_not_hold_back_the_others(
    client: MJClient, storage: SqlStorage, sim_clock: ManualClock
) -> None:
    clock = ManualClock(time.time())
    core = build_core(
        client,
        storage,
        limits=JobLimits(),
        poll_interval=0.01,
        queued_poll_interval=0.0,
        deadline_seconds=60,
        clock=clock,
    )
    jobs = [await core.jobs.imagine(ORIGIN, f"cat {i}") for i in range(3)]
    poisoned = jobs[1].id

    async def refuse_one(_stores: object, event: JobEvent) -> None:
        if event.job.id == poisoned and event.cause is Cause.TASK:
            raise RuntimeError("this job's bookkeeping fails")

    core.lifecycle.subscribe_in_transaction(refuse_one)  # type: ignore[arg-type]
    await run_ticks(core.tracker, sim_clock, limit=15)
    statuses = [(await storage.jobs.get(job.id)).status for job in jobs]  # type: ignore[union-attr]
    assert statuses[0] is statuses[2] is JobStatus.SUCCESS
    assert statuses[1] is JobStatus.WAITING and core.tracker.is_tracking(poisoned)
    clock.advance(61)  # its deadline still holds
    await core.tracker.tick()
    assert (await storage.jobs.get(poisoned)).fail_reason == TIMED_OUT_REASON  # type: ignore[union-attr]
