"""/describe [image] [link] [mode] [model]: exactly one of image and link"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.image_inputs import MAX_LINK_CHARS, check_link
from bot.core.jobs import JobService
from bot.core.models import Job
from bot.core.validation import Rejection, RequestRejectedError
from bot.ui.flow import CommandFlow, JobContext
from bot.ui.named_images import given_images, precheck_given, read_given
from cogs.choices import MODE_HELP, MODEL_HELP, MODELS, MODES, model_of, speed_of
from cogs.installs import user_installable


class Describe(commands.Cog):
    def __init__(self, service: JobService, flow: CommandFlow) -> None:
        self._service = service
        self._flow = flow

    @app_commands.command(name="describe", description=_("Get four prompts for an image"))
    @app_commands.describe(
        image=_("The image to describe"),
        link=_("Or the address (http/https) of an image; the aggregator fetches it"),
        mode=MODE_HELP,
        model=MODEL_HELP,
    )
    @app_commands.choices(mode=MODES, model=MODELS)
    @user_installable
    async def describe(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment | None = None,
        link: app_commands.Range[str, 1, MAX_LINK_CHARS] | None = None,
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
    ) -> None:
        service = self._service
        max_bytes = service.limits.max_image_bytes
        if (image is None) == (link is None):
            raise RequestRejectedError(Rejection.DESCRIBE_NEEDS_ONE)
        private = service.limits.private_links
        url = check_link(link, allow_private=private) if link is not None else None  # never fetched
        given = given_images(image=image)
        precheck_given(given, max_bytes=max_bytes)

        async def start(ctx: JobContext) -> Job:
            data = await read_given(given, max_bytes=max_bytes)
            return await service.describe(
                ctx.origin,
                data[0] if data else None,
                link=url,
                mode=speed_of(mode),
                bot_type=model_of(model),
            )

        await self._flow.run(interaction, start)
