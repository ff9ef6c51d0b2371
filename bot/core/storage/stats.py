"""The figures behind the operators' statistics, over a time window. Everything is counted
in SQL that both SQLite and PostgreSQL run; only small results leave the database (the
median is read as the middle row or two of an ordered query, not computed in Python)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, null, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import (
    INTERRUPTED_REASON,
    TIMED_OUT_REASON,
    UNCONFIRMED_REASON,
    JobKind,
    JobStatus,
    LedgerReason,
)
from bot.core.pricing import PriceKind, price_kind
from bot.core.stats import UserUsage, WindowStats
from bot.core.storage.engine import Scope
from bot.core.storage.schema import jobs, ledger

# Failures the bot decided itself (gave up waiting, or stopped): not the aggregator's.
BOT_REASONS = (TIMED_OUT_REASON, INTERRUPTED_REASON, UNCONFIRMED_REASON)


class SqlStatsStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def window(
        self, since: float, until: float, *, top: int = 5, guild_id: int | None = None
    ) -> WindowStats:
        created = and_(jobs.c.created_at >= since, jobs.c.created_at < until)
        entered = and_(ledger.c.created_at >= since, ledger.c.created_at < until)
        if guild_id is not None:  # that server's jobs, and the credits they moved
            created = and_(created, jobs.c.guild_id == guild_id)
            in_guild = select(jobs.c.id).where(jobs.c.guild_id == guild_id)
            entered = and_(entered, ledger.c.job_id.in_(in_guild.scalar_subquery()))
        async with self._scope.read() as conn:
            by_kind, by_status = await _job_counts(conn, created)
            spent, refunded = await _credits(conn, entered)
            top_users = await _top_users(conn, created, entered, top)
            failures, outcomes = await _aggregator_record(conn, created)
            median = await _median_seconds(conn, created)
        return WindowStats(
            since=since,
            until=until,
            jobs=sum(by_status.values()),
            by_kind=dict(by_kind),
            by_status=dict(by_status),
            credits_spent=spent,
            credits_refunded=refunded,
            top_users=top_users,
            aggregator_failures=failures,
            aggregator_outcomes=outcomes,
            median_seconds=median,
        )


async def _job_counts(
    conn: AsyncConnection, created: ColumnElement[bool]
) -> tuple[Counter[PriceKind], Counter[JobStatus]]:
    """Grouped by kind and status; a button press's kind needs its aggregator customId,
    so ACTION jobs are grouped by their options too (one small JSON object each)."""
    # Inline constants, no bound parameters: PostgreSQL must see the same expression in
    # SELECT and GROUP BY.
    is_action = jobs.c.kind == literal_column(f"'{JobKind.ACTION.value}'")
    options = case((is_action, jobs.c.options), else_=null())
    query = (
        select(jobs.c.kind, jobs.c.status, options, func.count())
        .where(created)
        .group_by(jobs.c.kind, jobs.c.status, options)
    )
    by_kind: Counter[PriceKind] = Counter()
    by_status: Counter[JobStatus] = Counter()
    for kind, status, raw_options, count in (await conn.execute(query)).all():
        by_kind[price_kind(JobKind(kind), _custom_id(raw_options))] += int(count)
        by_status[JobStatus(status)] += int(count)
    return by_kind, by_status


def _custom_id(raw_options: str | None) -> str | None:
    if not raw_options:
        return None
    try:
        options: Any = json.loads(raw_options)
    except ValueError:
        return None
    value = options.get("custom_id") if isinstance(options, dict) else None
    return str(value) if value else None


async def _credits(conn: AsyncConnection, entered: ColumnElement[bool]) -> tuple[int, int]:
    """Spent: settled reservations (their `held` goes down); refunded: refunds' `delta`."""
    query = (
        select(ledger.c.reason, func.sum(ledger.c.delta), func.sum(ledger.c.held))
        .where(entered, ledger.c.reason.in_([LedgerReason.SETTLE.value, LedgerReason.REFUND.value]))
        .group_by(ledger.c.reason)
    )
    sums = {reason: (int(d or 0), int(h or 0)) for reason, d, h in await conn.execute(query)}
    spent = -sums.get(LedgerReason.SETTLE.value, (0, 0))[1]
    refunded = sums.get(LedgerReason.REFUND.value, (0, 0))[0]
    return spent, refunded


async def _top_users(
    conn: AsyncConnection, created: ColumnElement[bool], entered: ColumnElement[bool], top: int
) -> tuple[UserUsage, ...]:
    """The users with the most jobs (ties: lower id first) and the credits they spent."""
    count = func.count()
    query = (
        select(jobs.c.user_id, count)
        .where(created)
        .group_by(jobs.c.user_id)
        .order_by(count.desc(), jobs.c.user_id)
        .limit(top)
    )
    ranked = [(int(user_id), int(n)) for user_id, n in await conn.execute(query)]
    if not ranked:
        return ()
    spent_query = (
        select(ledger.c.user_id, func.sum(ledger.c.held))
        .where(
            entered,
            ledger.c.reason == LedgerReason.SETTLE.value,
            ledger.c.user_id.in_([user_id for user_id, _ in ranked]),
        )
        .group_by(ledger.c.user_id)
    )
    spent = {int(user_id): -int(held or 0) for user_id, held in await conn.execute(spent_query)}
    return tuple(UserUsage(user_id, n, spent.get(user_id, 0)) for user_id, n in ranked)


async def _aggregator_record(
    conn: AsyncConnection, created: ColumnElement[bool]
) -> tuple[int, int]:
    """(failed by the aggregator, finished by the aggregator) among accepted jobs."""
    failed_there = and_(
        jobs.c.status == JobStatus.FAILURE.value,
        or_(jobs.c.fail_reason.is_(None), jobs.c.fail_reason.not_in(BOT_REASONS)),
    )
    decided = or_(jobs.c.status == JobStatus.SUCCESS.value, failed_there)
    query = select(
        func.coalesce(func.sum(case((failed_there, 1), else_=0)), 0),
        func.count(),
    ).where(created, jobs.c.task_id.is_not(None), decided)
    failures, outcomes = (await conn.execute(query)).one()
    return int(failures), int(outcomes)


async def _median_seconds(conn: AsyncConnection, created: ColumnElement[bool]) -> float | None:
    succeeded = and_(
        created, jobs.c.status == JobStatus.SUCCESS.value, jobs.c.finished_at.is_not(None)
    )
    n = int((await conn.execute(select(func.count()).where(succeeded))).scalar_one())
    if n == 0:
        return None
    duration = jobs.c.finished_at - jobs.c.created_at
    middle = (
        select(duration)
        .where(succeeded)
        .order_by(duration, jobs.c.id)
        .offset((n - 1) // 2)
        .limit(1 if n % 2 else 2)
    )
    values = [float(v) for v in (await conn.execute(middle)).scalars()]
    return sum(values) / len(values)
