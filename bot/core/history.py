"""A user's jobs (/history) and finding one job again (/show)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Job
from bot.core.ports import JobStore
from bot.core.validation import Rejection, RequestRejectedError

HISTORY_PAGE = 10
_MAX_JOB_ID = 2**63 - 1


@dataclass(frozen=True)
class HistoryPage:
    jobs: list[Job]
    page: int  # 0-based
    pages: int
    total: int


class JobHistory:
    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs

    async def page(self, user_id: int, page: int) -> HistoryPage:
        """Page `page` (clamped to the last one): still waiting or running first."""
        total = await self._jobs.count_for_user(user_id)
        pages = max(1, -(-total // HISTORY_PAGE))
        page = min(max(page, 0), pages - 1)
        jobs = await self._jobs.list_for_user(
            user_id, limit=HISTORY_PAGE, offset=page * HISTORY_PAGE
        )
        return HistoryPage(jobs, page, pages, total)

    async def find(
        self, reference: str, user_id: int, *, admin: bool, manages_guild: int | None = None
    ) -> Job:
        """A job by its number (as its footer shows it, "#12" too) or by the aggregator's
        task id: a user's own; anyone's for admins (ADMIN_USER_IDS); and for a server's
        managers (`manages_guild`), the jobs started in that server, not those of servers
        they do not manage (anyone can make a server of their own)."""
        text = reference.strip().lstrip("#").strip()
        job = None
        # ASCII only: "²".isdigit() holds, yet int() refuses it.
        if text.isascii() and text.isdigit() and int(text) <= _MAX_JOB_ID:
            job = await self._jobs.get(int(text))
        if job is None and text:
            job = await self._jobs.by_task_id(text)
        if job is None:
            raise RequestRejectedError(Rejection.JOB_UNKNOWN, job=reference.strip()[:40])
        managed = manages_guild is not None and job.guild_id == manages_guild
        if job.user_id != user_id and not admin and not managed:
            raise RequestRejectedError(Rejection.NOT_YOUR_JOB, job=job.id)
        return job
