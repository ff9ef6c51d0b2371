"""Job rows in and out; callers only ever see `Job` models."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)

from bot.core.models import (
    TERMINAL_STATUSES,
    Final,
    InputImage,
    Job,
    JobStatus,
    MessageRef,
    NewJob,
    Progress,
)
from bot.core.storage.engine import Scope
from bot.core.storage.lease_terms import LeaseTerms, held_values
from bot.core.storage.schema import job_inputs, jobs

# A job's message the bot token cannot reach (MessageRef.token_only), in its options: the
# flag belongs to where the job was asked from, so it never changes after `create`.
TOKEN_ONLY = "token_only"
_TOKEN_ONLY_JSON = json.dumps({TOKEN_ONLY: True})[1:-1]  # as json.dumps writes it
_UNSHOWN = (JobStatus.SUCCESS, JobStatus.FAILURE, JobStatus.CANCEL, JobStatus.MODAL)
# Ids per IN list: far below SQLite's and asyncpg's limits of bound parameters.
IN_CHUNK = 5000
_T = TypeVar("_T")


class SqlJobStore:
    """Recording, reopening or submitting a job, and writing its final state, lease it to
    this process (bot/core/storage/leases.py): the one that does it follows or delivers it."""

    def __init__(self, scope: Scope, terms: LeaseTerms | None = None) -> None:
        self._scope = scope
        self._terms = terms or LeaseTerms()

    async def create(self, new: NewJob, *, at: float) -> Job:
        origin = new.origin
        options = dict(new.options or {})
        if origin.message.token_only:
            options[TOKEN_ONLY] = True  # no column of its own: kept with the options
        values = {
            "kind": new.kind.value,
            "status": JobStatus.PENDING.value,
            "prompt": new.prompt,
            "options": json.dumps(options),
            "user_id": origin.user_id,
            "guild_id": origin.guild_id,
            "locale": origin.locale,
            "parent_job_id": new.parent_job_id,
            "button_index": new.button_index,
            "created_at": at,
            "updated_at": at,
            **_message_columns(origin.message),
            **self._held(),
        }
        async with self._scope.write() as conn:
            result = await conn.execute(insert(jobs).values(**values))
            (job_id,) = result.inserted_primary_key or (None,)
            assert job_id is not None
            if new.inputs:
                await conn.execute(
                    insert(job_inputs),
                    [
                        {"job_id": job_id, "idx": i, "mime": image.mime, "data": image.data}
                        for i, image in enumerate(new.inputs)
                    ],
                )
            row = (await conn.execute(select(jobs).where(jobs.c.id == job_id))).mappings().one()
        return _job(row)

    async def get(self, job_id: int) -> Job | None:
        async with self._scope.read() as conn:
            result = await conn.execute(select(jobs).where(jobs.c.id == job_id))
            row = result.mappings().first()
        return _job(row) if row else None

    async def list_by_status(self, statuses: Sequence[JobStatus]) -> list[Job]:
        query = select(jobs).where(jobs.c.status.in_([s.value for s in statuses]))
        async with self._scope.read() as conn:
            rows = (await conn.execute(query.order_by(jobs.c.id))).mappings().all()
        return [_job(row) for row in rows]

    async def list_unshown_finals(self, *, since: float) -> list[Job]:
        query = (
            select(jobs)
            .where(
                jobs.c.status.in_([s.value for s in _UNSHOWN]),
                jobs.c.shown_status.is_distinct_from(jobs.c.status),
                jobs.c.message_id.is_not(None),
                jobs.c.updated_at > since,
            )
            .order_by(jobs.c.id)
        )
        async with self._scope.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_job(row) for row in rows]

    async def task_followed(self, task_id: str, *, besides: int) -> bool:
        query = select(jobs.c.id).where(jobs.c.task_id == task_id, jobs.c.id != besides).limit(1)
        async with self._scope.read() as conn:
            return (await conn.execute(query)).first() is not None

    async def inputs(self, job_id: int) -> list[InputImage]:
        query = (
            select(job_inputs.c.mime, job_inputs.c.data)
            .where(job_inputs.c.job_id == job_id)
            .order_by(job_inputs.c.idx)
        )
        async with self._scope.read() as conn:
            rows = (await conn.execute(query)).all()
        return [InputImage(mime=mime, data=bytes(data)) for mime, data in rows]

    async def mark_submitted(
        self,
        job_id: int,
        *,
        task_id: str,
        status: JobStatus,
        queue_position: int | None,
        final_prompt: str | None,
        at: float,
    ) -> bool:
        values: dict[str, Any] = {
            "task_id": task_id,
            "status": status.value,
            "queue_position": queue_position,
            "submitted_at": at,
            "updated_at": at,
        }
        if final_prompt:
            values["final_prompt"] = final_prompt
        values.update(self._held())
        return await self._update(job_id, values, only_if=[JobStatus.PENDING])

    async def record_progress(self, changes: Sequence[Progress], *, at: float) -> set[int]:
        if not changes:
            return set()
        statement = (
            update(jobs)
            # Not NOT IN: an expanding IN cannot be used with executemany.
            .where(jobs.c.id == bindparam("b_id"), *_not_final())
            .values(
                status=bindparam("b_status"),
                progress=bindparam("b_progress"),
                queue_position=bindparam("b_queue_position"),
                image_url=bindparam("b_image_url"),
                final_prompt=bindparam("b_final_prompt"),
                updated_at=at,
            )
        )
        rows = [
            {
                "b_id": change.job_id,
                "b_status": change.status.value,
                "b_progress": change.progress,
                "b_queue_position": change.queue_position,
                "b_image_url": change.image_url,
                "b_final_prompt": change.final_prompt,
            }
            for change in changes
        ]
        ids = [change.job_id for change in changes]
        async with self._scope.write() as conn:
            result = await conn.execute(statement, rows)
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount == len(ids):
                return set(ids)
            # Which rows the conditional update skipped: those that were already final.
            open_ = select(jobs.c.id).where(
                jobs.c.id.in_(ids), jobs.c.status.not_in([s.value for s in TERMINAL_STATUSES])
            )
            return set((await conn.execute(open_)).scalars())

    async def finish(
        self,
        job_id: int,
        *,
        status: JobStatus,
        progress: int,
        image_url: str | None,
        final_prompt: str | None,
        fail_reason: str | None,
        at: float,
        expected: Sequence[JobStatus] = (),
    ) -> Job | None:
        if not status.is_terminal:
            raise ValueError(f"{status} is not a final status")
        values = {
            "status": status.value,
            "progress": progress,
            "queue_position": None,
            "image_url": image_url,
            "final_prompt": final_prompt,
            "fail_reason": fail_reason,
            "finished_at": at,
            "updated_at": at,
            **self._held(),
        }
        allowed = expected or [s for s in JobStatus if not s.is_terminal]
        statement = (
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.status.in_([s.value for s in allowed]))
            .values(**values)
            .returning(*jobs.c)
        )
        async with self._scope.write() as conn:
            row = (await conn.execute(statement)).mappings().first()
        return _job(row) if row else None

    async def finish_many(
        self, finals: Sequence[Final], *, at: float, expected: Sequence[JobStatus] = ()
    ) -> list[Job]:
        by_id: dict[int, Final] = {}
        for final in finals:
            if not final.status.is_terminal:
                raise ValueError(f"{final.status} is not a final status")
            by_id.setdefault(final.job_id, final)
        if not by_id:
            return []
        allowed = [s.value for s in expected or [s for s in JobStatus if not s.is_terminal]]
        async with self._scope.write() as conn:
            # Which jobs may still be finished, locked until the transaction ends
            # (PostgreSQL; SQLite writers are one at a time): a path finishing one of
            # them meanwhile either committed first (the job is left out here) or waits.
            open_ids: set[int] = set()
            for chunk in chunks(list(by_id)):
                query = (
                    select(jobs.c.id)
                    .where(jobs.c.id.in_(chunk), jobs.c.status.in_(allowed))
                    .order_by(jobs.c.id)
                    .with_for_update()
                )
                open_ids.update((await conn.execute(query)).scalars())
            todo = [final for job_id, final in by_id.items() if job_id in open_ids]
            if not todo:
                return []
            statement = (
                update(jobs)
                # Still conditional; not IN: an expanding IN cannot be used with executemany.
                .where(
                    jobs.c.id == bindparam("b_id"),
                    or_(*(jobs.c.status == status for status in allowed)),
                )
                .values(
                    status=bindparam("b_status"),
                    progress=bindparam("b_progress"),
                    queue_position=None,
                    image_url=bindparam("b_image_url"),
                    final_prompt=bindparam("b_final_prompt"),
                    fail_reason=bindparam("b_fail_reason"),
                    finished_at=at,
                    updated_at=at,
                    **self._held(),
                )
            )
            rows = [
                {
                    "b_id": final.job_id,
                    "b_status": final.status.value,
                    "b_progress": final.progress,
                    "b_image_url": final.image_url,
                    "b_final_prompt": final.final_prompt,
                    "b_fail_reason": final.fail_reason,
                }
                for final in todo
            ]
            result = await conn.execute(statement, rows)
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
                raise RuntimeError("a locked job changed under its final write")
            stored: dict[int, Job] = {}
            for chunk in chunks([final.job_id for final in todo]):
                query = select(jobs).where(jobs.c.id.in_(chunk))
                stored.update(
                    (job.id, job) for job in map(_job, (await conn.execute(query)).mappings().all())
                )
        return [stored[final.job_id] for final in todo]

    async def reopen(self, job_id: int, *, prompt: str, at: float) -> bool:
        values = {"status": JobStatus.PENDING.value, "prompt": prompt, "updated_at": at}
        values.update(self._held())  # whoever answers submits it
        return await self._update(job_id, values, only_if=[JobStatus.MODAL])

    async def move_message(self, job_id: int, message: MessageRef, *, at: float) -> None:
        """Where the job's message is now (its `token_only` stays as recorded)."""
        await self._update(job_id, {**_message_columns(message), "updated_at": at})

    async def mark_shown(self, job_id: int, status: JobStatus) -> None:
        await self._update(job_id, {"shown_status": status.value})

    async def mark_shown_many(self, marks: Mapping[int, JobStatus]) -> None:
        if not marks:
            return
        statement = (
            update(jobs)
            .where(jobs.c.id == bindparam("b_id"))
            .values(shown_status=bindparam("b_shown"))
        )
        rows = [{"b_id": job_id, "b_shown": status.value} for job_id, status in marks.items()]
        async with self._scope.write() as conn:
            await conn.execute(statement, rows)

    async def set_push_secret(self, job_id: int, secret_hash: str) -> None:
        await self._update(job_id, {"push_secret_hash": secret_hash})

    async def push_secret_of(self, job_id: int) -> str | None:
        query = select(jobs.c.push_secret_hash).where(jobs.c.id == job_id)
        async with self._scope.read() as conn:
            value = (await conn.execute(query)).scalar_one_or_none()
        return str(value) if value is not None else None

    async def by_task_id(self, task_id: str) -> Job | None:
        query = select(jobs).where(jobs.c.task_id == task_id).order_by(jobs.c.id).limit(1)
        async with self._scope.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _job(row) if row else None

    async def list_for_user(self, user_id: int, *, limit: int, offset: int = 0) -> list[Job]:
        finished = jobs.c.status.in_([s.value for s in TERMINAL_STATUSES])
        # Unfinished first, oldest first (queue order); then the newest finished.
        order = (case((finished, 1), else_=0), case((finished, -jobs.c.id), else_=jobs.c.id))
        query = (
            select(jobs)
            .where(jobs.c.user_id == user_id)
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        )
        async with self._scope.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_job(row) for row in rows]

    async def count_for_user(self, user_id: int) -> int:
        query = select(func.count()).select_from(jobs).where(jobs.c.user_id == user_id)
        async with self._scope.read() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def pressed_buttons(self, job_id: int) -> set[int]:
        query = (
            select(jobs.c.button_index)
            .where(jobs.c.parent_job_id == job_id, jobs.c.button_index.is_not(None))
            .distinct()
        )
        async with self._scope.read() as conn:
            return {int(index) for index in (await conn.execute(query)).scalars()}

    async def list_expiring_private(self, *, before: float) -> list[Job]:
        query = (
            select(jobs)
            .where(
                or_(
                    jobs.c.message_ephemeral.is_(True),
                    jobs.c.options.contains(_TOKEN_ONLY_JSON, autoescape=True),
                ),
                jobs.c.interaction_token.is_not(None),
                jobs.c.token_expires_at < before,
                *_not_final(),
            )
            .order_by(jobs.c.id)
        )
        async with self._scope.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_job(row) for row in rows]

    def _held(self) -> dict[str, Any]:
        return held_values(self._scope, self._terms)

    async def _update(
        self,
        job_id: int,
        values: Mapping[str, Any],
        *,
        only_if: Sequence[JobStatus] = (),
        unless: Sequence[JobStatus] = (),
    ) -> bool:
        """One conditional UPDATE: the status check and the write cannot be split."""
        statement = update(jobs).where(jobs.c.id == job_id).values(**values)
        if only_if:
            statement = statement.where(jobs.c.status.in_([s.value for s in only_if]))
        if unless:
            statement = statement.where(jobs.c.status.not_in([s.value for s in unless]))
        async with self._scope.write() as conn:
            result = await conn.execute(statement)
        return result.rowcount == 1


def chunks(items: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _not_final() -> list[ColumnElement[bool]]:
    return [jobs.c.status != status.value for status in TERMINAL_STATUSES]


def _message_columns(message: MessageRef) -> dict[str, Any]:
    return {
        "channel_id": message.channel_id,
        "message_id": message.message_id,
        "message_kind": message.kind.value,
        "interaction_token": message.interaction_token,
        "token_expires_at": message.token_expires_at,
        "upload_limit": message.upload_limit,
        "message_ephemeral": message.ephemeral,
    }


def _job(row: RowMapping) -> Job:
    data = dict(row)
    data["options"] = json.loads(data["options"] or "{}")
    token_only = bool(data["options"].pop(TOKEN_ONLY, False))
    data["message"] = MessageRef(
        token_only=token_only,
        channel_id=data.pop("channel_id"),
        message_id=data.pop("message_id"),
        kind=data.pop("message_kind"),
        interaction_token=data.pop("interaction_token"),
        token_expires_at=data.pop("token_expires_at"),
        upload_limit=data.pop("upload_limit"),
        ephemeral=bool(data.pop("message_ephemeral")),
    )
    return Job.model_validate(data)
