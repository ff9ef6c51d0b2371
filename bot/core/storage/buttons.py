"""The buttons each finished task offered, keyed by (job, index)."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.core.mj.schemas import TaskButton
from bot.core.storage.database import Database
from bot.core.storage.models import StoredButton


class ButtonRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace(self, job_id: int, buttons: Sequence[TaskButton]) -> list[StoredButton]:
        """Store a task's buttons in its order, replacing any earlier set."""
        rows = [
            (job_id, index, b.custom_id, b.label, b.emoji, b.style)
            for index, b in enumerate(buttons)
        ]
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM job_buttons WHERE job_id = ?", (job_id,))
            await conn.executemany(
                """INSERT INTO job_buttons (job_id, idx, custom_id, label, emoji, style)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                rows,
            )
        return await self.list(job_id)

    async def list(self, job_id: int) -> list[StoredButton]:
        sql = "SELECT * FROM job_buttons WHERE job_id = ? ORDER BY idx"
        async with self._db.conn.execute(sql, (job_id,)) as cur:
            rows = await cur.fetchall()
        return [_button(row) for row in rows]

    async def get(self, job_id: int, index: int) -> StoredButton | None:
        sql = "SELECT * FROM job_buttons WHERE job_id = ? AND idx = ?"
        async with self._db.conn.execute(sql, (job_id, index)) as cur:
            row = await cur.fetchone()
        return _button(row) if row else None


def _button(row: aiosqlite.Row) -> StoredButton:
    return StoredButton(
        job_id=row["job_id"],
        index=row["idx"],
        custom_id=row["custom_id"],
        label=row["label"],
        emoji=row["emoji"],
        style=row["style"],
    )
