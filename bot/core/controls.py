"""The bot's own buttons on a job: Cancel (owner or admins) and Seed (anyone)."""

from __future__ import annotations

import logging

from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import MJClient
from bot.core.mj.errors import (
    MJAPIError,
    MJEndpointUnsupportedError,
    MJHTTPError,
    MJProtocolError,
    MJTransportError,
)
from bot.core.models import Job, JobKind, JobStatus
from bot.core.ports import JobStore
from bot.core.validation import Rejection, RequestRejectedError

log = logging.getLogger(__name__)

_CANCELLABLE = (JobStatus.WAITING, JobStatus.IN_PROGRESS, JobStatus.MODAL)
_NO_SEED = (JobKind.DESCRIBE, JobKind.SHORTEN)


class JobControls:
    def __init__(self, client: MJClient, jobs: JobStore, lifecycle: JobLifecycle) -> None:
        self._client = client
        self._jobs = jobs
        self._lifecycle = lifecycle

    async def cancellable(self, job_id: int, user_id: int, *, admin: bool) -> Job:
        """The job this user may cancel now, or a refusal (no side effects)."""
        job = await self._jobs.get(job_id)
        if job is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        if job.user_id != user_id and not admin:
            raise RequestRejectedError(Rejection.NOT_OWNER, owner_id=job.user_id)
        if job.status.is_terminal:
            raise RequestRejectedError(Rejection.ALREADY_FINISHED)
        if job.task_id is None or job.status not in _CANCELLABLE:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        return job

    async def cancel(self, job_id: int, user_id: int, *, admin: bool) -> Job:
        """Ask the aggregator to cancel; once it agrees the job ends as cancelled (and is
        refunded). A refusal leaves the job running and says why."""
        job = await self.cancellable(job_id, user_id, admin=admin)
        assert job.task_id is not None
        try:
            await self._client.cancel(job.task_id)
        except MJEndpointUnsupportedError as exc:
            raise RequestRejectedError(Rejection.CANCEL_UNSUPPORTED) from exc
        except MJAPIError as exc:
            reason = exc.description or f"code {exc.code}"
            raise RequestRejectedError(Rejection.CANCEL_REFUSED, why=reason) from exc
        except (MJHTTPError, MJTransportError) as exc:  # not a submit: nothing may have run
            raise RequestRejectedError(Rejection.CANCEL_REFUSED, why=str(exc)) from exc
        cancelled = await self._lifecycle.cancelled(job)
        if cancelled is None:
            now = await self._jobs.get(job.id)
            if now is not None and now.status is JobStatus.CANCEL:
                return now  # a poll or a push recorded the aggregator's CANCEL first
            raise RequestRejectedError(Rejection.ALREADY_FINISHED)  # it finished just before
        log.info("job %d cancelled by user %d", job.id, user_id)
        return cancelled

    async def seed(self, job_id: int) -> tuple[Job, str]:
        """The seed of a finished image job, from the aggregator."""
        job = await self._jobs.get(job_id)
        if job is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        if job.task_id is None or job.status is not JobStatus.SUCCESS or job.kind in _NO_SEED:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        try:
            seed = await self._client.image_seed(job.task_id)
        except MJAPIError as exc:
            reason = exc.description or f"code {exc.code}"
            raise RequestRejectedError(Rejection.SEED_UNAVAILABLE, why=reason) from exc
        except (MJHTTPError, MJProtocolError) as exc:
            raise RequestRejectedError(Rejection.SEED_UNAVAILABLE, why=str(exc)) from exc
        return job, seed
