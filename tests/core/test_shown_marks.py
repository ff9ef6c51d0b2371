"""Final states recorded as shown: many at once go in one write, each caller waits for
its own, and a failed write is told to the callers whose marks it carried."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from bot.core.models import JobStatus
from bot.core.shown_marks import ShownMarks
from bot.core.storage import SqlJobStore, SqlStorage
from tests.core.test_store_contract import new_job


class CountingJobs:
    """The real job store; counts the batched writes and can fail the next one."""

    def __init__(self, jobs: SqlJobStore) -> None:
        self._jobs = jobs
        self.writes: list[dict[int, JobStatus]] = []
        self.fail_next = False
        self.gate = asyncio.Event()
        self.gate.set()

    async def mark_shown_many(self, marks: Mapping[int, JobStatus]) -> None:
        self.writes.append(dict(marks))
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the database is away")
        await self._jobs.mark_shown_many(marks)


async def finished_jobs(any_storage: SqlStorage, count: int) -> list[int]:
    ids = []
    for n in range(count):
        job = await any_storage.jobs.create(new_job(f"shown {n}"), at=1.0)
        await any_storage.jobs.finish(
            job.id, status=JobStatus.SUCCESS, progress=100, image_url=None,
            final_prompt=None, fail_reason=None, at=2.0,
        )  # fmt: skip
        ids.append(job.id)
    return ids


async def test_marks_made_during_a_write_go_together_in_the_next(any_storage: SqlStorage) -> None:
    ids = await finished_jobs(any_storage, 6)
    jobs = CountingJobs(any_storage.jobs)  # type: ignore[arg-type]
    marks = ShownMarks(jobs)  # type: ignore[arg-type]
    jobs.gate.clear()  # the first write is slow: the others gather meanwhile
    first = asyncio.create_task(marks.mark(ids[0], JobStatus.SUCCESS))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(marks.mark(i, JobStatus.SUCCESS)) for i in ids[1:]]
    await asyncio.sleep(0.01)
    assert not first.done() and not any(r.done() for r in rest)  # each waits for its write
    jobs.gate.set()
    await asyncio.gather(first, *rest)
    assert [sorted(w) for w in jobs.writes] == [[ids[0]], sorted(ids[1:])]
    assert await any_storage.jobs.list_unshown_finals(since=0.0) == []


async def test_a_failed_write_is_told_to_its_callers_and_the_next_still_goes(
    storage: SqlStorage,
) -> None:
    ids = await finished_jobs(storage, 2)
    jobs = CountingJobs(storage.jobs)  # type: ignore[arg-type]
    marks = ShownMarks(jobs)  # type: ignore[arg-type]
    jobs.fail_next = True
    with pytest.raises(RuntimeError, match="away"):
        await marks.mark(ids[0], JobStatus.SUCCESS)
    await marks.mark(ids[1], JobStatus.SUCCESS)
    unshown = await storage.jobs.list_unshown_finals(since=0.0)
    assert [job.id for job in unshown] == [ids[0]]  # re-sent at the next start


async def test_a_stop_during_a_write_leaves_no_caller_waiting(storage: SqlStorage) -> None:
    ids = await finished_jobs(storage, 2)
    jobs = CountingJobs(storage.jobs)  # type: ignore[arg-type]
    marks = ShownMarks(jobs)  # type: ignore[arg-type]
    jobs.gate.clear()  # the write never ends until the process stops
    callers = [asyncio.create_task(marks.mark(i, JobStatus.SUCCESS)) for i in ids]
    await asyncio.sleep(0.01)
    writer = marks._writer
    assert writer is not None
    writer.cancel()
    results = await asyncio.wait_for(asyncio.gather(*callers, return_exceptions=True), 5)
    assert all(isinstance(r, RuntimeError) for r in results)  # told, not left hanging
    assert len(await storage.jobs.list_unshown_finals(since=0.0)) == 2  # re-sent at start
