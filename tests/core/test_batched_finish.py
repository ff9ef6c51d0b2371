"""A polling tick's final states in one batch, on SQLite and PostgreSQL: written once even
when another path finishes a job first, each job's own buttons, credits settled or
refunded once with the ledger entries one job at a time would write, and a number of
statements that does not grow with the number of jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.core.admission import Admission
from bot.core.credits import Credits
from bot.core.events import JobEvent
from bot.core.lifecycle import JobLifecycle
from bot.core.limits import Limits, LimitValues
from bot.core.models import (
    ChargeState,
    Final,
    Job,
    JobKind,
    JobStatus,
    MessageRef,
    NewJob,
    Origin,
    ResultButton,
    TaskUpdate,
)
from bot.core.pricing import Prices
from bot.core.storage import SqlStorage
from bot.sim import ManualClock

ORIGIN = Origin(user_id=7, guild_id=3, message=MessageRef(channel_id=2, message_id=4))


def buttons(job_id: int, count: int = 4) -> tuple[ResultButton, ...]:
    return tuple(
        ResultButton(custom_id=f"MJ::JOB::upsample::{n}::{job_id}", label=f"U{n}")
        for n in range(1, count + 1)
    )


def success(job_id: int) -> TaskUpdate:
    return TaskUpdate(
        JobStatus.SUCCESS,
        progress=100,
        image_url=f"https://cdn.example/{job_id}.png",
        final_prompt=f"prompt {job_id} --v 7",
        buttons=buttons(job_id),
    )


FAILURE = TaskUpdate(JobStatus.FAILURE, fail_reason="banned prompt")


def final(job_id: int, status: JobStatus = JobStatus.SUCCESS) -> Final:
    return Final(
        job_id=job_id,
        status=status,
        progress=100,
        image_url=f"https://cdn.example/{job_id}.png",
        final_prompt=None,
        fail_reason=None if status is JobStatus.SUCCESS else "failed",
    )


async def waiting_jobs(storage: SqlStorage, count: int, *, user_id: int = 7) -> list[Job]:
    origin = ORIGIN.model_copy(update={"user_id": user_id})
    out = []
    for i in range(count):
        job = await storage.jobs.create(NewJob(JobKind.IMAGINE, origin, prompt=f"p{i}"), at=10.0)
        assert await storage.jobs.mark_submitted(
            job.id,
            task_id=f"task-{job.id}",
            status=JobStatus.WAITING,
            queue_position=None,
            final_prompt=None,
            at=11.0,
        )
        out.append(await storage.jobs.get(job.id) or job)
    return out


@contextmanager
def counted_statements(storage: SqlStorage) -> Iterator[list[str]]:
    """Every statement sent to the database (an executemany counts once)."""
    seen: list[str] = []

    def before(*args: Any) -> None:
        seen.append(args[2])

    event.listen(storage.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(storage.engine.sync_engine, "before_cursor_execute", before)


# ------------------------------------------------------------------- the store


async def test_a_batch_writes_only_the_jobs_no_other_path_finished(
    any_storage: SqlStorage,
) -> None:
    jobs = await waiting_jobs(any_storage, 5)
    cancelled = await any_storage.jobs.finish(
        jobs[1].id,
        status=JobStatus.CANCEL,
        progress=0,
        image_url=None,
        final_prompt=None,
        fail_reason="cancelled",
        at=20.0,
    )
    assert cancelled is not None

    written = await any_storage.jobs.finish_many([final(job.id) for job in reversed(jobs)], at=30.0)

    assert [job.id for job in written] == [job.id for job in reversed(jobs) if job != jobs[1]]
    assert all(job.status is JobStatus.SUCCESS for job in written)
    assert all((job.finished_at, job.updated_at) == (30.0, 30.0) for job in written)
    assert [await any_storage.jobs.get(job.id) for job in written] == written
    assert await any_storage.jobs.get(jobs[1].id) == cancelled  # left alone

    # A second batch finds nothing left to finish and changes nothing.
    assert await any_storage.jobs.finish_many([final(job.id) for job in jobs], at=40.0) == []
    assert [await any_storage.jobs.get(job.id) for job in written] == written


async def test_a_batch_keeps_to_the_expected_statuses(any_storage: SqlStorage) -> None:
    waiting = await waiting_jobs(any_storage, 2)
    pending = await any_storage.jobs.create(NewJob(JobKind.IMAGINE, ORIGIN, prompt="p"), at=10.0)
    ids = [job.id for job in waiting] + [pending.id]

    written = await any_storage.jobs.finish_many(
        [final(job_id, JobStatus.FAILURE) for job_id in ids],
        at=30.0,
        expected=(JobStatus.PENDING,),
    )

    assert [job.id for job in written] == [pending.id]
    assert [await any_storage.jobs.get(job.id) for job in waiting] == waiting


async def test_a_path_finishing_a_job_while_the_batch_runs_wins_it_once(
    any_storage: SqlStorage,
) -> None:
    jobs = await waiting_jobs(any_storage, 4)
    race = jobs[2]
    go = asyncio.Event()

    async def batch() -> list[Job]:
        await go.wait()
        return await any_storage.jobs.finish_many([final(job.id) for job in jobs], at=30.0)

    running = asyncio.create_task(batch())  # its own context: outside the transaction below
    async with any_storage.transaction() as stores:
        expired = await stores.jobs.finish(
            race.id,
            status=JobStatus.FAILURE,
            progress=0,
            image_url=None,
            final_prompt=None,
            fail_reason="timed out",
            at=25.0,
        )
        assert expired is not None
        go.set()
        await asyncio.sleep(0.3)
        assert not running.done()  # the batch waits for that job (or the write lock)
    written = await running

    assert [job.id for job in written] == [job.id for job in jobs if job != race]
    assert await any_storage.jobs.get(race.id) == expired


async def test_buttons_of_each_job_are_its_own(any_storage: SqlStorage) -> None:
    jobs = await waiting_jobs(any_storage, 3)
    await any_storage.buttons.replace(jobs[2].id, buttons(999, 2))  # an earlier set

    async with any_storage.transaction() as stores:
        await stores.buttons.replace_many(
            {jobs[0].id: buttons(jobs[0].id), jobs[1].id: (), jobs[2].id: buttons(jobs[2].id, 5)}
        )

    listed = [await any_storage.buttons.list(job.id) for job in jobs]
    assert [[b.custom_id for b in stored] for stored in listed] == [
        [b.custom_id for b in buttons(jobs[0].id)],
        [],
        [b.custom_id for b in buttons(jobs[2].id, 5)],
    ]
    assert [b.index for b in listed[2]] == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------- the lifecycle


async def test_a_tick_finishes_the_others_and_reports_exactly_them(
    any_storage: SqlStorage,
) -> None:
    clock = ManualClock(1_000.0)
    lifecycle = JobLifecycle(any_storage, clock=clock)
    seen: list[JobEvent] = []
    inside: list[list[JobEvent]] = []

    async def told(event: JobEvent) -> None:
        seen.append(event)

    async def batch(_stores: object, events: Any) -> None:
        inside.append(list(events))

    lifecycle.subscribe(told)
    lifecycle.subscribe_in_transaction_batch(batch)
    jobs = await waiting_jobs(any_storage, 6)
    cancelled = await lifecycle.cancelled(jobs[0])  # another path, before the tick
    assert cancelled is not None
    seen.clear()
    inside.clear()
    clock.advance(10)

    updates = [(job, success(job.id) if i % 2 else FAILURE) for i, job in enumerate(jobs)]
    after = await lifecycle.apply_task_updates(updates)  # jobs[0] as the tracker knew it

    assert after[0] == cancelled
    assert [job.status for job in after[1:]] == [
        JobStatus.SUCCESS,
        JobStatus.FAILURE,
        JobStatus.SUCCESS,
        JobStatus.FAILURE,
        JobStatus.SUCCESS,
    ]
    assert after == [await any_storage.jobs.get(job.id) for job in jobs]
    assert [e.job for e in seen] == after[1:]
    assert [[e.job for e in events] for events in inside] == [after[1:]]
    for job in after:
        stored = [b.custom_id for b in await any_storage.buttons.list(job.id)]
        wanted = [b.custom_id for b in buttons(job.id)] if job.status is JobStatus.SUCCESS else []
        assert stored == wanted

    seen.clear()
    assert await lifecycle.apply_task_updates(updates) == after  # again: nothing new
    assert seen == []


async def credits_lifecycle(storage: SqlStorage, clock: ManualClock) -> JobLifecycle:
    credits = Credits(Prices(), enabled=True, new_user_credits=10_000, clock=clock)
    admission = Admission(Limits(LimitValues(max_concurrent_jobs_per_user=0), clock=clock), credits)
    lifecycle = JobLifecycle(storage, gate=admission, clock=clock)
    lifecycle.subscribe_in_transaction_batch(credits.on_job_events)
    return lifecycle


async def charged_jobs(lifecycle: JobLifecycle, user_id: int, count: int) -> list[Job]:
    origin = ORIGIN.model_copy(update={"user_id": user_id})
    out = []
    for i in range(count):
        job = await lifecycle.record(NewJob(JobKind.IMAGINE, origin, prompt=f"p{i}"))
        out.append(
            await lifecycle.submitted(
                job,
                task_id=f"task-{job.id}",
                queue_position=None,
                final_prompt=None,
                needs_input=False,
            )
        )
    return out


async def test_credits_of_a_batch_are_settled_or_refunded_once_like_one_by_one(
    any_storage: SqlStorage,
) -> None:
    clock = ManualClock(1_000.0)
    lifecycle = await credits_lifecycle(any_storage, clock)
    one_by_one = await charged_jobs(lifecycle, 100, 8)
    batched = await charged_jobs(lifecycle, 200, 8)
    clock.advance(10)

    def update(i: int, job: Job) -> TaskUpdate:
        return success(job.id) if i % 3 else FAILURE

    for i, job in enumerate(one_by_one):
        await lifecycle.apply_task_updates([(job, update(i, job))])
    await lifecycle.apply_task_updates([(job, update(i, job)) for i, job in enumerate(batched)])
    # Told again (a tick racing a push): nothing moves a second time.
    await lifecycle.apply_task_updates([(job, update(i, job)) for i, job in enumerate(batched)])

    async def ledger_of(user_id: int, jobs: list[Job]) -> list[tuple[Any, ...]]:
        position = {job.id: i for i, job in enumerate(jobs)}
        entries = await any_storage.ledger.entries(user_id, limit=100)
        return [
            (e.reason, e.delta, e.held, position.get(e.job_id or 0), e.admin_id, e.created_at)
            for e in reversed(entries)
        ]

    assert await ledger_of(200, batched) == await ledger_of(100, one_by_one)
    wallets = [await any_storage.ledger.wallet(u) for u in (100, 200)]
    assert wallets[0] is not None and wallets[1] is not None
    assert (wallets[1].available, wallets[1].reserved) == (
        wallets[0].available,
        wallets[0].reserved,
    )
    assert wallets[1].reserved == 0
    states = [await any_storage.ledger.charge_state(job.id) for job in batched]
    assert states == [
        ChargeState.SETTLED if i % 3 else ChargeState.REFUNDED for i in range(len(batched))
    ]


async def test_release_many_moves_each_reservation_once(any_storage: SqlStorage) -> None:
    clock = ManualClock(1_000.0)
    lifecycle = await credits_lifecycle(any_storage, clock)
    jobs = await charged_jobs(lifecycle, 300, 4)
    assert await any_storage.ledger.settle(jobs[0].id, at=2_000.0)  # another path first

    releases = [(job.id, ChargeState.REFUNDED) for job in jobs]
    assert await any_storage.ledger.release_many(releases, at=2_001.0) == {
        job.id for job in jobs[1:]
    }
    assert await any_storage.ledger.release_many(releases, at=2_002.0) == set()

    assert [await any_storage.ledger.charge_state(job.id) for job in jobs] == [
        ChargeState.SETTLED,
        ChargeState.REFUNDED,
        ChargeState.REFUNDED,
        ChargeState.REFUNDED,
    ]
    assert await any_storage.ledger.count_entries(300) == 1 + 4 + 1 + 3  # new user, 4 holds
    wallet = await any_storage.ledger.wallet(300)
    assert wallet is not None and wallet.reserved == 0


# ------------------------------------------------------------------- statements


async def test_the_statements_of_a_tick_do_not_grow_with_its_jobs(
    any_storage: SqlStorage,
) -> None:
    clock = ManualClock(1_000.0)
    lifecycle = await credits_lifecycle(any_storage, clock)
    counts = []
    for user_id, count in ((400, 5), (500, 200)):
        jobs = await charged_jobs(lifecycle, user_id, count)
        clock.advance(10)
        updates = [(job, success(job.id) if i % 4 else FAILURE) for i, job in enumerate(jobs)]
        with counted_statements(any_storage) as statements:
            after = await lifecycle.apply_task_updates(updates)
        assert {job.status for job in after} == {JobStatus.SUCCESS, JobStatus.FAILURE}
        counts.append(len(statements))

        finals = [final(job.id) for job in await waiting_jobs(any_storage, count)]
        with counted_statements(any_storage) as statements:
            assert len(await any_storage.jobs.finish_many(finals, at=2_000.0)) == count
        counts.append(len(statements))

    tick_5, store_5, tick_200, store_200 = counts
    assert (tick_200, store_200) == (tick_5, store_5)
    assert tick_200 <= 12
