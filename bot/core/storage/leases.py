"""Leases: which process follows each in-flight job, on the job's own row.

A lease is (owner, expiry). The process that records, reopens or submits a job leases it
(bot/core/storage/jobs.py), so does the one that writes its final state (it delivers it);
a process's tracker renews all of its leases in one statement and takes over jobs whose
lease ran out with `SELECT ... FOR UPDATE SKIP LOCKED`: two processes claiming at once
never wait for each other and never get the same job.

PostgreSQL only is shared by several processes. On SQLite the bot is one process, so a
lease of any other owner belongs to a run that is over: it is taken at once, without
waiting for it to expire. Either way the contract is the same for the process asking.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, or_, select, update

from bot.core.models import Job, JobStatus
from bot.core.storage.engine import Scope
from bot.core.storage.jobs import _UNSHOWN, _job, chunks
from bot.core.storage.lease_terms import LeaseTerms, db_now, held_values
from bot.core.storage.schema import jobs

# In flight: a submit not answered yet, or a task the aggregator is working on.
IN_FLIGHT = [s.value for s in (JobStatus.PENDING, JobStatus.WAITING, JobStatus.IN_PROGRESS)]


class SqlLeaseStore:
    def __init__(self, scope: Scope, terms: LeaseTerms) -> None:
        self._scope = scope
        self._terms = terms

    @property
    def owner(self) -> str:
        return self._terms.owner

    @property
    def seconds(self) -> float:
        return self._terms.seconds

    @property
    def shared(self) -> bool:
        """Several processes may use this database at once (PostgreSQL)."""
        return not self._scope.is_sqlite

    async def claim(self, *, limit: int) -> list[Job]:
        """Up to `limit` in-flight jobs no live lease holds, leased to this process now."""
        return await self._claim([jobs.c.status.in_(IN_FLIGHT)], limit)

    async def claim_unshown(self, *, since: float, limit: int) -> list[Job]:
        """Jobs changed after `since` whose final state (or MODAL) Discord has not shown
        and whose lease ran out (the process delivering it is gone), leased to this one."""
        unshown = [
            jobs.c.status.in_([s.value for s in _UNSHOWN]),
            jobs.c.shown_status.is_distinct_from(jobs.c.status),
            jobs.c.message_id.is_not(None),
            jobs.c.updated_at > since,
        ]
        return await self._claim(unshown, limit)

    async def renew(self) -> dict[int, JobStatus]:
        """Every in-flight job this process holds gets `seconds` more: their statuses."""
        statement = (
            update(jobs)
            .where(jobs.c.lease_owner == self.owner, jobs.c.status.in_(IN_FLIGHT))
            .values(lease_expires_at=db_now(self._scope, self._terms) + self.seconds)
            .returning(jobs.c.id, jobs.c.status)
        )
        async with self._scope.write() as conn:
            rows = (await conn.execute(statement)).all()
        return {int(job_id): JobStatus(status) for job_id, status in rows}

    async def mine(self, job_ids: Collection[int]) -> set[int]:
        """Which of these jobs this process holds a live lease on."""
        held: set[int] = set()
        async with self._scope.read() as conn:
            for chunk in chunks(sorted(job_ids)):
                query = select(jobs.c.id).where(
                    jobs.c.id.in_(chunk), jobs.c.lease_owner == self.owner, *self._live()
                )
                held.update(int(job_id) for job_id in (await conn.execute(query)).scalars())
        return held

    async def release(self) -> int:
        """Every lease of this process ends now (a clean stop): how many."""
        statement = (
            update(jobs)
            .where(jobs.c.lease_owner == self.owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        async with self._scope.write() as conn:
            return int((await conn.execute(statement)).rowcount)

    async def _claim(self, where: Sequence[ColumnElement[bool]], limit: int) -> list[Job]:
        async with self._scope.write() as conn:
            # Locked until the transaction ends; rows another claim has locked are skipped.
            query = (
                select(jobs.c.id)
                .where(*where, self._free())
                .order_by(jobs.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = list((await conn.execute(query)).scalars())
            if not ids:
                return []
            statement = (
                update(jobs)
                .where(jobs.c.id.in_(ids))
                .values(**held_values(self._scope, self._terms))
                .returning(*jobs.c)
            )
            rows = (await conn.execute(statement)).mappings().all()
        return sorted((_job(row) for row in rows), key=lambda job: job.id)

    def _free(self) -> ColumnElement[bool]:
        if self._scope.is_sqlite:  # one process: another owner's lease is of a past run
            return or_(jobs.c.lease_owner.is_(None), jobs.c.lease_owner != self.owner)
        now = db_now(self._scope, self._terms)
        return or_(jobs.c.lease_expires_at.is_(None), jobs.c.lease_expires_at < now)

    def _live(self) -> list[ColumnElement[bool]]:
        if self._scope.is_sqlite:
            return []
        return [jobs.c.lease_expires_at >= db_now(self._scope, self._terms)]
