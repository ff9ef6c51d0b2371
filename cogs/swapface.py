"""/swapface source target"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.jobs import JobService
from bot.core.models import Job
from bot.core.validation import Rejection, RequestRejectedError
from bot.ui.attachments import precheck, read_all
from bot.ui.flow import CommandFlow, JobContext
from cogs.installs import user_installable


class SwapFace(commands.Cog):
    def __init__(self, service: JobService, flow: CommandFlow) -> None:
        self._service = service
        self._flow = flow

    @app_commands.command(
        name="swapface", description=_("Put the face of one picture into another")
    )
    @app_commands.describe(source=_("The face to use"), target=_("The picture to put the face in"))
    @user_installable
    async def swapface(
        self,
        interaction: discord.Interaction,
        source: discord.Attachment,
        target: discord.Attachment,
    ) -> None:
        service = self._service
        # Refused before the defer: an ephemeral answer, nothing downloaded or recorded.
        if not service.limits.swapface_enabled:
            raise RequestRejectedError(Rejection.SWAPFACE_DISABLED)
        precheck([source, target], max_bytes=service.limits.max_image_bytes)

        async def start(ctx: JobContext) -> Job:
            face, picture = await read_all([source, target])
            return await service.swap_face(ctx.origin, face, picture)

        await self._flow.run(interaction, start)
