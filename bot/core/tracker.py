"""Tracker: follows every unfinished job in one loop with batched aggregator queries.

Each tick asks `list-by-condition` once for all tracked tasks (the client splits it into
chunks of 100), falls back to per-task fetch where the server lacks that endpoint or leaves
an id out, stores every change and tells the subscriber when something visible changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJEndpointUnsupportedError, MJError
from bot.core.mj.schemas import Task
from bot.core.storage import ButtonRepository, Job, JobRepository, JobStatus, StoredButton
from bot.core.storage.models import INTERRUPTED_REASON, TIMED_OUT_REASON

log = logging.getLogger(__name__)

FETCH_CONCURRENCY = 8

# Fields whose change the user can see on the message.
_VISIBLE = ("status", "progress", "image_url", "fail_reason", "final_prompt", "queue_position")


class JobSubscriber(Protocol):
    async def job_changed(self, job: Job, buttons: Sequence[StoredButton]) -> None: ...


class Tracker:
    def __init__(
        self,
        client: MJClient,
        jobs: JobRepository,
        buttons: ButtonRepository,
        *,
        poll_interval: float = 3.0,
        deadline_seconds: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._jobs = jobs
        self._buttons = buttons
        self._poll_interval = poll_interval
        self._deadline = deadline_seconds
        self._clock = clock
        # task id -> {job id: the job as last stored}. Several jobs can follow one task
        # (an aggregator answers "already exists" with the same id). Only the tracker
        # changes a tracked job's status, so this copy is current for what it diffs.
        self._tracked: dict[str, dict[int, Job]] = {}
        self._subscribers: list[JobSubscriber] = []
        self._list_supported = True
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self.ticks = 0

    # ---------------------------------------------------------------- lifecycle

    def subscribe(self, subscriber: JobSubscriber) -> None:
        self._subscribers.append(subscriber)

    async def start(self) -> None:
        """Resume unfinished jobs from SQLite, then poll in the background."""
        await self.resume()
        self._loop_task = asyncio.create_task(self._run(), name="mj-tracker")

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None

    async def resume(self) -> list[Job]:
        interrupted = await self._jobs.list_by_status([JobStatus.PENDING])
        for job in interrupted:
            # The submit may or may not have reached the aggregator; we cannot know its id.
            await self._store(job, status=JobStatus.FAILURE, fail_reason=INTERRUPTED_REASON)
        resumed = await self._jobs.list_by_status([JobStatus.WAITING, JobStatus.IN_PROGRESS])
        for job in resumed:
            self.track(job)
        log.info("tracker resumed %d jobs, %d interrupted", len(resumed), len(interrupted))
        return resumed

    def track(self, job: Job) -> None:
        if job.task_id is None:
            raise ValueError(f"job {job.id} has no task id to track")
        self._tracked.setdefault(job.task_id, {})[job.id] = job
        self._wake.set()

    @property
    def tracked_count(self) -> int:
        return sum(len(jobs) for jobs in self._tracked.values())

    def is_tracking(self, job_id: int) -> bool:
        return any(job_id in jobs for jobs in self._tracked.values())

    # ---------------------------------------------------------------- polling

    async def _run(self) -> None:
        while True:
            if not self._tracked:
                self._wake.clear()
                await self._wake.wait()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failing tick must never end tracking
                log.exception("tracker tick failed")
            await asyncio.sleep(self._poll_interval)

    async def tick(self) -> None:
        """One polling round over every tracked task."""
        self.ticks += 1
        task_ids = list(self._tracked)
        if not task_ids:
            return
        tasks = await self._query(task_ids)
        if tasks is None:
            await self._expire_overdue(task_ids)
            return
        seen = set()
        for task in tasks:
            if task.id in self._tracked:
                seen.add(task.id)
                await self._apply_tracked(task)
        missing = [task_id for task_id in task_ids if task_id not in seen]
        if missing:
            for task in await self._fetch_each(missing):
                await self._apply_tracked(task)
        await self._expire_overdue(task_ids)

    async def _query(self, task_ids: list[str]) -> list[Task] | None:
        """All tasks in one batched query; None when the aggregator could not be asked."""
        if not self._list_supported:
            return []  # everything counts as missing and is fetched alone
        try:
            return await self._client.list_by_condition(task_ids)
        except MJEndpointUnsupportedError:
            log.warning("aggregator has no list-by-condition; fetching tasks one by one")
            self._list_supported = False
            return []
        except MJError as exc:
            log.warning("polling %d tasks failed: %s", len(task_ids), exc)
            return None

    async def _fetch_each(self, task_ids: Iterable[str]) -> list[Task]:
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def fetch(task_id: str) -> Task | None:
            async with gate:
                try:
                    return await self._client.fetch(task_id)
                except MJError as exc:
                    log.warning("fetching task %s failed: %s", task_id, exc)
                    return None

        results = await asyncio.gather(*(fetch(task_id) for task_id in task_ids))
        return [task for task in results if task is not None]

    async def _apply_tracked(self, task: Task) -> None:
        jobs = self._tracked.get(task.id, {})
        for job in list(jobs.values()):
            job = await self.apply(job, task)
            self._keep_or_drop(task.id, job)

    def _keep_or_drop(self, task_id: str, job: Job) -> None:
        jobs = self._tracked.get(task_id)
        if jobs is None:
            return
        if job.status.is_tracked:
            jobs[job.id] = job
        else:
            jobs.pop(job.id, None)
            if not jobs:
                del self._tracked[task_id]

    async def _expire_overdue(self, task_ids: list[str]) -> None:
        now = self._clock()
        for task_id in task_ids:
            for job in list(self._tracked.get(task_id, {}).values()):
                if now - (job.submitted_at or job.created_at) <= self._deadline:
                    continue
                job = await self._store(job, status=JobStatus.FAILURE, fail_reason=TIMED_OUT_REASON)
                self._keep_or_drop(task_id, job)
                if task_id not in self._tracked:
                    await self._cancel_quietly(task_id)

    async def _cancel_quietly(self, task_id: str) -> None:
        """Ask the aggregator to stop a task we gave up on, so it is not finished (and
        charged) for nobody; servers without cancel simply refuse."""
        try:
            await self._client.cancel(task_id)
        except MJError as exc:
            log.info("could not cancel overdue task %s: %s", task_id, exc)

    # ---------------------------------------------------------------- changes

    async def apply(self, job: Job, task: Task) -> Job:
        """Store what a task update changes for its job; notify if the user would see it."""
        status = JobStatus.from_task(task.status)
        changes: dict[str, object] = {"status": status}
        if task.progress is not None:
            changes["progress"] = task.progress
        if status is JobStatus.SUCCESS:
            changes["progress"] = 100
        if task.image_url:
            changes["image_url"] = task.image_url
        if task.final_prompt and status.is_settled:
            changes["final_prompt"] = task.final_prompt
        if status is JobStatus.FAILURE:
            changes["fail_reason"] = task.fail_reason or "failed"
        if status is not JobStatus.WAITING:
            changes["queue_position"] = None
        if status is JobStatus.SUCCESS:
            await self._buttons.replace(job.id, task.buttons)
        return await self._store(job, **changes)

    async def _store(self, job: Job, **changes: object) -> Job:
        status = changes.get("status")
        if isinstance(status, JobStatus) and status.is_terminal and job.finished_at is None:
            changes["finished_at"] = self._clock()
        changed = {k: v for k, v in changes.items() if getattr(job, k) != v}
        if not changed:
            return job
        updated = await self._jobs.update(job.id, **changed)
        if any(getattr(job, field) != getattr(updated, field) for field in _VISIBLE):
            await self._notify(updated)
        return updated

    async def _notify(self, job: Job) -> None:
        buttons = await self._buttons.list(job.id) if job.status is JobStatus.SUCCESS else []
        for subscriber in self._subscribers:
            try:
                await subscriber.job_changed(job, buttons)
            except Exception:  # one broken subscriber must not stop the others or the loop
                log.exception("subscriber failed on job %d", job.id)
