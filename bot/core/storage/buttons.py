"""The buttons each finished task offered, keyed by (job, index)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import RowMapping, delete, insert, select

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
        rows = [row for job_id, offered in buttons.items() for row in _rows(job_id, offered)]
        async with self._scope.write() as conn:
            for chunk in chunks(list(buttons)):
                await conn.execute(delete(job_buttons).where(job_buttons.c.job_id.in_(chunk)))
            if rows:
                await conn.execute(insert(job_buttons), rows)

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
