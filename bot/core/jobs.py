"""JobService: the commands a user gives (/imagine, /blend, /describe, /shorten) and the
answer to a job waiting for input; validated here, started through `JobStarter`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.core.faceswap import check_swap, refused
from bot.core.image_inputs import check_imagine_images, check_link
from bot.core.image_uploads import ImageUploads
from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJError, MJTimeoutError
from bot.core.mj.schemas import BlendDimensions, BotType, SpeedMode
from bot.core.models import InputImage, Job, JobKind, JobStatus, NewJob, Origin
from bot.core.ports import JobStore
from bot.core.preferences import Preferences, UserPreferences
from bot.core.starter import JobLimits, JobStarter
from bot.core.translate import PromptTranslator, Translation, untranslated
from bot.core.validation import (
    BLEND_MAX_IMAGES,
    BLEND_MIN_IMAGES,
    Rejection,
    RequestRejectedError,
    check_image_count,
    check_images,
    check_prompt,
    to_data_url,
)


class JobService:
    def __init__(
        self,
        client: MJClient,
        jobs: JobStore,
        lifecycle: JobLifecycle,
        starter: JobStarter,
        *,
        preferences: Preferences,
        limits: JobLimits | None = None,
        uploads: ImageUploads | None = None,
        translator: PromptTranslator | None = None,
    ) -> None:
        self._client = client
        self._uploads = uploads or ImageUploads(client)
        self._jobs = jobs
        self._lifecycle = lifecycle
        self._starter = starter
        self.preferences = preferences
        self.limits = limits or JobLimits()
        self._translator = translator  # TRANSLATE_PROMPTS=auto

    async def translated(self, prompt: str, *, for_job: NewJob | None = None) -> Translation:
        """The prompt as it goes to Midjourney: in English where it had CJK words and
        translation is on; else (or when translation fails) as written. `for_job`: the
        job it is for, admitted first when a (paid) chat call is needed: a banned user,
        a cooldown or an empty wallet costs the operator nothing."""
        if self._translator is None:
            return untranslated(prompt)

        async def admitted() -> None:
            if for_job is not None:
                await self._lifecycle.precheck(for_job)

        return await self._translator.translate(prompt, before_call=admitted)

    async def job(self, job_id: int) -> Job | None:
        return await self._jobs.get(job_id)

    async def defaults(
        self, user_id: int, mode: SpeedMode | None, bot_type: BotType | None
    ) -> tuple[SpeedMode | None, BotType | None, UserPreferences]:
        """The speed and model a job runs with: the command's, else the user's, else the
        server's (recorded with the job, so its buttons' jobs run the same way)."""
        prefs = await self.preferences.of(user_id)
        mode = mode or prefs.mode or self._client.speed_mode
        return (mode if mode is not SpeedMode.NONE else None), bot_type or prefs.bot_type, prefs

    async def imagine(
        self,
        origin: Origin,
        prompt: str,
        *,
        images: Sequence[bytes] = (),
        sref: bytes | None = None,
        cref: bytes | None = None,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
        parent: Job | None = None,
        index: int | None = None,
        payer_id: int | None = None,
        same_request: bool = False,
        prepared: Translation | None = None,
    ) -> Job:
        """`images`: image prompts (at most five), `sref` / `cref`: style and character
        references; uploaded first where the aggregator can (see bot.core.image_uploads).
        `prepared`: the prompt was suffixed and translated already (a permutation's jobs,
        translated once); else both happen here."""
        mode, bot_type, prefs = await self.defaults(origin.user_id, mode, bot_type)
        if prepared is None:
            limit = self.limits.max_prompt_chars
            text = check_prompt(prefs.with_suffix(prompt), max_chars=limit)
            planned = NewJob(
                JobKind.IMAGINE, origin, prompt=text, payer_id=payer_id, same_request=same_request
            )
            prepared = await self.translated(text, for_job=planned)
        text = check_prompt(prepared.prompt, max_chars=self.limits.max_prompt_chars)
        max_bytes = self.limits.max_image_bytes
        checked = await asyncio.to_thread(
            check_imagine_images, images, sref=sref, cref=cref, max_bytes=max_bytes
        )
        upload = await self._uploads.uses_upload(checked)  # refusals before the record
        job = await self._starter.record(
            JobKind.IMAGINE,
            origin,
            text,
            mode,
            bot_type,
            options=prepared.options(),
            parent=parent,
            index=index,
            payer_id=payer_id,
            same_request=same_request,
        )
        call = self._uploads.imagine(text, checked, upload=upload, bot_type=bot_type, mode=mode)
        return await self._starter.submit(job, call)

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
        mode, bot_type, _ = await self.defaults(origin.user_id, mode, bot_type)
        checked = await self._checked(images)
        options = {"dimensions": dimensions.value}
        job = await self._starter.record(JobKind.BLEND, origin, "", mode, bot_type, options=options)
        urls = [to_data_url(image) for image in checked]
        call = self._client.blend(urls, dimensions=dimensions, bot_type=bot_type, mode=mode)
        return await self._starter.submit(job, call)

    async def describe(
        self,
        origin: Origin,
        image: bytes | None = None,
        *,
        link: str | None = None,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
        parent: Job | None = None,
        index: int | None = None,
        payer_id: int | None = None,
    ) -> Job:
        """An image, or a `link` that the aggregator fetches (the bot never does); the
        link is kept in the job's options for "describe again"."""
        if (image is None) == (link is None):
            raise RequestRejectedError(Rejection.DESCRIBE_NEEDS_ONE)
        mode, bot_type, _ = await self.defaults(origin.user_id, mode, bot_type)
        url = check_link(link, allow_private=self.limits.private_links) if link else None
        given = [image] if image is not None else []
        checked = await self._checked(given)
        job = await self._starter.record(
            JobKind.DESCRIBE,
            origin,
            "",
            mode,
            bot_type,
            options={"link": url} if url else None,
            inputs=checked,
            parent=parent,
            index=index,
            payer_id=payer_id,
        )
        source = to_data_url(checked[0]) if checked else None
        call = self._client.describe(source, link=url, bot_type=bot_type, mode=mode)
        return await self._starter.submit(job, call)

    async def shorten(
        self,
        origin: Origin,
        prompt: str,
        *,
        mode: SpeedMode | None = None,
        bot_type: BotType | None = None,
    ) -> Job:
        mode, bot_type, _ = await self.defaults(origin.user_id, mode, bot_type)
        # Translated too: the analysis is of the words Midjourney would be given.
        limit = self.limits.max_prompt_chars
        text = check_prompt(prompt, max_chars=limit)
        translation = await self.translated(text, for_job=NewJob(JobKind.SHORTEN, origin, text))
        text = check_prompt(translation.prompt, max_chars=limit)
        options = translation.options()
        job = await self._starter.record(
            JobKind.SHORTEN, origin, text, mode, bot_type, options=options
        )
        call = self._client.shorten(text, bot_type=bot_type, mode=mode)
        return await self._starter.submit(job, call)

    async def swap_face(self, origin: Origin, source: bytes, target: bytes) -> Job:
        """/swapface: the face in `source` put into `target`, at the user's speed."""
        face, picture = await asyncio.to_thread(  # Pillow decodes both: off the loop
            check_swap,
            source,
            target,
            enabled=self.limits.swapface_enabled,
            max_bytes=self.limits.max_image_bytes,
        )
        mode, _, _ = await self.defaults(origin.user_id, None, None)
        job = await self._starter.record(JobKind.SWAPFACE, origin, "", mode, None)
        call = self._client.swap_face(to_data_url(face), to_data_url(picture), mode=mode)
        try:
            return await self._starter.submit(job, call)
        except MJTimeoutError:
            raise  # it may have started: said as for every other job
        except MJError as exc:
            raise refused(exc) from exc

    # ---------------------------------------------------------------- modals

    async def _checked(self, images: Sequence[bytes]) -> list[InputImage]:
        # Decoding takes milliseconds per megapixel: off the loop, so acks never wait on it.
        return await asyncio.to_thread(check_images, images, max_bytes=self.limits.max_image_bytes)

    async def waiting_job(self, job_id: int, user_id: int) -> Job:
        """The job waiting in MODAL that this user may answer, or a refusal."""
        job = await self._answerable(job_id, user_id)
        if job.status is not JobStatus.MODAL:
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        return job

    async def answer_modal(
        self, job_id: int, user_id: int, prompt: str, *, mask: InputImage | None = None
    ) -> Job:
        """Send the user's answer for a job the aggregator put in MODAL."""
        job = await self._answerable(job_id, user_id)
        text = check_prompt(prompt, max_chars=self.limits.max_prompt_chars)
        return await self.send_answer(job, text, mask=mask)

    async def _answerable(self, job_id: int, user_id: int) -> Job:
        job = await self._jobs.get(job_id)
        if job is None or job.task_id is None:
            raise RequestRejectedError(Rejection.BUTTON_UNKNOWN)
        # Whatever the button policy, only the user who started a job answers its modal:
        # the answer is part of that (already admitted and charged) job.
        if job.user_id != user_id:
            raise RequestRejectedError(Rejection.NOT_OWNER, owner_id=job.user_id)
        return job

    async def send_answer(
        self,
        job: Job,
        prompt: str,
        *,
        mask: InputImage | None = None,
        mode: SpeedMode | None = None,
    ) -> Job:
        """Answer a MODAL job once: of two answers racing, only the first is sent; a job
        no longer in MODAL was answered already."""
        task_id = job.task_id
        if task_id is None:  # checked before reopening: a job must not be left PENDING
            raise RequestRejectedError(Rejection.JOB_NOT_READY)
        reopened = await self._lifecycle.reopen(job, prompt)
        if reopened is None:
            raise RequestRejectedError(Rejection.ALREADY_PRESSED)
        mask_url = to_data_url(mask) if mask else None
        call = self._client.modal(task_id, prompt=prompt, mask_base64=mask_url, mode=mode)
        try:
            return await self._starter.submit(reopened, call)
        except MJTimeoutError:
            # The task is known: follow it, so it settles or fails by itself.
            await self._lifecycle.submitted(
                reopened, task_id=task_id, queue_position=None, final_prompt=None, needs_input=False
            )
            raise
