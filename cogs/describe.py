"""/describe image [mode] [model]"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.jobs import JobService
from bot.core.models import Job
from bot.ui.attachments import precheck, read_all
from bot.ui.flow import CommandFlow, JobContext
from cogs.choices import MODE_HELP, MODEL_HELP, MODELS, MODES, model_of, speed_of
from cogs.installs import user_installable


class Describe(commands.Cog):
    def __init__(self, service: JobService, flow: CommandFlow) -> None:
        self._service = service
        self._flow = flow

    @app_commands.command(name="describe", description=_("Get four prompts for an image"))
    @app_commands.describe(image=_("The image to describe"), mode=MODE_HELP, model=MODEL_HELP)
    @app_commands.choices(mode=MODES, model=MODELS)
    @user_installable
    async def describe(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment,
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
    ) -> None:
        service = self._service
        precheck([image], max_bytes=service.limits.max_image_bytes)

        async def start(ctx: JobContext) -> Job:
            (data,) = await read_all([image])
            return await service.describe(
                ctx.origin, data, mode=speed_of(mode), bot_type=model_of(model)
            )

        await self._flow.run(interaction, start)
