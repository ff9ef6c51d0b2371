"""/shorten prompt"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.storage import Job
from bot.core.validation import RequestRejectedError, check_prompt
from bot.ui.errors import user_message
from bot.ui.flow import JobContext, refuse

if TYPE_CHECKING:
    from bot.discord_bot import MJBot


class Shorten(commands.Cog):
    def __init__(self, bot: MJBot) -> None:
        self.bot = bot

    @app_commands.command(name="shorten", description=_("Find the important words of a prompt"))
    @app_commands.describe(prompt=_("The prompt to analyse"))
    @app_commands.guild_install()
    async def shorten(
        self, interaction: discord.Interaction, prompt: app_commands.Range[str, 1, 6000]
    ) -> None:
        service = self.bot.core.job_service
        try:
            check_prompt(prompt, max_chars=service.limits.max_prompt_chars)
        except RequestRejectedError as exc:
            await refuse(interaction, user_message(exc, str(interaction.locale)))
            return

        async def start(ctx: JobContext) -> Job:
            return await service.shorten(ctx.origin, prompt)

        await self.bot.flow.run(interaction, start)


async def setup(bot: MJBot) -> None:
    await bot.add_cog(Shorten(bot))
