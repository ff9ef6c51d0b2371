"""The buttons each finished task offered, keyed by (job, index)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import RowMapping, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import ResultButton, StoredButton
from bot.core.storage.engine import Scope
from bot.core.storage.jobs import chunks
from bot.core.storage.schema import job_buttons


class SqlButtonStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def replace(self, job_id: int, buttons: Sequence[ResultButton]) -> None:
        rows = _rows(job_id, buttons)
        async with self._scope.write() as conn:
            await conn.execute(delete(job_buttons).where(job_buttons.c.job_id == job_id))
            if rows:
                await conn.execute(insert(job_buttons), rows)

    async def replace_many(self, buttons: Mapping[int, Sequence[ResultButton]]) -> None:
        if not buttons:
            return
        rows = [
            (job_id, index, b.custom_id, b.label, b.emoji, b.style)
            for job_id, offered in buttons.items()
            for index, b in enumerate(offered)
        ]
        async with self._scope.write() as conn:
            for chunk in chunks(list(buttons)):
                await conn.execute(delete(job_buttons).where(job_buttons.c.job_id.in_(chunk)))
            if rows:
                await _insert_many(conn, rows)

    async def list(self, job_id: int) -> list[StoredButton]:
        query = select(job_buttons).where(job_buttons.c.job_id == job_id)
        async with self._scope.read() as conn:
            rows = (await conn.execute(query.order_by(job_buttons.c.idx))).mappings().all()
        return [_button(row) for row in rows]

    async def get(self, job_id: int, index: int) -> StoredButton | None:
        query = select(job_buttons).where(
            job_buttons.c.job_id == job_id, job_buttons.c.idx == index
        )
        async with self._scope.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _button(row) if row else None

    async def claim_press(self, job_id: int, index: int, *, at: float, window: float) -> bool:
        """One conditional UPDATE, so that of two processes handling presses of the same
        button at once only one goes on."""
        statement = (
            update(job_buttons)
            .where(
                job_buttons.c.job_id == job_id,
                job_buttons.c.idx == index,
                or_(job_buttons.c.claimed_at.is_(None), job_buttons.c.claimed_at <= at - window),
            )
            .values(claimed_at=at)
        )
        async with self._scope.write() as conn:
            return (await conn.execute(statement)).rowcount == 1


_COLUMNS = ("job_id", "idx", "custom_id", "label", "emoji", "style")


async def _insert_many(
    conn: AsyncConnection, rows: list[tuple[int, int, str, str, str, int]]
) -> None:
    """One INSERT for all rows, as tuples straight to the driver's executemany: ten
    thousand buttons (a tick of a thousand grids) without a parameter dict per row. Both
    drivers are positional (qmark, $n) and no column needs a bind processor."""
    compiled = insert(job_buttons).compile(dialect=conn.dialect, column_keys=list(_COLUMNS))
    if not compiled.positional or tuple(compiled.positiontup or ()) != _COLUMNS:
        # Only SQLite and PostgreSQL are supported; both are tested on the fast path.
        raise RuntimeError(
            f"{conn.dialect.name}: the batched button insert needs a positional driver"
        )
    await conn.exec_driver_sql(str(compiled), rows)


def _rows(job_id: int, buttons: Sequence[ResultButton]) -> list[dict[str, object]]:
    return [
        {
            "job_id": job_id,
            "idx": index,
            "custom_id": b.custom_id,
            "label": b.label,
            "emoji": b.emoji,
            "style": b.style,
        }
        for index, b in enumerate(buttons)
    ]


def _button(row: RowMapping) -> StoredButton:
    return StoredButton(
        job_id=row["job_id"],
        index=row["idx"],
        custom_id=row["custom_id"],
        label=row["label"],
        emoji=row["emoji"],
        style=row["style"],
    )
