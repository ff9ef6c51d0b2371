"""Tracker: follows every unfinished job in one loop with batched aggregator queries.

Each tick asks `list-by-condition` once for the tracked tasks that are due (in chunks of
100 ids, up to `LIST_CONCURRENCY` chunks at a time), falls back to per-task fetch where the
server lacks that endpoint or leaves an id out, and hands every answer to the job lifecycle
in one transaction.

Polling adapts to what is worth asking: a task every job of which is still queued (WAITING:
the aggregator's NOT_START, SUBMITTED or a relay's blank status) is asked only every
`queued_poll_interval` seconds, a running one every tick. When the aggregator refuses a
poll (429 or 5xx, after the client's own retries) the tracker waits before polling again:
the `Retry-After` it gave, else the poll interval doubled per refusal in a row, both capped
at `max_backoff`; a poll it answers ends the streak. Only polling waits: submits, button
presses and Discord edits never go through the tracker.

Jobs told a queue position at submit ("2 ahead") have it refreshed from the aggregator's
queue (`task/queue`, novicezk/plus), at most every `queue_interval` seconds, in the same
transaction; where the server lacks that endpoint it is asked once per process only.

Pushed updates (notifyHook, checked by `bot.core.push.PushInbox`) take the same path
through `push`: the push is answered at once and what it carries waits for the next batch
(`bot.core.push_batch`), applied like a tick's answers, in one transaction. A task that
receives pushes is still polled, every `pushed_poll_interval` seconds. Whichever comes
first wins: an older answer never moves a job back. A pushed body is only as trustworthy
as the hook's URL is secret, so a push that would end tracking (a result, whose image the
bot downloads and charges for; a failure, refunded; a cancel; a modal) is a wake-up only:
the batch asks the aggregator about all of them in one query and applies what it says.
Progress is applied as pushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping

from bot.core.events import Cause, JobEvent
from bot.core.lease_keeper import LeaseKeeper
from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import LIST_CHUNK_SIZE, MJClient
from bot.core.mj.errors import (
    MJEndpointUnsupportedError,
    MJError,
)
from bot.core.mj.schemas import Task, TaskStatus
from bot.core.models import Job, JobStatus, ResultButton, TaskUpdate
from bot.core.poll_backoff import PollBackoff, is_refusal
from bot.core.ports import JobStore, LeaseStore
from bot.core.push import PUSHED_POLL_SECONDS, moves_back
from bot.core.push_batch import PendingPush, PushBatches
from bot.core.queued import QUEUE_SECONDS, QueueWatch
from bot.core.recovery import SubmitRecovery

log = logging.getLogger(__name__)

FETCH_CONCURRENCY = 8
LIST_CONCURRENCY = 4  # list-by-condition chunks of one tick in flight at once
QUEUED_POLL_FACTOR = 3.0  # queued tasks are asked every this many poll intervals
MAX_BACKOFF_SECONDS = 60.0  # the longest a refused poll (429, 5xx) holds polling back
_FOLLOWED_CAUSES = frozenset({Cause.SUBMITTED, Cause.RECOVERED})
SWEEP_SECONDS = 60.0  # how often jobs nobody follows (modals, unconfirmed submits) are checked

_STATUS_OF_TASK = {
    TaskStatus.IN_PROGRESS: JobStatus.IN_PROGRESS,
    TaskStatus.MODAL: JobStatus.MODAL,
    TaskStatus.SUCCESS: JobStatus.SUCCESS,
    TaskStatus.FAILURE: JobStatus.FAILURE,
    TaskStatus.CANCEL: JobStatus.CANCEL,
}


def task_update(task: Task, queue_position: int | None = None) -> TaskUpdate:
    """The aggregator's task in the bot's words (anything not started is WAITING).

    `queue_position`: where the aggregator's queue puts it, if asked; a task that has
    started (SUBMITTED and on) has nobody ahead whatever the queue said."""
    if task.status not in (TaskStatus.NOT_START, TaskStatus.UNKNOWN):
        queue_position = 0
    return TaskUpdate(
        status=_STATUS_OF_TASK.get(task.status, JobStatus.WAITING),
        progress=task.progress,
        # A video result's file is what the user gets (its imageUrl is a still of it).
        image_url=task.video or task.image_url,
        final_prompt=task.final_prompt,
        fail_reason=task.fail_reason,
        buttons=tuple(
            ResultButton(custom_id=b.custom_id, label=b.label, emoji=b.emoji, style=b.style)
            for b in task.buttons
        ),
        queue_position=queue_position,
    )


class Tracker:
    def __init__(
        self,
        client: MJClient,
        jobs: JobStore,
        lifecycle: JobLifecycle,
        *,
        poll_interval: float = 3.0,
        deadline_seconds: float = 3600.0,
        queue_interval: float = QUEUE_SECONDS,
        pushed_poll_interval: float = PUSHED_POLL_SECONDS,
        queued_poll_interval: float | None = None,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        recovery: SubmitRecovery | None = None,
        leases: LeaseStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._jobs = jobs
        self._lifecycle = lifecycle
        self._recovery = recovery  # PENDING jobs are looked up by state before giving up
        # Only the jobs this process holds a lease on are followed (bot/core/lease_keeper.py).
        self._keeper = LeaseKeeper(leases, jobs, every=poll_interval) if leases else None
        self._keeper_task: asyncio.Task[None] | None = None
        self._poll_interval = poll_interval
        self._deadline = deadline_seconds
        self._clock = clock
        # task id -> {job id: the job as last stored}. Several jobs can follow one task
        # (an aggregator answers "already exists" with the same id). Only the tracker
        # changes a tracked job's status, so this copy is current for what it diffs.
        self._tracked: dict[str, dict[int, Job]] = {}
        self._list_supported = True
        self._queue = QueueWatch(client, interval=queue_interval, clock=clock)
        # Tasks that received a push -> when they were last polled: they are polled only
        # every `pushed_poll_interval` seconds (a push can be lost, relays drop hooks).
        self._pushed: dict[str, float] = {}
        self._pushed_poll_interval = pushed_poll_interval
        # Other tasks -> when they were last asked about: queued ones wait between polls.
        self._polled_at: dict[str, float] = {}
        self._queued_poll_interval = (
            poll_interval * QUEUED_POLL_FACTOR
            if queued_poll_interval is None
            else queued_poll_interval
        )
        self._backoff = PollBackoff(
            poll_interval=poll_interval, max_delay=max_backoff, clock=clock
        )  # after refused polls (429, 5xx)
        # Checked pushes wait here and are applied together (final ones confirmed).
        self._push_batches = PushBatches(self._apply_push_batch)
        self._applying = asyncio.Lock()  # a poll's answer and a push never interleave
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._last_sweep = float("-inf")
        self.ticks = 0
        self.last_tick_at: float | None = None  # time.monotonic() as the loop last went round
        self.idle = False  # the loop waits for work (it still goes round every sweep)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Resume unfinished jobs from storage, then poll in the background."""
        await self.resume()
        self._loop_task = asyncio.create_task(self._run(), name="mj-tracker")
        if self._keeper is not None:
            self._keeper_task = asyncio.create_task(self._keeper.keep(self), name="mj-leases")

    async def stop(self, *, release: bool = True) -> None:
        """Stop polling and renewing; `release` hands every lease back at once (a clean
        stop); without it they run out, as after a crash (tests)."""
        for task in (self._loop_task, self._keeper_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._loop_task = self._keeper_task = None
        await self._push_batches.stop()
        if release and self._keeper is not None:
            await self._keeper.release()

    async def resume(self) -> list[Job]:
        # Shared (PostgreSQL): only the jobs of processes that are gone, by their leases.
        if self._keeper is not None:
            pending, resumed = await self._keeper.claim(everything=True)
        else:
            pending = await self._jobs.list_by_status([JobStatus.PENDING])
            resumed = await self._jobs.list_by_status([JobStatus.WAITING, JobStatus.IN_PROGRESS])
        recovered, interrupted = await self._unanswered(pending)
        for job in resumed:
            self.track(job)
        if self._keeper is not None:
            await self._keeper.renew(self)
        await self.sweep_stale()
        log.info(
            "tracker resumed %d jobs (%d found by state), %d interrupted",
            len(resumed) + len(recovered),
            len(recovered),
            len(interrupted),
        )
        return resumed

    async def _unanswered(self, pending: list[Job]) -> tuple[list[Job], list[Job]]:
        """PENDING jobs nobody is submitting any more: their submit may or may not have
        reached the aggregator, so the task is looked up by the state the submit carried.
        Found: followed (recovered); not found: interrupted (refunded); the aggregator
        failing to answer: left for the sweep at the job's deadline."""
        recovered: list[Job] = []
        interrupted = pending
        if self._recovery is not None and pending:
            found = await self._recovery.recover(pending)
            recovered, interrupted = found.recovered, found.missing
        await self._lifecycle.interrupt(interrupted)
        return recovered, interrupted

    async def on_job_event(self, event: JobEvent) -> None:
        """Lifecycle listener: follow every job the aggregator accepted."""
        if event.cause in _FOLLOWED_CAUSES and event.job.status.is_tracked:
            self.track(event.job)

    def track(self, job: Job) -> None:
        if job.task_id is None:
            raise ValueError(f"job {job.id} has no task id to track")
        self._tracked.setdefault(job.task_id, {})[job.id] = job
        self._wake.set()

    def untrack(self, job_id: int) -> None:
        """Stop following a job (another process holds it now)."""
        for task_id, jobs in list(self._tracked.items()):
            if jobs.pop(job_id, None) is not None and not jobs:
                del self._tracked[task_id]

    def followed(self) -> set[int]:
        return {job_id for jobs in self._tracked.values() for job_id in jobs}

    async def take_over(self) -> int:
        """Jobs whose process is gone (their lease ran out): followed from now, or, for a
        submit never answered, interrupted as at a start. How many were taken."""
        if self._keeper is None or not self._keeper.shared:
            return 0  # one process: it took everything at start
        pending, running = await self._keeper.claim()
        if pending:
            await self._unanswered(pending)
        for job in running:
            self.track(job)
        if pending or running:
            log.info("took over %d jobs of a process that is gone", len(pending + running))
        return len(pending) + len(running)

    @property
    def running(self) -> bool:
        """The polling loop runs: started, not stopped, not ended by an error."""
        return self._loop_task is not None and not self._loop_task.done()

    @property
    def tracked_count(self) -> int:
        return sum(len(jobs) for jobs in self._tracked.values())

    def is_tracking(self, job_id: int) -> bool:
        return any(job_id in jobs for jobs in self._tracked.values())

    @property
    def backoff_remaining(self) -> float:
        """Seconds until polling resumes after refused polls; 0 when not backing off."""
        return self._backoff.remaining

    # ---------------------------------------------------------------- polling

    async def sweep_stale(self) -> list[Job]:
        """Jobs nobody follows that passed their deadline fail, and their reservations
        are refunded: one left waiting for the user's input (the aggregator has long
        dropped its modal), or one whose submit answer never came (timed out, lost) and
        whose task is not found by the state its submit carried."""
        self._last_sweep = now = self._clock()
        stale = await self._jobs.list_by_status([JobStatus.MODAL, JobStatus.PENDING])
        overdue = [job for job in stale if now - job.updated_at > self._deadline]
        modals = [job for job in overdue if job.status is JobStatus.MODAL]
        pending = [job for job in overdue if job.status is JobStatus.PENDING]
        done = await self._lifecycle.expire(modals, expected=(JobStatus.MODAL,)) if modals else []
        if pending and self._recovery is not None:
            # Last chance for a lost answer: a task found by state goes on (tracked).
            found = await self._recovery.recover(pending)
            pending = found.missing + found.unknown
        return done + (await self._lifecycle.unconfirmed(pending) if pending else [])

    async def _run(self) -> None:
        shared = self._keeper is not None and self._keeper.shared
        # Shared: even with nothing to follow, look for jobs to take over every poll.
        idle_wait = self._poll_interval if shared else SWEEP_SECONDS
        while True:
            self.last_tick_at = time.monotonic()
            if not self._tracked:
                self._wake.clear()
                self.idle = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), idle_wait)
                self.idle, self.last_tick_at = False, time.monotonic()
            try:
                await self.take_over()
                if self._clock() - self._last_sweep >= SWEEP_SECONDS:
                    await self.sweep_stale()
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
        if self._keeper_task is not None and self._keeper is not None and not self._keeper.current:
            return  # leases not renewed lately: another process may be following these
        try:
            if self._backoff.waiting:
                return  # the aggregator asked us to wait (429) or is failing (5xx)
            polled = self._due(task_ids)
            if not polled:
                return
            refused: list[MJError] = []
            tasks, unasked = await self._query(polled, refused)
            answered = [task for task in tasks if task.id in self._tracked]
            seen = {task.id for task in answered}
            missing = [t for t in polled if t not in seen and t not in unasked]
            if missing:
                answered += await self._fetch_each(missing, refused)
            self._backoff.note(refused)
            positions = await self._queue.positions(self._queued(answered))
            async with self._applying:
                await self._apply(answered, positions)
        finally:
            await self._expire_overdue(task_ids)  # deadlines hold whatever went wrong

    def _due(self, task_ids: list[str]) -> list[str]:
        """The tasks this tick asks about: every running one; one pushed to us if last
        polled `pushed_poll_interval` ago, one still queued `queued_poll_interval` ago."""
        now = self._clock()
        for task_id in [t for t in self._pushed if t not in self._tracked]:
            del self._pushed[task_id]
        for task_id in [t for t in self._polled_at if t not in self._tracked]:
            del self._polled_at[task_id]
        due: list[str] = []
        for task_id in task_ids:
            if task_id in self._pushed:
                if now - self._pushed[task_id] >= self._pushed_poll_interval:
                    self._pushed[task_id] = now
                    due.append(task_id)
                continue
            queued = all(job.status is JobStatus.WAITING for job in self._tracked[task_id].values())
            every = self._queued_poll_interval if queued else 0.0
            if now - self._polled_at.get(task_id, float("-inf")) >= every:
                self._polled_at[task_id] = now
                due.append(task_id)
        return due

    @property
    def _shared(self) -> bool:
        return self._keeper is not None and self._keeper.shared

    def follows(self, job_id: int, task_id: str) -> bool:
        """Whether this tracker follows the job, for that task (a push's cheap check)."""
        return job_id in self._tracked.get(task_id, {})

    def push(self, task: Task) -> asyncio.Future[bool]:
        """A task pushed to its hook (the secret checked), queued for the next batch;
        the future is True once applied, False when this tracker does not follow it
        (finished, waiting for input, not submitted yet). Progress is applied as pushed;
        a push that would end tracking (success, failure, cancel, modal) only wakes the
        tracker, which applies what the aggregator itself answers for the task: whoever
        learnt a hook's URL can push anything, but cannot finish a job with an image of
        their own choosing. Shared: a final push for a task another process follows is
        confirmed and written here too (see `_apply_elsewhere`)."""
        final = not task_update(task).status.is_tracked
        if task.id in self._tracked:
            self._pushed.setdefault(task.id, self._clock())
        elif not (final and self._shared):
            nobody: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            nobody.set_result(False)
            return nobody
        return self._push_batches.add(task, final=final)

    async def apply_pushed(self, task: Task) -> bool:
        """`push`, waiting until its batch is applied."""
        return await self.push(task)

    @property
    def push_batches(self) -> int:
        """Batches of pushes applied so far."""
        return self._push_batches.batches

    async def pushes_applied(self) -> None:
        """Wait until every push handed over so far is applied."""
        await self._push_batches.drained()

    async def _apply_push_batch(self, batch: Mapping[str, PendingPush]) -> set[str]:
        """Every pending push at once: the final ones confirmed by one query, then one
        transaction for the tasks followed here, as a tick. The ids of the tasks handled."""
        wakes = [t for t, p in batch.items() if p.wake and (t in self._tracked or self._shared)]
        confirmed = await self._confirm(wakes)
        here: list[Task] = []
        elsewhere: list[Task] = []
        for task_id, pending in batch.items():
            task = confirmed.get(task_id)
            if pending.wake and task is None:
                self._pushed.pop(task_id, None)  # the aggregator did not answer: polled next
            task = task if task is not None else pending.progress
            if task is None:
                continue
            if task_id in self._tracked:
                here.append(task)
            elif task_id in confirmed:
                elsewhere.append(task)
        async with self._applying:
            await self._apply(here, {})
        handled = {task.id for task in here}
        return handled | (await self._apply_elsewhere(elsewhere) if elsewhere else set())

    async def _apply_elsewhere(self, tasks: list[Task]) -> set[str]:
        """Shared: confirmed final states of tasks another process follows, written here
        (the final write is conditional: once, whoever is first; the follower then finds
        the job finished and drops it). Progress is left to the follower's own polls."""
        updates: list[tuple[Job, TaskUpdate]] = []
        handled: set[str] = set()
        for task in tasks:
            job = await self._jobs.by_task_id(task.id)
            if job is None or not job.status.is_tracked:
                continue  # finished, waiting for input, or not submitted yet
            handled.add(task.id)
            update = task_update(task)
            if not update.status.is_tracked and not moves_back(job, update):
                updates.append((job, update))
        if updates:
            async with self._applying:
                await self._lifecycle.apply_task_updates(updates)
        return handled

    async def _confirm(self, task_ids: list[str]) -> dict[str, Task]:
        """The tasks as the aggregator answers now (authenticated), in one batched query
        (a fetch each where it leaves one out); nothing while polling backs off."""
        if not task_ids or self._backoff.waiting:
            return {}
        refused: list[MJError] = []
        tasks, unasked = await self._query(task_ids, refused)
        wanted = set(task_ids)
        found = {task.id: task for task in tasks if task.id in wanted}
        missing = [t for t in task_ids if t not in found and t not in unasked]
        if missing:
            found |= {task.id: task for task in await self._fetch_each(missing, refused)}
        if refused:
            self._backoff.note(refused)  # the aggregator asks us to wait: polls wait too
        return found

    async def _query(
        self, task_ids: list[str], refused: list[MJError]
    ) -> tuple[list[Task], set[str]]:
        """All tasks in one batched query, its chunks of 100 ids sent concurrently (at
        most `LIST_CONCURRENCY` at a time): the answers, and the ids of the chunks the
        aggregator could not be asked about (not fetched one by one either: a failing
        aggregator is not asked more). Refusals (429, 5xx) are added to `refused`."""
        if not self._list_supported:
            return [], set()  # everything counts as missing and is fetched alone
        chunks = [
            task_ids[start : start + LIST_CHUNK_SIZE]
            for start in range(0, len(task_ids), LIST_CHUNK_SIZE)
        ]
        gate = asyncio.Semaphore(LIST_CONCURRENCY)

        async def ask(chunk: list[str]) -> list[Task]:
            async with gate:
                return await self._client.list_by_condition(chunk)

        results = await asyncio.gather(*(ask(chunk) for chunk in chunks), return_exceptions=True)
        tasks: list[Task] = []
        unasked: set[str] = set()
        failures: list[MJError] = []
        for chunk, result in zip(chunks, results, strict=True):
            if isinstance(result, MJEndpointUnsupportedError):
                if self._list_supported:
                    log.warning("aggregator has no list-by-condition; fetching tasks one by one")
                self._list_supported = False  # this chunk counts as missing: fetched alone
            elif isinstance(result, MJError):
                unasked.update(chunk)
                failures.append(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                tasks += result
        refusals = [exc for exc in failures if is_refusal(exc)]
        refused += refusals
        if len(refusals) < len(failures):  # refusals are logged once per backoff streak
            other = next(exc for exc in failures if not is_refusal(exc))
            log.warning("polling %d tasks failed: %s", len(unasked), other)
        return tasks, unasked

    def _queued(self, tasks: list[Task]) -> set[str]:
        """Tasks the poll found not started whose jobs were told a queue position."""
        return {
            task.id
            for task in tasks
            if task.status is TaskStatus.NOT_START
            and any(job.queue_position for job in self._tracked.get(task.id, {}).values())
        }

    async def _fetch_each(
        self, task_ids: Iterable[str], refused: list[MJError] | None = None
    ) -> list[Task]:
        """Each task fetched alone; refusals (429, 5xx) go to `refused` if given."""
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def fetch(task_id: str) -> Task | None:
            async with gate:
                try:
                    return await self._client.fetch(task_id)
                except MJError as exc:
                    if refused is not None and is_refusal(exc):
                        refused.append(exc)  # logged once per backoff streak
                    else:
                        log.warning("fetching task %s failed: %s", task_id, exc)
                    return None

        results = await asyncio.gather(*(fetch(task_id) for task_id in task_ids))
        return [task for task in results if task is not None]

    async def _apply(self, tasks: list[Task], positions: dict[str, int]) -> None:
        """Every answered task's jobs, changed in one lifecycle transaction."""
        updates = [
            (job, task_update(task, positions.get(task.id)))
            for task in tasks
            for job in list(self._tracked.get(task.id, {}).values())
        ]
        # An answer older than what a push (or a poll) already told never moves a job back.
        updates = [(job, update) for job, update in updates if not moves_back(job, update)]
        if not updates:
            return
        try:
            applied = await self._lifecycle.apply_task_updates(updates)
        except Exception:
            # One job's failure must not hold back the others: apply them one by one.
            log.exception(
                "batched update of %d jobs failed; applying them one by one", len(updates)
            )
            applied = []
            for update in updates:
                try:
                    applied += await self._lifecycle.apply_task_updates([update])
                except Exception:
                    log.exception("job %d: applying its task update failed", update[0].id)
        for job in applied:
            self._keep_or_drop(job)

    def _keep_or_drop(self, job: Job) -> None:
        if job.task_id is None or (jobs := self._tracked.get(job.task_id)) is None:
            return
        if job.status.is_tracked:
            jobs[job.id] = job
        else:
            jobs.pop(job.id, None)
            if not jobs:
                del self._tracked[job.task_id]

    async def _expire_overdue(self, task_ids: list[str]) -> None:
        now = self._clock()
        overdue = [
            job
            for task_id in task_ids
            for job in self._tracked.get(task_id, {}).values()
            if now - (job.submitted_at or job.created_at) > self._deadline
        ]
        if not overdue:
            return
        await self._lifecycle.expire(overdue)
        for job in overdue:
            task_id = job.task_id
            assert task_id is not None  # only jobs with a task are tracked
            jobs = self._tracked.get(task_id)
            if jobs is None:
                continue
            jobs.pop(job.id, None)
            if not jobs:
                del self._tracked[task_id]
                await self._cancel_quietly(task_id)

    async def _cancel_quietly(self, task_id: str) -> None:
        """Ask the aggregator to stop a task we gave up on, so it is not finished (and
        charged) for nobody; servers without cancel simply refuse."""
        try:
            await self._client.cancel(task_id)
        except MJError as exc:
            log.info("could not cancel overdue task %s: %s", task_id, exc)
