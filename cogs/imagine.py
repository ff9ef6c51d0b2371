"""/imagine prompt [mode] [model] [image]"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.storage import Job
from bot.core.validation import RequestRejectedError, check_prompt
from bot.ui.attachments import precheck, read_all
from bot.ui.errors import user_message
from bot.ui.flow import JobContext, refuse

if TYPE_CHECKING:
    from bot.discord_bot import MJBot

MODES = [app_commands.Choice(name=m.value, value=m.value) for m in SpeedMode if m.value != "none"]
MODELS = [
    app_commands.Choice(name="Midjourney", value=BotType.MID_JOURNEY.value),
    app_commands.Choice(name="Niji", value=BotType.NIJI_JOURNEY.value),
]


class Imagine(commands.Cog):
    def __init__(self, bot: MJBot) -> None:
        self.bot = bot

    @app_commands.command(name="imagine", description=_("Create images from a prompt"))
    @app_commands.describe(
        prompt=_("What to imagine"),
        mode=_("Speed mode (default: the server's)"),
        model=_("Midjourney or Niji"),
        image=_("An image to use as an image prompt"),
    )
    @app_commands.choices(mode=MODES, model=MODELS)
    @app_commands.guild_install()
    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, 6000],
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
        image: discord.Attachment | None = None,
    ) -> None:
        service = self.bot.core.job_service
        attachments = [image] if image else []
        try:
            check_prompt(prompt, max_chars=service.limits.max_prompt_chars)
            precheck(attachments, max_bytes=service.limits.max_image_bytes)
        except RequestRejectedError as exc:
            await refuse(interaction, user_message(exc, str(interaction.locale)))
            return

        async def start(ctx: JobContext) -> Job:
            images = await read_all(attachments)
            return await service.imagine(
                ctx.origin,
                prompt,
                images=images,
                mode=SpeedMode(mode.value) if mode else None,
                bot_type=BotType(model.value) if model else None,
            )

        await self.bot.flow.run(interaction, start)


async def setup(bot: MJBot) -> None:
    await bot.add_cog(Imagine(bot))
