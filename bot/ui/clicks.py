"""Button clicks and modal answers: checks first, then one core call.

Errors are not caught here: the caller (the button's callback, the bot's modal hook)
hands them to `bot.ui.replies.answer_error`, the one reply path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord

from bot.core.buttons import ButtonRoute
from bot.core.controls import JobControls
from bot.core.i18n import t
from bot.core.jobs import JobService
from bot.core.mask import Region, parse_region
from bot.core.models import Job
from bot.core.payload import CANCEL_BUTTON, MODAL_BUTTON, SEED_BUTTON
from bot.core.presses import ButtonPresses
from bot.core.prompts import with_zoom
from bot.core.validation import Rejection, RequestRejectedError
from bot.ui.editor_link import EditorLinkOffer
from bot.ui.errors import user_message
from bot.ui.flow import CommandFlow, JobContext
from bot.ui.modals import MODAL_TEMPLATE, PROMPT_FIELD, REGION_FIELD, prompt_modal, submitted_values


class ClickHandler:
    def __init__(
        self,
        service: JobService,
        presses: ButtonPresses,
        controls: JobControls,
        flow: CommandFlow,
        *,
        is_admin: Callable[[discord.Interaction], bool],
        editor: EditorLinkOffer | None = None,
    ) -> None:
        self._service = service
        self._presses = presses
        self._controls = controls
        self._flow = flow
        self._is_admin = is_admin
        self._editor = editor  # PUBLIC_URL: Vary (Region) is painted in the browser

    async def on_button(self, interaction: discord.Interaction, job_id: int, route: str) -> None:
        locale = str(interaction.locale)
        if route == MODAL_BUTTON:
            await self._open_remix(interaction, job_id)
            return
        if route == CANCEL_BUTTON:
            await self._cancel(interaction, job_id)
            return
        if route == SEED_BUTTON:
            await self._seed(interaction, job_id)
            return
        index = int(route)
        press = await self._presses.resolve_press(job_id, index, interaction.user.id)
        meaning = press.meaning
        if await self._presses.wants_remix(press, interaction.user.id):
            # Remix: the prompt editor first; its answer submits the action (clicks below).
            modal = prompt_modal(
                job_id,
                route,
                title_key="modal.remix_title",
                prefill=self._presses.default_prompt(press),
                locale=locale,
            )
            await interaction.response.send_modal(modal)
        elif meaning.needs_mask and self._editor is not None:
            private = await self._flow.private(interaction)
            await self._editor.offer(interaction, job_id, index, private=private)
        elif meaning.route is ButtonRoute.ASK_THEN_SUBMIT:
            prefill = self._presses.default_prompt(press)
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
            prefill = self._presses.default_prompt(press)
            modal = prompt_modal(
                job_id, route, title_key="modal.prompt_title", prefill=prefill, locale=locale
            )
            await interaction.response.send_modal(modal)
        else:
            # Claim before answering, so a double click is refused privately at once.
            await self._presses.claim(job_id, index)
            await self._flow.run(
                interaction,
                lambda ctx: self._presses.press(
                    ctx.origin,
                    job_id,
                    index,
                    more_origins=ctx.another_origin,
                    on_refused=ctx.refused,
                    claim=False,
                ),
            )

    async def _cancel(self, interaction: discord.Interaction, job_id: int) -> None:
        admin = self._is_admin(interaction)
        # Refusals (not yours, finished) are told at once; then the message shows the rest.
        await self._controls.cancellable(job_id, interaction.user.id, admin=admin)
        await interaction.response.defer()
        await self._controls.cancel(job_id, interaction.user.id, admin=admin)

    async def _seed(self, interaction: discord.Interaction, job_id: int) -> None:
        locale = str(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            job, seed = await self._controls.seed(job_id)
            text = t("seed.answer", locale, job=job.id, seed=seed)
        except Exception as exc:  # the only message of this interaction says why
            text = user_message(exc, locale)
        await interaction.edit_original_response(content=text)

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
                raise RequestRejectedError(Rejection.REGION_INVALID)
        index = int(route)
        await self._presses.resolve_press(job_id, index, interaction.user.id)
        await self._flow.run(
            interaction, lambda ctx: self._press(ctx, job_id, index, prompt, region)
        )
        return True

    async def _press(
        self, ctx: JobContext, job_id: int, index: int, prompt: str, region: Region | None
    ) -> list[Job]:
        mask = await self._presses.region_mask(job_id, region) if region is not None else None
        return await self._presses.press(ctx.origin, job_id, index, prompt=prompt, mask=mask)
