"""The lease contract (bot/core/storage/leases.py) with two storages on one database, each
standing for a process: on PostgreSQL two live processes, on SQLite a run that is over
and the next one. The PostgreSQL expiries are the database's clock, so the tests that
let a lease run out wait for it (a fraction of a second), and assert no durations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.core.models import JobStatus, MessageRef, NewJob, Origin, ResultButton
from bot.core.storage import SqlStorage, open_storage
from tests.core.test_store_contract import new_job
from tests.postgres import fresh_database

Opener = Callable[..., Awaitable[SqlStorage]]
SHORT = 0.3  # seconds: a lease that runs out while the test waits
LONG = 60.0  # a lease that does not


@pytest.fixture(params=["sqlite", "postgresql"])
async def processes(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """`await processes(lease_seconds=...)`: another process's storage on one database."""
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            where: dict[str, object] = {"path": tmp_path / "bot.db"}
        else:
            admin_url = request.getfixturevalue("postgres_admin_url")
            where = {"url": await stack.enter_async_context(fresh_database(admin_url))}

        async def open_one(lease_seconds: float = LONG) -> SqlStorage:
            opened = await open_storage(lease_seconds=lease_seconds, **where)  # type: ignore[arg-type]
            stack.push_async_callback(opened.close)
            return opened

        yield open_one


def shared(storage: SqlStorage) -> bool:
    return storage.leases.shared


async def in_flight(storage: SqlStorage, count: int, status: JobStatus) -> list[int]:
    """`count` jobs recorded (and submitted, unless PENDING) by this process."""
    ids = []
    for n in range(count):
        job = await storage.jobs.create(new_job(f"job {n}"), at=10.0)
        if status is not JobStatus.PENDING:
            await storage.jobs.mark_submitted(
                job.id, task_id=f"t-{job.id}", status=status, queue_position=None,
                final_prompt=None, at=11.0,
            )  # fmt: skip
        ids.append(job.id)
    return ids


async def test_recording_and_submitting_lease_the_job_to_that_process(processes: Opener) -> None:
    first, second = await processes(), await processes()
    (waiting,) = await in_flight(first, 1, JobStatus.WAITING)
    (pending,) = await in_flight(first, 1, JobStatus.PENDING)
    assert await first.leases.renew() == {waiting: JobStatus.WAITING, pending: JobStatus.PENDING}
    assert await first.leases.mine([waiting, pending, 999]) == {waiting, pending}
    assert await second.leases.renew() == {}
    assert await second.leases.mine([waiting, pending]) == set()


async def test_a_live_lease_is_never_taken_and_a_past_runs_lease_is_at_once(
    processes: Opener,
) -> None:
    first, second = await processes(), await processes()
    ids = await in_flight(first, 3, JobStatus.IN_PROGRESS)
    claimed = await second.leases.claim(limit=100)
    if shared(first):  # PostgreSQL: the first process may be alive; its jobs stay its own
        assert claimed == []
        assert set(await first.leases.renew()) == set(ids)
    else:  # SQLite holds one process: the first one's run is over
        assert [job.id for job in claimed] == ids
        assert await first.leases.renew() == {}
        assert set(await second.leases.renew()) == set(ids)


async def test_claims_at_the_same_time_never_overlap(processes: Opener) -> None:
    maker = await processes()
    if not shared(maker):
        pytest.skip("SQLite holds one process: a second one is a later run")
    ids = await in_flight(maker, 120, JobStatus.WAITING)
    assert await maker.leases.release() == 120
    claimers = [await processes() for _ in range(3)]

    async def claim_all(storage: SqlStorage) -> list[int]:
        got: list[int] = []
        while batch := await storage.leases.claim(limit=7):
            got += [job.id for job in batch]
            await asyncio.sleep(0)
        return got

    results = await asyncio.gather(*(claim_all(storage) for storage in claimers))
    everything = [job_id for got in results for job_id in got]
    assert sorted(everything) == ids, "every job claimed exactly once"
    for storage, got in zip(claimers, results, strict=True):
        assert set(await storage.leases.renew()) == set(got)


async def test_an_expired_lease_is_taken_over_and_lost_by_its_holder(processes: Opener) -> None:
    dead = await processes(lease_seconds=SHORT)
    survivor = await processes()
    ids = await in_flight(dead, 4, JobStatus.IN_PROGRESS)
    pending = await in_flight(dead, 1, JobStatus.PENDING)
    await asyncio.sleep(SHORT * 2)  # the holder stopped renewing: its leases run out
    taken = await survivor.leases.claim(limit=100)
    assert [job.id for job in taken] == ids + pending
    assert {job.status for job in taken} == {JobStatus.IN_PROGRESS, JobStatus.PENDING}
    assert await dead.leases.renew() == {}  # back to life: nothing is its own any more
    if shared(dead):  # (on SQLite it would be the next run, taking everything back)
        assert await dead.leases.claim(limit=100) == []
    assert set(await survivor.leases.renew()) == set(ids + pending)


async def test_renewing_keeps_a_lease_past_its_first_expiry(processes: Opener) -> None:
    holder = await processes(lease_seconds=1.5)
    other = await processes()
    (job_id,) = await in_flight(holder, 1, JobStatus.WAITING)
    await asyncio.sleep(1.0)
    assert await holder.leases.renew() == {job_id: JobStatus.WAITING}
    await asyncio.sleep(1.0)  # past the first expiry, not the renewed one
    if shared(holder):
        assert await other.leases.claim(limit=10) == []
        assert await holder.leases.mine([job_id]) == {job_id}


async def test_a_clean_stop_releases_every_lease_at_once(processes: Opener) -> None:
    stopping, staying = await processes(), await processes()
    ids = await in_flight(stopping, 5, JobStatus.WAITING)
    assert await stopping.leases.release() == 5
    assert await stopping.leases.mine(ids) == set()
    taken = await staying.leases.claim(limit=3)
    assert [job.id for job in taken] == ids[:3]  # in order, at most `limit`
    assert [job.id for job in await staying.leases.claim(limit=3)] == ids[3:]


async def test_only_in_flight_jobs_are_renewed_or_claimed(processes: Opener) -> None:
    storage, other = await processes(), await processes()
    (waiting, done) = await in_flight(storage, 2, JobStatus.WAITING)
    await in_flight(storage, 1, JobStatus.MODAL)  # waits for its user: nobody follows it
    (pending,) = await in_flight(storage, 1, JobStatus.PENDING)
    await storage.jobs.finish(
        done, status=JobStatus.SUCCESS, progress=100, image_url=None, final_prompt=None,
        fail_reason=None, at=13.0,
    )  # fmt: skip
    renewed = await storage.leases.renew()
    assert renewed == {waiting: JobStatus.WAITING, pending: JobStatus.PENDING}
    await storage.leases.release()
    assert [job.id for job in await other.leases.claim(limit=10)] == [waiting, pending]


async def test_whoever_writes_a_final_state_delivers_it_unless_it_is_gone(
    processes: Opener,
) -> None:
    follower = await processes()
    finisher = await processes(lease_seconds=SHORT)
    starting = await processes()
    origin = Origin(user_id=1, message=MessageRef(channel_id=2, message_id=3))
    job = await follower.jobs.create(NewJob(new_job().kind, origin), at=1.0)
    await follower.jobs.mark_submitted(
        job.id, task_id="t", status=JobStatus.IN_PROGRESS, queue_position=None,
        final_prompt=None, at=2.0,
    )  # fmt: skip
    finished = await finisher.jobs.finish(
        job.id, status=JobStatus.CANCEL, progress=0, image_url=None, final_prompt=None,
        fail_reason="cancelled", at=3.0,
    )  # fmt: skip
    assert finished is not None
    assert await finisher.leases.mine([job.id]) == {job.id}
    if shared(finisher):  # the finisher is delivering it: nobody else sends it meanwhile
        assert await starting.leases.claim_unshown(since=0.0, limit=10) == []
        await asyncio.sleep(SHORT * 2)  # ... until its lease runs out unshown
    (unshown,) = await starting.leases.claim_unshown(since=0.0, limit=10)
    assert (unshown.id, unshown.status) == (job.id, JobStatus.CANCEL)
    await starting.jobs.mark_shown(job.id, JobStatus.CANCEL)
    await starting.leases.release()
    assert await follower.leases.claim_unshown(since=0.0, limit=10) == []


async def test_a_modal_answer_leases_the_job_to_whoever_answered(processes: Opener) -> None:
    asker, answerer = await processes(), await processes()
    job = await asker.jobs.create(new_job(), at=1.0)
    await asker.jobs.mark_submitted(
        job.id, task_id="t", status=JobStatus.MODAL, queue_position=None, final_prompt=None,
        at=2.0,
    )  # fmt: skip
    assert await answerer.jobs.reopen(job.id, prompt="answer", at=3.0)
    assert await answerer.leases.renew() == {job.id: JobStatus.PENDING}
    assert await asker.leases.renew() == {}


async def test_a_button_press_is_claimed_once_across_processes(processes: Opener) -> None:
    first, second = await processes(), await processes()
    job = await first.jobs.create(new_job(), at=1.0)
    await first.buttons.replace(job.id, [new_button("MJ::JOB::upsample::1")])
    presses = await asyncio.gather(
        *(
            storage.buttons.claim_press(job.id, 0, at=100.0, window=1.0)
            for storage in [first, second] * 3
        )
    )
    assert sorted(presses) == [False] * 5 + [True]
    assert not await second.buttons.claim_press(job.id, 0, at=100.9, window=1.0)
    assert await second.buttons.claim_press(job.id, 0, at=101.0, window=1.0)
    assert not await first.buttons.claim_press(job.id, 1, at=200.0, window=1.0)  # no such


def new_button(custom_id: str) -> ResultButton:
    return ResultButton(custom_id=custom_id, label="U1")
