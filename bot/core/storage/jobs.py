"""Job rows in and out; callers only ever see `Job` models."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite

from bot.core.storage.database import Database
from bot.core.storage.models import InputImage, Job, JobKind, JobStatus, Origin

_UPDATABLE = frozenset(
    {
        "task_id",
        "status",
        "prompt",
        "options",
        "channel_id",
        "message_id",
        "message_kind",
        "interaction_token",
        "token_expires_at",
        "progress",
        "queue_position",
        "image_url",
        "final_prompt",
        "fail_reason",
        "shown_status",
        "submitted_at",
        "finished_at",
    }
)


class JobRepository:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self,
        kind: JobKind,
        origin: Origin,
        *,
        prompt: str = "",
        options: dict[str, Any] | None = None,
        parent_job_id: int | None = None,
        button_index: int | None = None,
        inputs: Sequence[InputImage] = (),
    ) -> Job:
        now = self._clock()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO jobs (kind, status, prompt, options, user_id, guild_id,
                       channel_id, message_id, message_kind, upload_limit, interaction_token,
                       token_expires_at, locale, parent_job_id, button_index, created_at,
                       updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    kind,
                    JobStatus.PENDING,
                    prompt,
                    json.dumps(options or {}),
                    origin.user_id,
                    origin.guild_id,
                    origin.channel_id,
                    origin.message_id,
                    origin.message_kind,
                    origin.upload_limit,
                    origin.interaction_token,
                    origin.token_expires_at,
                    origin.locale,
                    parent_job_id,
                    button_index,
                    now,
                    now,
                ),
            )
            job_id = cursor.lastrowid
            assert job_id is not None
            await conn.executemany(
                "INSERT INTO job_inputs (job_id, idx, mime, data) VALUES (?, ?, ?, ?)",
                [(job_id, i, image.mime, image.data) for i, image in enumerate(inputs)],
            )
        job = await self.get(job_id)
        assert job is not None
        return job

    async def get(self, job_id: int) -> Job | None:
        async with self._db.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)) as cur:
            row = await cur.fetchone()
        return _job(row) if row else None

    async def update(self, job_id: int, **changes: Any) -> Job:
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update job fields {sorted(unknown)}")
        if "options" in changes:
            changes["options"] = json.dumps(changes["options"])
        changes["updated_at"] = self._clock()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?", (*changes.values(), job_id)
            )
        job = await self.get(job_id)
        if job is None:
            raise KeyError(f"job {job_id} does not exist")
        return job

    async def move_status(self, job_id: int, expected: JobStatus, new: JobStatus) -> bool:
        """Change the status only if it still is `expected` (check-and-set in one statement)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                (new, self._clock(), job_id, expected),
            )
            return cursor.rowcount == 1

    async def list_by_status(self, statuses: Sequence[JobStatus]) -> list[Job]:
        marks = ", ".join("?" for _ in statuses)
        sql = f"SELECT * FROM jobs WHERE status IN ({marks}) ORDER BY id"
        async with self._db.conn.execute(sql, tuple(statuses)) as cur:
            rows = await cur.fetchall()
        return [_job(row) for row in rows]

    async def list_unshown_finals(self, within_seconds: float = 86400.0) -> list[Job]:
        """Recent jobs whose final state (result, failure, input wanted) Discord lacks."""
        sql = """SELECT * FROM jobs
                 WHERE status IN ('SUCCESS', 'FAILURE', 'CANCEL', 'MODAL')
                   AND (shown_status IS NULL OR shown_status != status)
                   AND message_id IS NOT NULL AND updated_at > ?
                 ORDER BY id"""
        async with self._db.conn.execute(sql, (self._clock() - within_seconds,)) as cur:
            rows = await cur.fetchall()
        return [_job(row) for row in rows]

    async def inputs(self, job_id: int) -> list[InputImage]:
        sql = "SELECT mime, data FROM job_inputs WHERE job_id = ? ORDER BY idx"
        async with self._db.conn.execute(sql, (job_id,)) as cur:
            rows = await cur.fetchall()
        return [InputImage(mime=row["mime"], data=bytes(row["data"])) for row in rows]


def _job(row: aiosqlite.Row) -> Job:
    data = dict(row)
    data["options"] = json.loads(data["options"] or "{}")
    return Job.model_validate(data)
