"""/blend image1 image2 [image3 image4 image5] [dimensions] [mode] [model]"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.jobs import JobService
from bot.core.mj.schemas import BlendDimensions
from bot.core.models import Job
from bot.core.validation import (
    BLEND_MAX_IMAGES,
    BLEND_MIN_IMAGES,
    check_image_count,
)
from bot.ui.attachments import precheck, read_all
from bot.ui.flow import CommandFlow, JobContext
from cogs.choices import MODE_HELP, MODEL_HELP, MODELS, MODES, model_of, speed_of
from cogs.installs import user_installable

DIMENSIONS = [
    app_commands.Choice(name=_("Portrait 2:3"), value=BlendDimensions.PORTRAIT.value),
    app_commands.Choice(name=_("Square 1:1"), value=BlendDimensions.SQUARE.value),
    app_commands.Choice(name=_("Landscape 3:2"), value=BlendDimensions.LANDSCAPE.value),
]


class Blend(commands.Cog):
    def __init__(self, service: JobService, flow: CommandFlow) -> None:
        self._service = service
        self._flow = flow

    @app_commands.command(name="blend", description=_("Blend 2 to 5 images into a new one"))
    @app_commands.describe(
        image1=_("First image"),
        image2=_("Second image"),
        image3=_("Third image (optional)"),
        image4=_("Fourth image (optional)"),
        image5=_("Fifth image (optional)"),
        dimensions=_("Shape of the result"),
        mode=MODE_HELP,
        model=MODEL_HELP,
    )
    @app_commands.choices(dimensions=DIMENSIONS, mode=MODES, model=MODELS)
    @user_installable
    async def blend(
        self,
        interaction: discord.Interaction,
        image1: discord.Attachment,
        image2: discord.Attachment,
        image3: discord.Attachment | None = None,
        image4: discord.Attachment | None = None,
        image5: discord.Attachment | None = None,
        dimensions: app_commands.Choice[str] | None = None,
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
    ) -> None:
        service = self._service
        attachments = [a for a in (image1, image2, image3, image4, image5) if a is not None]
        check_image_count(len(attachments), minimum=BLEND_MIN_IMAGES, maximum=BLEND_MAX_IMAGES)
        precheck(attachments, max_bytes=service.limits.max_image_bytes)
        shape = BlendDimensions(dimensions.value) if dimensions else BlendDimensions.SQUARE

        async def start(ctx: JobContext) -> Job:
            images = await read_all(attachments)
            return await service.blend(
                ctx.origin, images, dimensions=shape, mode=speed_of(mode), bot_type=model_of(model)
            )

        await self._flow.run(interaction, start)
