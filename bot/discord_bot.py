"""MJBot: the discord.py bot that holds the services and wires the Discord layer."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.core.services import CoreServices
from bot.ui.clicks import ClickHandler
from bot.ui.components import JobButton
from bot.ui.delivery import MessageDelivery
from bot.ui.errors import user_message
from bot.ui.flow import CommandFlow, refuse
from bot.ui.publisher import Publisher
from bot.ui.translator import ChineseTranslator

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.imagine", "cogs.blend", "cogs.describe", "cogs.shorten")


class MJBot(commands.Bot):
    def __init__(self, core: CoreServices, *, sync_commands: bool = True) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            max_ratelimit_timeout=60.0,
        )
        self.core = core
        self._sync_commands = sync_commands
        delivery = MessageDelivery(self, core.jobs)
        self.publisher = Publisher(
            delivery,
            core.jobs,
            core.buttons,
            lambda url, limit: core.client.download(url, max_bytes=limit),
            interval=core.settings.edit_interval_seconds,
        )
        self.flow = CommandFlow(self.publisher)
        self.clicks = ClickHandler(core.job_service, self.flow)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(JobButton)
        self.core.tracker.subscribe(self.publisher)
        await self.core.tracker.start()
        shown = await self.publisher.republish_unshown()
        if shown:
            log.info("re-sending %d final states a previous run did not deliver", shown)
        if self._sync_commands:
            await self._sync()

    async def _sync(self) -> None:
        await self.tree.set_translator(ChineseTranslator())
        guild_id = self.core.settings.discord_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %d", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take a while to appear)", len(synced))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            try:
                await self.clicks.on_modal_submit(interaction)
            except Exception as exc:  # always answer, or the user sees "interaction failed"
                await self.answer_failure(interaction, exc)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        await self.answer_failure(interaction, original)

    async def answer_failure(self, interaction: discord.Interaction, error: BaseException) -> None:
        """Tell the user something went wrong, however far the interaction got."""
        text = user_message(error, str(interaction.locale))
        try:
            if interaction.response.is_done():
                # After a "thinking" defer a followup would publicly replace the placeholder
                # anyway; say it there directly.
                await interaction.edit_original_response(content=text, view=None)
            else:
                await refuse(interaction, text)
        except discord.HTTPException:
            log.warning("could not tell the user about an error", exc_info=error)

    async def close(self) -> None:
        await self.core.tracker.stop()
        await self.publisher.flush()
        await self.publisher.close()
        await super().close()
