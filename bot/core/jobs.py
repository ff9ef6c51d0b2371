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

from bot.core.buttons import ButtonMeaning, ButtonRoute, classify
from bot.core.mask import Region, image_size, region_mask
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJError
from bot.core.mj.schemas import BlendDimensions, BotType, SpeedMode, Submission
from bot.core.prompts import describe_prompts, prompt_number, shortened_prompts
from bot.core.storage import (
    ButtonRepository,
    InputImage,
    Job,
    JobKind,
    JobRepository,
    JobStatus,
    Origin,
    StoredButton,
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

MASK_SOURCE_MAX_BYTES = 50 * 1024 * 1024
DOUBLE_CLICK_WINDOW = 1.0  # seconds in which a second press of the same button is ignored


class JobWatcher(Protocol):
    def track(self, job: Job) -> None: ...


@dataclass(frozen=True)
class JobLimits:
    max_prompt_chars: int = MAX_PROMPT_CHARS
    max_image_bytes: int = 8 * 1024 * 1024
    owner_only_buttons: bool = True


@dataclass(frozen=True)
class Press:
    """A button resolved from storage, ready to act on."""

    parent: Job
    button: StoredButton
    meaning: ButtonMeaning


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
        self._monotonic = monotonic
        self._now = now
        self._recent_presses: dict[tuple[int, int], float] = {}

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
        job = await self._record(
            JobKind.IMAGINE, origin, text, mode, bot_type, parent=parent, index=button_index
        )
        data_urls = [to_data_url(image) for image in checked]
        return await self._submit(
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
        job = await self._record(JobKind.BLEND, origin, "", mode, bot_type, options=options)
        urls = [to_data_url(image) for image in checked]
        call = self._client.blend(urls, dimensions=dimensions, bot_type=bot_type, mode=mode)
        return await self._submit(job, call)

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
        job = await self._record(
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
        return await self._submit(job, call)

    async def shorten(
        self,
        origin: Origin,
        prompt: str,
        *,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
    ) -> Job:
        text = check_prompt(prompt, max_chars=self.limits.max_prompt_chars)
        job = await self._record(JobKind.SHORTEN, origin, text, mode, bot_type)
        return await self._submit(job, self._client.shorten(text, bot_type=bot_type, mode=mode))

    # ---------------------------------------------------------------- buttons

    async def resolve_press(self, job_id: int, index: int, user_id: int) -> Press:
        """Look a button up and check who may press it; no side effects."""
        parent = await self._jobs.get(job_id)
        button = await self._buttons.get(job_id, index) if parent else None
        if parent is None or button is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        if self.limits.owner_only_buttons and parent.user_id != user_id:
            raise RequestRejectedError(Rejection.NOT_OWNER, owner_id=parent.user_id)
        meaning = classify(button)
        if meaning.route is ButtonRoute.UNSUPPORTED:
            raise RequestRejectedError(Rejection.BUTTON_UNSUPPORTED)
        return Press(parent, button, meaning)

    def default_prompt(self, press: Press) -> str:
        """What a modal for this button is pre-filled with."""
        if press.meaning.route is ButtonRoute.PICK_PROMPT:
            prompts = self.result_prompts(press.parent)
            number = press.meaning.prompt_number or 0
            return prompt_number(prompts, number) or ""
        return press.parent.final_prompt or press.parent.prompt

    @staticmethod
    def result_prompts(job: Job) -> list[str]:
        if job.kind is JobKind.SHORTEN:
            return shortened_prompts(job.final_prompt)
        return describe_prompts(job.final_prompt)

    async def press(
        self,
        origin: Origin,
        job_id: int,
        index: int,
        *,
        prompt: str | None = None,
        mask: InputImage | None = None,
        more_origins: Callable[[], Awaitable[Origin]] | None = None,
        claim: bool = True,
    ) -> list[Job]:
        """Act on a button of a finished job; returns the job(s) it started.

        `more_origins` gives a message for each job after the first ("Imagine all");
        `claim=False` when the caller already claimed the press (before answering Discord)."""
        press = await self.resolve_press(job_id, index, origin.user_id)
        if claim:
            self.claim(job_id, index)
        route = press.meaning.route
        parent = press.parent
        mode, bot_type = _mode_of(parent), _bot_type_of(parent)
        if route is ButtonRoute.PICK_PROMPT:
            text = prompt if prompt is not None else self.default_prompt(press)
            return [await self.imagine(origin, text, mode=mode, bot_type=bot_type, parent=parent)]
        if route is ButtonRoute.IMAGINE_ALL:
            started = []
            for number, text in enumerate(self.result_prompts(parent)):
                if number and more_origins is None:
                    break
                where = await more_origins() if number and more_origins else origin
                started.append(
                    await self.imagine(where, text, mode=mode, bot_type=bot_type, parent=parent)
                )
            return started
        if route is ButtonRoute.DESCRIBE_AGAIN:
            inputs = await self._jobs.inputs(parent.id)
            if not inputs:
                raise RequestRejectedError(Rejection.JOB_NOT_READY)
            return [await self.describe(origin, inputs[0].data, mode=mode, parent=parent)]
        if parent.status is not JobStatus.SUCCESS or parent.task_id is None:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        return [await self._action(origin, press, prompt, mask, mode)]

    async def region_mask(self, job_id: int, region: Region) -> InputImage:
        """A Vary (Region) mask the size of the job's result image."""
        job = await self._jobs.get(job_id)
        if job is None or not job.image_url:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        data = await self._client.download(job.image_url, max_bytes=MASK_SOURCE_MAX_BYTES)
        size = image_size(data)
        if size is None:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        return InputImage(mime="image/png", data=region_mask(*size, region))

    async def answer_modal(
        self, job_id: int, user_id: int, prompt: str, *, mask: InputImage | None = None
    ) -> Job:
        """Send the user's answer for a job the aggregator put in MODAL."""
        job = await self._jobs.get(job_id)
        if job is None or job.task_id is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        if self.limits.owner_only_buttons and job.user_id != user_id:
            raise RequestRejectedError(Rejection.NOT_OWNER, owner_id=job.user_id)
        if job.status is not JobStatus.MODAL:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        text = check_prompt(prompt, max_chars=self.limits.max_prompt_chars)
        job = await self._jobs.update(job.id, prompt=text, status=JobStatus.PENDING)
        call = self._client.modal(
            job.task_id or "", prompt=text, mask_base64=to_data_url(mask) if mask else None
        )
        return await self._submit(job, call)

    async def _action(
        self,
        origin: Origin,
        press: Press,
        prompt: str | None,
        mask: InputImage | None,
        mode: SpeedMode | None,
    ) -> Job:
        parent, button = press.parent, press.button
        options = {"custom_id": button.custom_id, "label": button.label, "emoji": button.emoji}
        if mode:
            options["mode"] = mode.value
        text = parent.final_prompt or parent.prompt
        if press.meaning.route is ButtonRoute.ASK_THEN_SUBMIT:
            text = check_prompt(prompt or "", max_chars=self.limits.max_prompt_chars)
        job = await self._jobs.create(
            JobKind.ACTION,
            origin,
            prompt=text,
            options=options,
            parent_job_id=parent.id,
            button_index=button.index,
        )
        assert parent.task_id is not None
        asks_first = press.meaning.route is ButtonRoute.ASK_THEN_SUBMIT
        call = self._client.action(parent.task_id, button.custom_id, mode=mode)
        job = await self._submit(job, call, track=not asks_first)
        if not asks_first or job.task_id is None:
            return job
        # Custom Zoom / Vary (Region): the action opened the aggregator's modal; answer it now.
        mask_url = to_data_url(mask) if mask else None
        call = self._client.modal(job.task_id, prompt=text, mask_base64=mask_url, mode=mode)
        return await self._submit(job, call)

    # ---------------------------------------------------------------- plumbing

    def claim(self, job_id: int, index: int) -> None:
        """Refuse a second press of the same button inside the double-click window."""
        now = self._monotonic()
        key = (job_id, index)
        last = self._recent_presses.get(key)
        if last is not None and now - last < DOUBLE_CLICK_WINDOW:
            raise RequestRejectedError(Rejection.ALREADY_PRESSED)
        self._recent_presses[key] = now
        if len(self._recent_presses) > 1000:  # keep the map small on busy bots
            cutoff = now - DOUBLE_CLICK_WINDOW
            self._recent_presses = {k: t for k, t in self._recent_presses.items() if t >= cutoff}

    async def _record(
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

    async def _submit(self, job: Job, call: Awaitable[Submission], *, track: bool = True) -> Job:
        try:
            submission = await call
        except MJError as exc:
            await self._jobs.update(
                job.id,
                status=JobStatus.FAILURE,
                fail_reason=str(exc)[:500],
                finished_at=self._now(),
            )
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


def _mode_of(job: Job) -> SpeedMode | None:
    value = job.options.get("mode")
    return SpeedMode(value) if value else None


def _bot_type_of(job: Job) -> BotType | None:
    value = job.options.get("bot_type")
    return BotType(value) if value else None
