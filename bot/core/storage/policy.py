"""What the limits need: bans, per-server overrides, usage counts, and the audit trail."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, insert, select

from bot.core.models import JobStatus
from bot.core.storage.engine import Scope
from bot.core.storage.schema import audit, bans, guild_limits, jobs

# MODAL counts: a job waiting for its user's answer still holds its place.
_UNFINISHED = [
    s.value for s in (JobStatus.PENDING, JobStatus.WAITING, JobStatus.IN_PROGRESS, JobStatus.MODAL)
]
_USER_LOCKS, _GUILD_LOCKS = 0x6D6A01, 0x6D6A02
# A job the aggregator failed, or that was cancelled, does not count toward daily limits.
_NOT_COUNTED = [JobStatus.FAILURE.value, JobStatus.CANCEL.value]


class SqlPolicyStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def lock_user(self, user_id: int) -> None:
        """Hold this user's lock until the transaction ends, so that two of their
        requests are admitted one after the other. SQLite's write transactions are
        already one at a time."""
        await self._lock(_USER_LOCKS, user_id)

    async def lock_guild(self, guild_id: int) -> None:
        """The same for a server's shared budget (taken after the user's lock)."""
        await self._lock(_GUILD_LOCKS, guild_id)

    async def _lock(self, space: int, key: int) -> None:
        if not self._scope.is_sqlite:
            async with self._scope.write() as conn:
                # Two-key form: users and servers never share a lock; ids are hashed to int4.
                await conn.execute(
                    select(func.pg_advisory_xact_lock(space, func.hashtext(str(key))))
                )

    async def is_banned(self, user_id: int) -> bool:
        async with self._scope.read() as conn:
            query = select(bans.c.user_id).where(bans.c.user_id == user_id)
            return (await conn.execute(query)).first() is not None

    async def ban(self, user_id: int, *, admin_id: int, at: float) -> bool:
        """True if the user was not banned before."""
        upsert = self._scope.upsert(bans)
        statement = upsert.values(
            user_id=user_id, banned_by=admin_id, created_at=at
        ).on_conflict_do_nothing(index_elements=[bans.c.user_id])
        async with self._scope.write() as conn:
            return (await conn.execute(statement)).rowcount == 1

    async def unban(self, user_id: int) -> bool:
        async with self._scope.write() as conn:
            result = await conn.execute(delete(bans).where(bans.c.user_id == user_id))
        return result.rowcount == 1

    async def guild_limits(self, guild_id: int) -> dict[str, str]:
        query = select(guild_limits.c.setting, guild_limits.c.value).where(
            guild_limits.c.guild_id == guild_id
        )
        async with self._scope.read() as conn:
            return {setting: value for setting, value in (await conn.execute(query)).all()}

    async def set_guild_limit(
        self, guild_id: int, setting: str, value: str, *, admin_id: int, at: float
    ) -> None:
        upsert = self._scope.upsert(guild_limits)
        statement = upsert.values(
            guild_id=guild_id, setting=setting, value=value, set_by=admin_id, set_at=at
        ).on_conflict_do_update(
            index_elements=[guild_limits.c.guild_id, guild_limits.c.setting],
            set_={"value": value, "set_by": admin_id, "set_at": at},
        )
        async with self._scope.write() as conn:
            await conn.execute(statement)

    async def guild_limit_setters(self, guild_id: int) -> dict[str, int]:
        query = select(guild_limits.c.setting, guild_limits.c.set_by).where(
            guild_limits.c.guild_id == guild_id
        )
        async with self._scope.read() as conn:
            return {setting: int(by) for setting, by in (await conn.execute(query)).all()}

    async def clear_guild_limit(self, guild_id: int, setting: str) -> bool:
        statement = delete(guild_limits).where(
            guild_limits.c.guild_id == guild_id, guild_limits.c.setting == setting
        )
        async with self._scope.write() as conn:
            return (await conn.execute(statement)).rowcount == 1

    async def record_audit(
        self,
        admin_id: int,
        action: str,
        *,
        at: float,
        guild_id: int | None = None,
        target_user_id: int | None = None,
        detail: str = "",
    ) -> None:
        async with self._scope.write() as conn:
            await conn.execute(
                insert(audit).values(
                    admin_id=admin_id,
                    action=action,
                    guild_id=guild_id,
                    target_user_id=target_user_id,
                    detail=detail,
                    created_at=at,
                )
            )

    async def unfinished_jobs(self, user_id: int, *, pending_since: float) -> int:
        running = jobs.c.status.in_(_UNFINISHED)
        # A PENDING job older than `pending_since` lost its submit answer (a timeout): its
        # credits stay reserved until its deadline, but it no longer holds a place.
        stale = (jobs.c.status == JobStatus.PENDING.value) & (jobs.c.updated_at < pending_since)
        query = select(func.count()).where(jobs.c.user_id == user_id, running, ~stale)
        return await self._count(query)

    async def jobs_since(self, user_id: int, since: float) -> int:
        query = select(func.count()).where(
            jobs.c.user_id == user_id,
            jobs.c.created_at >= since,
            jobs.c.status.not_in(_NOT_COUNTED),
        )
        return await self._count(query)

    async def guild_jobs_since(self, guild_id: int, since: float) -> int:
        query = select(func.count()).where(
            jobs.c.guild_id == guild_id,
            jobs.c.created_at >= since,
            jobs.c.status.not_in(_NOT_COUNTED),
        )
        return await self._count(query)

    async def last_job_at(self, user_id: int) -> float | None:
        query = select(func.max(jobs.c.created_at)).where(jobs.c.user_id == user_id)
        async with self._scope.read() as conn:
            value = (await conn.execute(query)).scalar_one_or_none()
        return float(value) if value is not None else None

    async def _count(self, query: Select[int]) -> int:
        async with self._scope.read() as conn:
            return int((await conn.execute(query)).scalar_one())
