"""This process's side of the leases (bot/core/ports.py `LeaseStore`): it renews every
lease it holds in one statement, each poll interval, in a loop of its own (a slow poll
must not let them lapse), and keeps the tracker's set of followed jobs equal to what it
holds: a job another process took over is dropped, an in-flight job this process holds
but does not follow (a listener that failed) is followed.

Polling is allowed only while the last renewal is recent enough that no other process
can have taken a lease over: when the database cannot be reached the tracker stops
asking the aggregator instead of racing whoever takes its jobs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from bot.core.models import Job, JobStatus
from bot.core.ports import JobStore, LeaseStore

log = logging.getLogger(__name__)

CLAIM_BATCH = 500  # jobs taken over in one statement
SAFE_FRACTION = 0.8  # of a lease after its renewal in which this process polls on it


class Follower(Protocol):
    """What the keeper needs of the tracker."""

    def track(self, job: Job) -> None: ...

    def untrack(self, job_id: int) -> None: ...

    def followed(self) -> set[int]: ...


class LeaseKeeper:
    def __init__(
        self,
        store: LeaseStore,
        jobs: JobStore,
        *,
        every: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._jobs = jobs
        self.every = min(every, store.seconds / 3)
        self._monotonic = monotonic
        self._renewed_at = float("-inf")
        self._failing = False

    @property
    def shared(self) -> bool:
        return self.store.shared

    @property
    def current(self) -> bool:
        """The leases were renewed recently enough to poll on them."""
        return self._monotonic() - self._renewed_at < self.store.seconds * SAFE_FRACTION

    async def claim(self, *, everything: bool = False) -> tuple[list[Job], list[Job]]:
        """In-flight jobs no live lease holds, now this process's: those whose submit was
        never answered (PENDING) and those with a task to follow. `everything`: until
        none is left (at start), else one batch (a tick's takeover)."""
        claimed: list[Job] = []
        if everything:  # at start nothing is followed yet: leases in this name are free
            await self.store.release()
        while True:
            batch = await self.store.claim(limit=CLAIM_BATCH)
            claimed += batch
            if not everything or len(batch) < CLAIM_BATCH:
                break
        pending = [job for job in claimed if job.status is JobStatus.PENDING]
        return pending, [job for job in claimed if job.status.is_tracked]

    async def renew(self, follower: Follower) -> None:
        """Renew every lease, then follow exactly the in-flight jobs this process holds."""
        before = follower.followed()
        started = self._monotonic()
        try:
            held = await self.store.renew()
        except Exception as exc:  # the database is away: stop polling soon, retry
            if not self._failing:
                log.warning("renewing this process's leases failed: %s", exc)
            self._failing = True
            return
        if self._failing:
            log.info("leases renewed again")
        self._failing = False
        self._renewed_at = started
        # Not renewed: finished meanwhile, or taken over by a process that found the
        # lease run out (this one was too slow to renew it). Either way no longer ours.
        for job_id in before - held.keys():
            follower.untrack(job_id)
        followed = follower.followed()  # once: it is a set of every followed job
        untracked = [
            job_id
            for job_id, status in held.items()
            if status.is_tracked and job_id not in followed
        ]
        for job_id in untracked:
            job = await self._jobs.get(job_id)
            if job is not None and job.status.is_tracked and job.task_id is not None:
                follower.track(job)

    async def keep(self, follower: Follower) -> None:
        """Renew every `every` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.every)
            await self.renew(follower)

    async def release(self) -> None:
        """A clean stop: every lease ends now, so other processes take over at once."""
        try:
            released = await self.store.release()
        except Exception as exc:
            log.warning("releasing this process's leases failed (they run out): %s", exc)
            return
        if released:
            log.info("released %d leases to the other processes", released)
