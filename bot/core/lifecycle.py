"""JobLifecycle: the one place a job's status changes.

Every change (recorded, submitted, progress, input wanted, finished with success,
failure, cancel, timeout or interruption) is written here, inside a transaction. Final
states are written once: the store's conditional update refuses a second one, and no
event is sent for it. Listeners see each change twice if they want: inside the
transaction that records it (where money will move) and after the commit (messages,
tracking, metrics).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from bot.core.changes import changes_from_task, final_changes, is_visible
from bot.core.events import Cause, JobEvent
from bot.core.models import (
    CANCELLED_REASON,
    INTERRUPTED_REASON,
    TIMED_OUT_REASON,
    UNCONFIRMED_REASON,
    Final,
    Job,
    JobStatus,
    NewJob,
    Progress,
    TaskUpdate,
)
from bot.core.ports import Storage, Stores

log = logging.getLogger(__name__)


_TRACKED = (JobStatus.WAITING, JobStatus.IN_PROGRESS)
AfterCommit = Callable[[JobEvent], Awaitable[None]]
InTransaction = Callable[[Stores, JobEvent], Awaitable[None]]
InTransactionBatch = Callable[[Stores, Sequence[JobEvent]], Awaitable[None]]


class Gate(Protocol):
    """Decides, in the recording transaction, whether a job may exist (limits, credits)."""

    async def admit(self, stores: Stores, new: NewJob) -> None: ...

    async def affordable(self, stores: Stores, new: NewJob) -> None: ...

    async def charge(self, stores: Stores, new: NewJob, job: Job) -> None: ...


class JobLifecycle:
    def __init__(
        self,
        storage: Storage,
        *,
        gate: Gate | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self._gate = gate
        self._clock = clock
        self._in_transaction: list[InTransaction] = []
        self._in_transaction_batch: list[InTransactionBatch] = []
        self._after_commit: list[AfterCommit] = []

    def subscribe(self, listener: AfterCommit) -> None:
        """Called after each change is committed; its errors are logged, never raised."""
        self._after_commit.append(listener)

    def subscribe_in_transaction(self, listener: InTransaction) -> None:
        """Called inside the change's transaction; an error rolls the change back."""
        self._in_transaction.append(listener)

    def subscribe_in_transaction_batch(self, listener: InTransactionBatch) -> None:
        """Called once inside each transaction with all its changes (a whole polling
        tick, a sweep), after the per-change listeners; an error rolls them all back."""
        self._in_transaction_batch.append(listener)

    # ---------------------------------------------------------------- before the task

    async def record(self, new: NewJob) -> Job:
        """Write a job before anything is submitted; the gate may refuse it (its error
        propagates and nothing is written)."""
        async with self._storage.transaction() as stores:
            if self._gate is not None:
                await self._gate.admit(stores, new)
            job = await stores.jobs.create(new, at=self._clock())
            if self._gate is not None:
                await self._gate.charge(stores, new, job)
            event = JobEvent(job, None, Cause.RECORDED, visible=False)
            await self._within(stores, [event])
        await self._announce([event])
        return job

    async def precheck(self, new: NewJob) -> None:
        """Would `record` admit this job now? RequestRejectedError if not. For paid work
        done before a job is recorded (its prompt's translation): never for a user the
        limits or the wallet would refuse anyway."""
        if self._gate is None:
            return
        async with self._storage.transaction() as stores:
            await self._gate.admit(stores, new)
            await self._gate.affordable(stores, new)

    async def submitted(
        self,
        job: Job,
        *,
        task_id: str,
        queue_position: int | None,
        final_prompt: str | None,
        needs_input: bool,
        duplicate: bool = False,
        cause: Cause = Cause.SUBMITTED,
    ) -> Job:
        """The aggregator accepted the job. `duplicate`: it answered with a task that
        already existed (the same request again), which is not charged a second time.
        `cause` RECOVERED: the answer was lost, and the task found by the job's state."""
        status = JobStatus.MODAL if needs_input else JobStatus.WAITING
        now = self._clock()
        async with self._storage.transaction() as stores:
            applied = await stores.jobs.mark_submitted(
                job.id,
                task_id=task_id,
                status=status,
                queue_position=queue_position,
                final_prompt=final_prompt,
                at=now,
            )
            if not applied:
                return await self._current(stores, job)
            changes: dict[str, Any] = {
                "task_id": task_id,
                "status": status,
                "queue_position": queue_position,
                "submitted_at": now,
                "updated_at": now,
            }
            if final_prompt:
                changes["final_prompt"] = final_prompt
            event = replace(self._event(job, changes, cause), duplicate=duplicate)
            await self._within(stores, [event])
        log.info("job %d submitted as task %s (%s)", job.id, task_id, status)
        await self._announce([event])
        return event.job

    async def recovered(self, job: Job, *, task_id: str, needs_input: bool) -> Job:
        """A PENDING job whose submit answer was lost, its task found by the state the
        submit carried: it goes on as if the answer had come (tracked, shown, charged
        once); a job resolved meanwhile by another path is left as it is."""
        return await self.submitted(
            job,
            task_id=task_id,
            queue_position=None,
            final_prompt=None,
            needs_input=needs_input,
            cause=Cause.RECOVERED,
        )

    async def submit_failed(self, job: Job, reason: str) -> Job:
        return await self._finish_one(job, JobStatus.FAILURE, reason, Cause.SUBMIT_FAILED)

    async def unconfirmed(self, jobs: Iterable[Job]) -> list[Job]:
        """Jobs whose submit answer never came (timed out, or lost) by their deadline."""
        return await self._finish_many(
            jobs, UNCONFIRMED_REASON, Cause.DEADLINE, expected=(JobStatus.PENDING,)
        )

    async def cancelled(self, job: Job) -> Job | None:
        """The aggregator agreed to cancel the job; None if it finished meanwhile."""
        expected = (JobStatus.WAITING, JobStatus.IN_PROGRESS, JobStatus.MODAL)
        async with self._storage.transaction() as stores:
            changes = final_changes(JobStatus.CANCEL, CANCELLED_REASON, self._clock())
            event = await self._write(stores, job, changes, Cause.CANCELLED, None, expected)
            if event is None:
                return None
            await self._within(stores, [event])
        await self._announce([event])
        return event.job

    async def reopen(self, job: Job, prompt: str) -> Job | None:
        """A MODAL job answered by the user goes back to PENDING; None if already answered."""
        now = self._clock()
        async with self._storage.transaction() as stores:
            if not await stores.jobs.reopen(job.id, prompt=prompt, at=now):
                return None
            changes = {"status": JobStatus.PENDING, "prompt": prompt, "updated_at": now}
            event = self._event(job, changes, Cause.ANSWERED)
            await self._within(stores, [event])
        await self._announce([event])
        return event.job

    # ---------------------------------------------------------------- while tracked

    async def apply_task_updates(self, updates: Sequence[tuple[Job, TaskUpdate]]) -> list[Job]:
        """A whole polling tick in one transaction; returns every job as it now is, in
        the order given.

        Progress of every job is one batched write, and so are the final states: a
        conditional batch that leaves out (and announces nothing for) a job another
        path finished first, so each final state is recorded and announced once."""
        now = self._clock()
        unchanged: list[Job] = []
        moving: list[tuple[Job, dict[str, Any]]] = []
        finishing: list[tuple[Job, dict[str, Any], TaskUpdate]] = []
        for job, update in updates:
            changes = changes_from_task(job, update, now)
            if not changes:
                unchanged.append(job)
            elif changes.get("status", job.status).is_terminal:
                finishing.append((job, changes, update))
            else:
                moving.append((job, changes))
        events: list[JobEvent] = []
        async with self._storage.transaction() as stores:
            events += await self._record_progress(stores, moving, now)
            events += await self._write_many(stores, finishing, Cause.TASK, now)
            await self._within(stores, events)
            now_is = {job.id: job for job in unchanged} | {e.job.id: e.job for e in events}
            for job, _ in updates:  # not written: another path finished it meanwhile
                if job.id not in now_is:
                    now_is[job.id] = await self._current(stores, job)
        await self._announce(events)
        return [now_is[job.id] for job, _ in updates]

    async def _record_progress(
        self, stores: Stores, moving: Sequence[tuple[Job, dict[str, Any]]], now: float
    ) -> list[JobEvent]:
        events = [self._event(job, changes, Cause.TASK) for job, changes in moving]
        if not events:
            return []
        progress = [
            Progress(
                job_id=e.job.id,
                status=e.job.status,
                progress=e.job.progress,
                queue_position=e.job.queue_position,
                image_url=e.job.image_url,
                final_prompt=e.job.final_prompt,
            )
            for e in events
        ]
        written = await stores.jobs.record_progress(progress, at=now)
        # A job finished meanwhile by another path was left alone: no event for it.
        return [event for event in events if event.job.id in written]

    async def expire(
        self, jobs: Iterable[Job], *, expected: Sequence[JobStatus] = _TRACKED
    ) -> list[Job]:
        """Jobs past their deadline fail as timed out, if still in an `expected` status
        (a user's answer racing the sweep of an abandoned modal wins)."""
        return await self._finish_many(jobs, TIMED_OUT_REASON, Cause.DEADLINE, expected=expected)

    async def interrupt(self, jobs: Iterable[Job]) -> list[Job]:
        """Jobs whose submit was never answered (the bot stopped): their task is unknown."""
        return await self._finish_many(
            jobs, INTERRUPTED_REASON, Cause.INTERRUPTED, expected=(JobStatus.PENDING,)
        )

    # ---------------------------------------------------------------- plumbing

    async def _finish_one(self, job: Job, status: JobStatus, reason: str, cause: Cause) -> Job:
        async with self._storage.transaction() as stores:
            changes = final_changes(status, reason, self._clock())
            event = await self._write(stores, job, changes, cause, None, (JobStatus.PENDING,))
            if event is None:
                return await self._current(stores, job)
            await self._within(stores, [event])
        await self._announce([event])
        return event.job

    async def _finish_many(
        self, jobs: Iterable[Job], reason: str, cause: Cause, *, expected: Sequence[JobStatus]
    ) -> list[Job]:
        now = self._clock()
        finishing = [(job, final_changes(JobStatus.FAILURE, reason, now), None) for job in jobs]
        async with self._storage.transaction() as stores:
            events = await self._write_many(stores, finishing, cause, now, expected)
            await self._within(stores, events)
        await self._announce(events)
        return [event.job for event in events]

    async def _write(
        self,
        stores: Stores,
        job: Job,
        changes: dict[str, Any],
        cause: Cause,
        update: TaskUpdate | None,
        expected: Sequence[JobStatus] = (),
    ) -> JobEvent | None:
        """Store a final state; None when the job was already final or no longer in an
        `expected` status (nothing written)."""
        new = job.model_copy(update=changes)
        if not new.status.is_terminal:
            raise ValueError(f"{new.status} is not a final status")
        stored = await stores.jobs.finish(
            job.id,
            status=new.status,
            progress=new.progress,
            image_url=new.image_url,
            final_prompt=new.final_prompt,
            fail_reason=new.fail_reason,
            at=changes["updated_at"],
            expected=expected,
        )
        if stored is None:
            return None
        if update is not None and stored.status is JobStatus.SUCCESS:
            await stores.buttons.replace(job.id, update.buttons)
        return JobEvent(stored, job.status, cause, is_visible(job, stored))

    @staticmethod
    async def _write_many(
        stores: Stores,
        finishing: Sequence[tuple[Job, dict[str, Any], TaskUpdate | None]],
        cause: Cause,
        now: float,
        expected: Sequence[JobStatus] = (),
    ) -> list[JobEvent]:
        """`_write` for many jobs in one batch (statements whatever their number): the
        events of the jobs written, in the order given."""
        if not finishing:
            return []
        finals: list[Final] = []
        for job, changes, _ in finishing:
            new = job.model_copy(update=changes)
            if not new.status.is_terminal:
                raise ValueError(f"{new.status} is not a final status")
            finals.append(
                Final(
                    job_id=job.id,
                    status=new.status,
                    progress=new.progress,
                    image_url=new.image_url,
                    final_prompt=new.final_prompt,
                    fail_reason=new.fail_reason,
                )
            )
        written = {
            job.id: job for job in await stores.jobs.finish_many(finals, at=now, expected=expected)
        }
        buttons = {
            job.id: update.buttons
            for job, _, update in finishing
            if update is not None
            and job.id in written
            and written[job.id].status is JobStatus.SUCCESS
        }
        await stores.buttons.replace_many(buttons)
        events: list[JobEvent] = []
        for job, _, _ in finishing:
            stored = written.pop(job.id, None)  # pop: one event per job, even if given twice
            if stored is not None:
                events.append(JobEvent(stored, job.status, cause, is_visible(job, stored)))
        return events

    @staticmethod
    def _event(job: Job, changes: dict[str, Any], cause: Cause) -> JobEvent:
        """The event of a change written without reading the row back (the job as the
        caller knew it, with the change applied)."""
        new = job.model_copy(update=changes)
        return JobEvent(new, job.status, cause, is_visible(job, new))

    @staticmethod
    async def _current(stores: Stores, job: Job) -> Job:
        return await stores.jobs.get(job.id) or job

    async def _within(self, stores: Stores, events: Sequence[JobEvent]) -> None:
        for event in events:
            for listener in self._in_transaction:
                await listener(stores, event)
        if events:
            for batch_listener in self._in_transaction_batch:
                await batch_listener(stores, events)

    async def _announce(self, events: Sequence[JobEvent]) -> None:
        for event in events:
            for listener in self._after_commit:
                try:
                    await listener(event)
                except Exception:  # one broken listener must not stop the others
                    log.exception("listener failed on job %d", event.job.id)
