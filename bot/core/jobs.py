"""JobService: the one path from "a user asked" to "a task submitted and recorded".

Every job is written to SQLite (with where its message lives) *before* the submit, so a
crash between the two leaves a trace instead of a silent charge. Submits are never retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJError
from bot.core.mj.schemas import BlendDimensions, BotType, SpeedMode, Submission
from bot.core.presses import ButtonPresses
from bot.core.storage import (
    ButtonRepository,
    InputImage,
    Job,
    JobKind,
    JobRepository,
    JobStatus,
    Origin,
)
from bot.core.validation import (
    BLEND_MAX_IMAGES,
    BLEND_MIN_IMAGES,
    MAX_PROMPT_CHARS,
    Rejection,
    RequestRejectedError,
    check_image_count,
    check_images,
    check_prompt,
    to_data_url,
)

log = logging.getLogger(__name__)


class JobWatcher(Protocol):
    def track(self, job: Job) -> None: ...


@dataclass(frozen=True)
class JobLimits:
    max_prompt_chars: int = MAX_PROMPT_CHARS
    max_image_bytes: int = 8 * 1024 * 1024
    owner_only_buttons: bool = True


class JobService:
    def __init__(
        self,
        client: MJClient,
        jobs: JobRepository,
        buttons: ButtonRepository,
        watcher: JobWatcher,
        *,
        limits: JobLimits | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._jobs = jobs
        self._buttons = buttons
        self._watcher = watcher
        self.limits = limits or JobLimits()
        self._now = now
        self.presses = ButtonPresses(self, client, jobs, buttons, monotonic=monotonic)

    # ---------------------------------------------------------------- commands

    async def imagine(
        self,
        origin: Origin,
        prompt: str,
        *,
        images: Sequence[bytes] = (),
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
        parent: Job | None = None,
        button_index: int | None = None,
    ) -> Job:
        text = check_prompt(prompt, max_chars=self.limits.max_prompt_chars)
        checked = check_images(images, max_bytes=self.limits.max_image_bytes)
        job = await self.record(
            JobKind.IMAGINE, origin, text, mode, bot_type, parent=parent, index=button_index
        )
        data_urls = [to_data_url(image) for image in checked]
        return await self.submit(
            job, self._client.imagine(text, images=data_urls, bot_type=bot_type, mode=mode)
        )

    async def blend(
        self,
        origin: Origin,
        images: Sequence[bytes],
        *,
        dimensions: BlendDimensions = BlendDimensions.SQUARE,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
    ) -> Job:
        check_image_count(len(images), minimum=BLEND_MIN_IMAGES, maximum=BLEND_MAX_IMAGES)
        checked = check_images(images, max_bytes=self.limits.max_image_bytes)
        options = {"dimensions": dimensions.value}
        job = await self.record(JobKind.BLEND, origin, "", mode, bot_type, options=options)
        urls = [to_data_url(image) for image in checked]
        call = self._client.blend(urls, dimensions=dimensions, bot_type=bot_type, mode=mode)
        return await self.submit(job, call)

    async def describe(
        self,
        origin: Origin,
        image: bytes,
        *,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
        parent: Job | None = None,
        button_index: int | None = None,
    ) -> Job:
        (checked,) = check_images([image], max_bytes=self.limits.max_image_bytes)
        job = await self.record(
            JobKind.DESCRIBE,
            origin,
            "",
            mode,
            bot_type,
            inputs=[checked],
            parent=parent,
            index=button_index,
        )
        call = self._client.describe(to_data_url(checked), bot_type=bot_type, mode=mode)
        return await self.submit(job, call)

    async def shorten(
        self,
        origin: Origin,
        prompt: str,
        *,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
    ) -> Job:
        text = check_prompt(prompt, max_chars=self.limits.max_prompt_chars)
        job = await self.record(JobKind.SHORTEN, origin, text, mode, bot_type)
        return await self.submit(job, self._client.shorten(text, bot_type=bot_type, mode=mode))

    # ---------------------------------------------------------------- modals

    async def waiting_job(self, job_id: int, user_id: int) -> Job:
        """The job waiting in MODAL that this user may answer, or a refusal."""
        job = await self._jobs.get(job_id)
        if job is None or job.task_id is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        if self.limits.owner_only_buttons and job.user_id != user_id:
            raise RequestRejectedError(Rejection.NOT_OWNER, owner_id=job.user_id)
        if job.status is not JobStatus.MODAL:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        return job

    async def answer_modal(
        self, job_id: int, user_id: int, prompt: str, *, mask: InputImage | None = None
    ) -> Job:
        """Send the user's answer for a job the aggregator put in MODAL."""
        job = await self.waiting_job(job_id, user_id)
        text = check_prompt(prompt, max_chars=self.limits.max_prompt_chars)
        # Two answers racing (double submit): only the first one leaves MODAL and is sent.
        if not await self._jobs.move_status(job.id, JobStatus.MODAL, JobStatus.PENDING):
            raise RequestRejectedError(Rejection.ALREADY_PRESSED)
        job = await self._jobs.update(job.id, prompt=text)
        call = self._client.modal(
            job.task_id or "", prompt=text, mask_base64=to_data_url(mask) if mask else None
        )
        return await self.submit(job, call)

    async def record(
        self,
        kind: JobKind,
        origin: Origin,
        prompt: str,
        mode: SpeedMode | None,
        bot_type: BotType | None,
        *,
        options: dict[str, Any] | None = None,
        inputs: Sequence[InputImage] = (),
        parent: Job | None = None,
        index: int | None = None,
    ) -> Job:
        """Write a job (and where its message is) to SQLite before anything is submitted."""
        options = dict(options or {})
        if mode:
            options["mode"] = mode.value
        if bot_type:
            options["bot_type"] = bot_type.value
        return await self._jobs.create(
            kind,
            origin,
            prompt=prompt,
            options=options,
            inputs=inputs,
            parent_job_id=parent.id if parent else None,
            button_index=index,
        )

    async def submit(self, job: Job, call: Awaitable[Submission], *, track: bool = True) -> Job:
        try:
            submission = await call
        except MJError as exc:
            await self._jobs.update(
                job.id,
                status=JobStatus.FAILURE,
                fail_reason=str(exc)[:500],
                finished_at=self._now(),
            )
            exc.job_id = job.id
            raise
        except asyncio.CancelledError:
            await self._jobs.update(job.id, status=JobStatus.FAILURE, fail_reason="cancelled")
            raise
        status = JobStatus.MODAL if submission.needs_modal else JobStatus.WAITING
        job = await self._jobs.update(
            job.id,
            task_id=submission.task_id,
            status=status,
            queue_position=submission.queue_position,
            final_prompt=submission.final_prompt or job.final_prompt,
            submitted_at=self._now(),
        )
        log.info("job %d submitted as task %s (%s)", job.id, job.task_id, status)
        if track and status.is_tracked:
            self._watcher.track(job)
        return job
