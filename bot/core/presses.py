"""What pressing a stored button does: submit it, ask first, or act locally.

Local follow-ups (a describe prompt, "Imagine all", describe again) are new commands run
through JobService; aggregator actions are recorded and submitted by JobStarter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.buttons import ButtonMeaning, ButtonRoute, classify
from bot.core.jobs import JobService
from bot.core.mask import Region, image_size, region_mask
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJError, MJTimeoutError
from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.models import (
    InputImage,
    Job,
    JobKind,
    JobStatus,
    NewJob,
    Origin,
    StoredButton,
)
from bot.core.ports import ButtonStore, JobStore
from bot.core.prompts import describe_prompts, prompt_number, shortened_prompts
from bot.core.starter import JobLimits, JobStarter
from bot.core.validation import Rejection, RequestRejectedError, check_prompt

log = logging.getLogger(__name__)

MASK_SOURCE_MAX_BYTES = 50 * 1024 * 1024
DOUBLE_CLICK_WINDOW = 1.0  # seconds in which a second press of the same button is ignored
Refused = Callable[[Origin, Exception], Awaitable[None]]  # a later job's message, why not


@dataclass(frozen=True)
class Press:
    """A button resolved from storage, ready to act on."""

    parent: Job
    button: StoredButton
    meaning: ButtonMeaning


class ButtonPresses:
    """What pressing a stored button does; every job it starts goes through JobService."""

    def __init__(
        self,
        service: JobService,
        starter: JobStarter,
        client: MJClient,
        jobs: JobStore,
        buttons: ButtonStore,
        *,
        limits: JobLimits,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._service = service
        self._starter = starter
        self._client = client
        self._jobs = jobs
        self._buttons = buttons
        self._limits = limits
        self._clock = clock  # wall time: the presses are compared across processes

    async def resolve_press(self, job_id: int, index: int, user_id: int) -> Press:
        """Look a button up and check who may press it; no side effects."""
        parent = await self._jobs.get(job_id)
        button = await self._buttons.get(job_id, index) if parent else None
        if parent is None or button is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        if self._limits.owner_only_buttons and parent.user_id != user_id:
            raise RequestRejectedError(Rejection.NOT_OWNER, owner_id=parent.user_id)
        meaning = classify(button)
        if meaning.route is ButtonRoute.UNSUPPORTED:
            raise RequestRejectedError(Rejection.BUTTON_UNSUPPORTED)
        return Press(parent, button, meaning)

    async def wants_remix(self, press: Press, user_id: int) -> bool:
        """Whether this press opens the prompt editor first (the user's remix setting)."""
        if not press.meaning.remixable:
            return False
        return (await self._service.preferences.of(user_id)).remix

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
        on_refused: Refused | None = None,
        claim: bool = True,
    ) -> list[Job]:
        """Act on a button of a finished job; returns the job(s) it started.

        `more_origins` gives a message for each job after the first ("Imagine all"), and
        `on_refused` is told when one of those is refused by a limit or for credits;
        `claim=False` when the caller already claimed the press (before answering Discord)."""
        press = await self.resolve_press(job_id, index, origin.user_id)
        if claim:
            await self.claim(job_id, index)
        route = press.meaning.route
        parent = press.parent
        mode, bot_type = _mode_of(parent), _bot_type_of(parent)
        payer = self._payer(parent, origin)
        if route is ButtonRoute.PICK_PROMPT:
            text = prompt if prompt is not None else self.default_prompt(press)
            job = await self._service.imagine(
                origin,
                text,
                mode=mode,
                bot_type=bot_type,
                parent=parent,
                index=index,
                payer_id=payer,
            )
            return [job]
        if route is ButtonRoute.IMAGINE_ALL:
            return await self._imagine_all(
                origin, press, more_origins, on_refused, mode, bot_type, payer
            )
        if route is ButtonRoute.DESCRIBE_AGAIN:
            inputs = await self._jobs.inputs(parent.id)
            link = parent.options.get("link")  # described from a link: the same link again
            if not inputs and not isinstance(link, str):
                raise RequestRejectedError(Rejection.JOB_NOT_READY)
            image = inputs[0].data if inputs else None
            job = await self._service.describe(
                origin,
                image,
                link=None if inputs else str(link),
                mode=mode,
                parent=parent,
                index=index,
                payer_id=payer,
            )
            return [job]
        if parent.status is not JobStatus.SUCCESS or parent.task_id is None:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        return [await self._action(origin, press, prompt, mask, mode, payer)]

    def _payer(self, parent: Job, origin: Origin) -> int | None:
        """With owner_pays, a press by someone else is charged to the job's owner."""
        if self._limits.owner_pays and parent.user_id != origin.user_id:
            return parent.user_id
        return None

    async def region_mask(self, job_id: int, region: Region) -> InputImage:
        """A Vary (Region) mask the size of the job's result image."""
        job = await self._jobs.get(job_id)
        if job is None or not job.image_url:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        data = await self._client.download(job.image_url, max_bytes=MASK_SOURCE_MAX_BYTES)
        size = image_size(data)
        if size is None:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        mask = await asyncio.to_thread(region_mask, *size, region)  # a 4096² PNG takes ~1 s
        return InputImage(mime="image/png", data=mask)

    async def _imagine_all(
        self,
        origin: Origin,
        press: Press,
        more_origins: Callable[[], Awaitable[Origin]] | None,
        on_refused: Refused | None,
        mode: SpeedMode | None,
        bot_type: BotType | None,
        payer: int | None,
    ) -> list[Job]:
        """One imagine per describe prompt, each on its own message."""
        parent = press.parent
        prompts = self.result_prompts(parent)
        if not prompts:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)

        async def imagine(where: Origin, text: str, *, later: bool = True) -> Job:
            return await self._service.imagine(
                where,
                text,
                mode=mode,
                bot_type=bot_type,
                parent=parent,
                index=press.button.index,
                payer_id=payer,
                same_request=later,  # one press, one cooldown
            )

        started = [await imagine(origin, prompts[0], later=False)]
        if more_origins is None:
            return started
        for text in prompts[1:]:
            where = await more_origins()
            try:
                job = await imagine(where, text)
            except RequestRejectedError as exc:
                if on_refused is None:
                    raise
                await on_refused(where, exc)
                break  # a limit or the wallet: the remaining prompts would be refused too
            except MJTimeoutError as exc:
                # It may have started; its message says so instead of "waiting" for an hour.
                if on_refused is None:
                    raise
                await on_refused(where, exc)
                continue
            except MJError as exc:
                # The others are running: this one shows its failure on its own message.
                failed = await self._jobs.get(exc.job_id) if exc.job_id else None
                if failed is None:
                    raise
                job = failed
            started.append(job)
        return started

    async def _action(
        self,
        origin: Origin,
        press: Press,
        prompt: str | None,
        mask: InputImage | None,
        mode: SpeedMode | None,
        payer: int | None,
    ) -> Job:
        parent, button, meaning = press.parent, press.button, press.meaning
        asks_first = meaning.route is ButtonRoute.ASK_THEN_SUBMIT
        remix = meaning.remixable and prompt is not None  # edited in the remix editor
        options = {"custom_id": button.custom_id, "label": button.label, "emoji": button.emoji}
        text = parent.final_prompt or parent.prompt
        if asks_first or remix:  # a prompt the user typed: translated like /imagine's
            text = check_prompt(prompt or "", max_chars=self._limits.max_prompt_chars)
            planned = NewJob(
                JobKind.ACTION,
                origin,
                text,
                options=dict(options),
                parent_job_id=parent.id,
                button_index=button.index,
                payer_id=payer,
                asks_first=asks_first,
            )
            translation = await self._service.translated(text, for_job=planned)
            text = check_prompt(translation.prompt, max_chars=self._limits.max_prompt_chars)
            options.update(translation.options())
        prefs = await self._service.preferences.of(origin.user_id)
        strong = prefs.strong if meaning.variation else None
        job = await self._starter.record(
            JobKind.ACTION,
            origin,
            text,
            mode,
            None,
            options=options,
            parent=parent,
            index=button.index,
            payer_id=payer,
            asks_first=asks_first,
        )
        assert parent.task_id is not None
        call = self._client.action(
            parent.task_id, button.custom_id, mode=mode, enable_remix=remix, strong=strong
        )
        if remix:
            # Remix opens the aggregator's editor; an aggregator that skips it (remix
            # auto-submit) runs the parent's prompt, and the job simply goes on.
            job = await self._starter.submit(job, call)
            if job.status is not JobStatus.MODAL:
                log.info("job %d: the aggregator ran the remix without its editor", job.id)
                return job
            return await self._service.send_answer(job, text, mode=mode)
        if not asks_first:
            return await self._starter.submit(job, call)
        # Custom Zoom / Vary (Region): the action opens the aggregator's modal; answer it now.
        job = await self._starter.submit(job, call, needs_input=True)
        return await self._service.send_answer(job, text, mask=mask, mode=mode)

    # ---------------------------------------------------------------- plumbing

    async def claim(self, job_id: int, index: int) -> None:
        """Refuse a second press of the same button inside the double-click window, in
        the database: the second press may reach another process."""
        at = self._clock()
        if not await self._buttons.claim_press(job_id, index, at=at, window=DOUBLE_CLICK_WINDOW):
            raise RequestRejectedError(Rejection.ALREADY_PRESSED)


def _mode_of(job: Job) -> SpeedMode | None:
    value = job.options.get("mode")
    return SpeedMode(value) if value else None


def _bot_type_of(job: Job) -> BotType | None:
    value = job.options.get("bot_type")
    return BotType(value) if value else None
