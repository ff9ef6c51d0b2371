"""Button clicks and modal answers: checks first, then one JobService call."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.core.buttons import ButtonRoute
from bot.core.i18n import t
from bot.core.jobs import JobService
from bot.core.mask import parse_region
from bot.core.payload import MODAL_BUTTON
from bot.core.prompts import with_zoom
from bot.core.storage import Job
from bot.core.validation import RequestRejectedError
from bot.ui.errors import user_message
from bot.ui.flow import CommandFlow, JobContext, refuse
from bot.ui.modals import MODAL_TEMPLATE, PROMPT_FIELD, REGION_FIELD, prompt_modal, submitted_values

log = logging.getLogger(__name__)


class ClickHandler:
    def __init__(self, service: JobService, flow: CommandFlow) -> None:
        self._service = service
        self._flow = flow

    async def on_button(self, interaction: discord.Interaction, job_id: int, route: str) -> None:
        locale = str(interaction.locale)
        try:
            if route == MODAL_BUTTON:
                await self._open_remix(interaction, job_id)
                return
            index = int(route)
            press = await self._service.presses.resolve_press(job_id, index, interaction.user.id)
            meaning = press.meaning
            if meaning.route is ButtonRoute.ASK_THEN_SUBMIT:
                prefill = self._service.presses.default_prompt(press)
                title = "modal.region_title" if meaning.needs_mask else "modal.zoom_title"
                prefill = prefill if meaning.needs_mask else with_zoom(prefill)
                modal = prompt_modal(
                    job_id,
                    route,
                    title_key=title,
                    prefill=prefill,
                    locale=locale,
                    region=meaning.needs_mask,
                )
                await interaction.response.send_modal(modal)
            elif meaning.route is ButtonRoute.PICK_PROMPT:
                prefill = self._service.presses.default_prompt(press)
                modal = prompt_modal(
                    job_id, route, title_key="modal.prompt_title", prefill=prefill, locale=locale
                )
                await interaction.response.send_modal(modal)
            else:
                # Claim before answering, so a double click is refused privately at once.
                self._service.presses.claim(job_id, index)
                await self._flow.run(
                    interaction,
                    lambda ctx: self._service.presses.press(
                        ctx.origin, job_id, index, more_origins=ctx.another_origin, claim=False
                    ),
                )
        except RequestRejectedError as exc:
            await refuse(interaction, user_message(exc, locale))

    async def _open_remix(self, interaction: discord.Interaction, job_id: int) -> None:
        job = await self._service.waiting_job(job_id, interaction.user.id)
        modal = prompt_modal(
            job_id,
            MODAL_BUTTON,
            title_key="modal.remix_title",
            prefill=job.final_prompt or job.prompt,
            locale=str(interaction.locale),
        )
        await interaction.response.send_modal(modal)

    async def on_modal_submit(self, interaction: discord.Interaction) -> bool:
        """Handle one of our modals; False when the modal is not ours."""
        data: dict[str, Any] = dict(interaction.data or {})
        match = MODAL_TEMPLATE.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return False
        job_id, route = int(match["job"]), match["route"]
        values = submitted_values(data)
        prompt = values.get(PROMPT_FIELD, "")
        locale = str(interaction.locale)
        try:
            if route == MODAL_BUTTON:
                # The answer continues the same job on its own message: a silent defer.
                await self._service.waiting_job(job_id, interaction.user.id)
                await interaction.response.defer()
                await self._flow.continue_job(
                    interaction, self._service.answer_modal(job_id, interaction.user.id, prompt)
                )
                return True
            region = None
            if REGION_FIELD in values:
                region = parse_region(values[REGION_FIELD])
                if region is None:
                    await refuse(interaction, t("error.region_invalid", locale))
                    return True
            index = int(route)
            await self._service.presses.resolve_press(job_id, index, interaction.user.id)
            await self._flow.run(
                interaction, lambda ctx: self._press(ctx, job_id, index, prompt, region)
            )
        except RequestRejectedError as exc:
            await refuse(interaction, user_message(exc, locale))
        return True

    async def _press(
        self, ctx: JobContext, job_id: int, index: int, prompt: str, region: Any
    ) -> list[Job]:
        mask = (
            await self._service.presses.region_mask(job_id, region) if region is not None else None
        )
        return await self._service.presses.press(
            ctx.origin, job_id, index, prompt=prompt, mask=mask
        )
