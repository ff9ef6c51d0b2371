"""What the core needs from storage, as Protocols; `bot.core.storage` implements them.

Every write is a typed method named for what happened. Outside a transaction each call
commits on its own; inside `Storage.transaction()` the calls share one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.core.models import (
    InputImage,
    Job,
    JobStatus,
    MessageRef,
    NewJob,
    Progress,
    ResultButton,
    StoredButton,
)


class JobStore(Protocol):
    async def create(self, new: NewJob, *, at: float) -> Job: ...

    async def get(self, job_id: int) -> Job | None: ...

    async def list_by_status(self, statuses: Sequence[JobStatus]) -> list[Job]: ...

    async def list_unshown_finals(self, *, since: float) -> list[Job]:
        """Jobs changed after `since` whose final state (or MODAL) Discord has not shown."""
        ...

    async def inputs(self, job_id: int) -> list[InputImage]: ...

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
        """PENDING -> WAITING / MODAL with the aggregator's task id; False if not PENDING."""
        ...

    async def record_progress(self, changes: Sequence[Progress], *, at: float) -> set[int]:
        """Non-final changes of many jobs in one batch; jobs already finished are left
        alone. Returns the ids of the jobs written."""
        ...

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
    ) -> bool:
        """Record a final status once: False (and nothing changed) if already final."""
        ...

    async def reopen(self, job_id: int, *, prompt: str, at: float) -> bool:
        """MODAL -> PENDING with the user's answer; False if it is no longer in MODAL."""
        ...

    async def move_message(self, job_id: int, message: MessageRef, *, at: float) -> None: ...

    async def mark_shown(self, job_id: int, status: JobStatus) -> None: ...


class ButtonStore(Protocol):
    async def replace(self, job_id: int, buttons: Sequence[ResultButton]) -> None:
        """Store a task's buttons in its order, replacing any earlier set."""
        ...

    async def list(self, job_id: int) -> list[StoredButton]: ...

    async def get(self, job_id: int, index: int) -> StoredButton | None: ...


class MetaStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...


class Stores(Protocol):
    @property
    def jobs(self) -> JobStore: ...

    @property
    def buttons(self) -> ButtonStore: ...

    @property
    def meta(self) -> MetaStore: ...


class Storage(Stores, Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Stores]:
        """One transaction for every call made on the stores it yields."""
        ...

    async def close(self) -> None: ...
