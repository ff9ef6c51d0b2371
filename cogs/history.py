"""/history (a user's jobs, privately, ten per page) and /show job (a job's result posted
again with working buttons: publicly, unless the user's `private` setting is on)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.accounts import Accounts
from bot.core.history import JobHistory
from bot.core.i18n import t
from bot.core.models import Job, MessageKind
from bot.core.preferences import Preferences
from bot.ui.admin_views import NO_MENTIONS
from bot.ui.delivery import message_fields
from bot.ui.history_view import HISTORY_PREFIX, history_text, job_link, status_text
from bot.ui.pager import clickable_pager, pager_view
from bot.ui.publisher import Publisher
from bot.ui.replies import answer_error
from cogs.installs import user_installable

MAX_REFERENCE_CHARS = 40


class History(commands.Cog):
    def __init__(
        self,
        history: JobHistory,
        preferences: Preferences,
        publisher: Publisher,
        accounts: Accounts,
        bot: discord.Client,
    ) -> None:
        self._history = history
        self._preferences = preferences
        self._publisher = publisher
        self._accounts = accounts
        self._bot = bot
        self._pager = clickable_pager(HISTORY_PREFIX, self._on_page)

    async def cog_load(self) -> None:
        self._bot.add_dynamic_items(self._pager)

    @app_commands.command(name="history", description=_("Your jobs, running and finished"))
    @user_installable
    async def history(self, interaction: discord.Interaction) -> None:
        user_id, locale = interaction.user.id, str(interaction.locale)
        page = await self._history.page(user_id, 0)
        text = history_text(page, locale)
        view = pager_view(HISTORY_PREFIX, user_id, page.page, page.pages, locale)
        if view is None:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        await interaction.response.send_message(
            text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def _on_page(self, interaction: discord.Interaction, _owner: int, number: int) -> None:
        """Previous / next: the same private message shows the other page (always the
        clicker's own jobs)."""
        try:
            user_id, locale = interaction.user.id, str(interaction.locale)
            page = await self._history.page(user_id, number)
            await interaction.response.edit_message(
                content=history_text(page, locale),
                view=pager_view(HISTORY_PREFIX, user_id, page.page, page.pages, locale),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:  # discord.py would only log it: the user must hear back
            await answer_error(interaction, exc)

    @app_commands.command(name="show", description=_("Post a job's result again, with its buttons"))
    @app_commands.describe(job=_("The job number in the result's footer, or the task id"))
    @user_installable
    async def show(
        self,
        interaction: discord.Interaction,
        job: app_commands.Range[str, 1, MAX_REFERENCE_CHARS],
    ) -> None:
        user_id, locale = interaction.user.id, str(interaction.locale)
        admin = self._accounts.is_admin(user_id, manages_server=False)
        manages = interaction.guild_id if interaction.permissions.manage_guild else None
        found = await self._history.find(job, user_id, admin=admin, manages_guild=manages)
        if not found.status.is_settled:
            text = t(
                "show.running",
                locale,
                job=found.id,
                status=status_text(found, locale),
                link=job_link(found, locale),
            )
            await interaction.response.send_message(text, ephemeral=True)
            return
        private = await self._private(found, user_id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        payload = await self._publisher.payload_of(found, locale)
        limit = interaction.filesize_limit
        image = await self._publisher.result_image(found, payload, upload_limit=limit)
        try:
            await interaction.edit_original_response(**message_fields(payload, image))
        except discord.HTTPException as exc:
            if image is None or exc.status != 413:
                raise
            # Too large here after all: Discord shows the aggregator's link instead.
            await interaction.edit_original_response(**message_fields(payload, None))

    async def _private(self, job: Job, user_id: int) -> bool:
        """/show answers privately with the asker's `private` setting on; and an admin
        may look at someone's private result, but not post it for everyone."""
        if (await self._preferences.of(user_id)).private:
            return True
        if job.user_id == user_id:
            return False
        message = job.message
        return (
            message.ephemeral
            or message.kind is MessageKind.DM
            or (await self._preferences.of(job.user_id)).private
        )
