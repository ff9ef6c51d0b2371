"""Message context menus (right-click a message → Apps): "Describe this image" and "Use as
image prompt", so nobody has to download a picture and upload it again."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.jobs import JobService
from bot.core.models import Job
from bot.core.permutations import MAX_JOBS_PER_PROMPT, expand
from bot.core.validation import Rejection, RequestRejectedError, check_prompt
from bot.ui.flow import CommandFlow, JobContext
from bot.ui.message_images import Download, image_of
from bot.ui.modals import PROMPT_FIELD, ask_prompt, submitted_values
from bot.ui.pending_images import MODAL_ID, PendingImages, modal_id
from bot.ui.replies import answer_error
from cogs.installs import user_installable


class ContextMenus(commands.Cog):
    def __init__(
        self,
        service: JobService,
        flow: CommandFlow,
        tree: app_commands.CommandTree[Any],
        download: Download,
        pending: PendingImages | None = None,
    ) -> None:
        self._service = service
        self._flow = flow
        self._tree = tree
        self._download = download
        self._pending = pending or PendingImages()
        self._menus = [
            user_installable(
                app_commands.ContextMenu(
                    name=_("Describe this image"), callback=self.describe_image
                )
            ),
            user_installable(
                app_commands.ContextMenu(
                    name=_("Use as image prompt"), callback=self.use_as_image_prompt
                )
            ),
        ]

    async def cog_load(self) -> None:
        # discord.py has no context-menu decorator inside cogs: they join the tree here,
        # before the command sync, which sends every command type.
        for menu in self._menus:
            self._tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self._menus:
            self._tree.remove_command(menu.name, type=menu.type)

    @property
    def _max_bytes(self) -> int:
        return self._service.limits.max_image_bytes

    async def describe_image(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        image = image_of(message, max_bytes=self._max_bytes)  # refused at once, privately

        async def start(ctx: JobContext) -> Job:
            data = await image.read(self._download, max_bytes=self._max_bytes)
            return await self._service.describe(ctx.origin, data)

        await self._flow.run(interaction, start)

    async def use_as_image_prompt(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        image = image_of(message, max_bytes=self._max_bytes)
        self._pending.put((interaction.user.id, message.channel.id, message.id), image)
        # The modal is the first answer; the image is read once the prompt comes back.
        modal = ask_prompt(
            modal_id(message.id),
            title_key="modal.prompt_title",
            prefill="",
            locale=str(interaction.locale),
        )
        await interaction.response.send_modal(modal)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        match = MODAL_ID.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return  # another modal: bot.ui.clicks answers it
        try:
            await self._imagine_with(interaction, int(match["message"]), data)
        except Exception as exc:  # always answer, or the user sees "interaction failed"
            await answer_error(interaction, exc)

    async def _imagine_with(
        self, interaction: discord.Interaction, message_id: int, data: dict[str, Any]
    ) -> None:
        prompt = submitted_values(data).get(PROMPT_FIELD, "")
        check_prompt(prompt, max_chars=self._service.limits.max_prompt_chars)
        if len(expand(prompt, limit=MAX_JOBS_PER_PROMPT)) > 1:  # asked for in /imagine only
            raise RequestRejectedError(Rejection.MENU_ONE_JOB)
        channel_id = interaction.channel_id or 0
        image = self._pending.take((interaction.user.id, channel_id, message_id))
        if image is None:
            raise RequestRejectedError(Rejection.MENU_EXPIRED)

        async def start(ctx: JobContext) -> Job:
            data = await image.read(self._download, max_bytes=self._max_bytes)
            return await self._service.imagine(ctx.origin, prompt, images=[data])

        await self._flow.run(interaction, start)
