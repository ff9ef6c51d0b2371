"""/describe image"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.storage import Job
from bot.core.validation import RequestRejectedError
from bot.ui.attachments import precheck, read_all
from bot.ui.errors import user_message
from bot.ui.flow import JobContext, refuse

if TYPE_CHECKING:
    from bot.discord_bot import MJBot


class Describe(commands.Cog):
    def __init__(self, bot: MJBot) -> None:
        self.bot = bot

    @app_commands.command(name="describe", description=_("Get four prompts for an image"))
    @app_commands.describe(image=_("The image to describe"))
    @app_commands.guild_install()
    async def describe(self, interaction: discord.Interaction, image: discord.Attachment) -> None:
        service = self.bot.core.job_service
        try:
            precheck([image], max_bytes=service.limits.max_image_bytes)
        except RequestRejectedError as exc:
            await refuse(interaction, user_message(exc, str(interaction.locale)))
            return

        async def start(ctx: JobContext) -> Job:
            (data,) = await read_all([image])
            return await service.describe(ctx.origin, data)

        await self.bot.flow.run(interaction, start)


async def setup(bot: MJBot) -> None:
    await bot.add_cog(Describe(bot))
