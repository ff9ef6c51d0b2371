"""/shorten prompt [mode] [model]"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.jobs import JobService
from bot.core.models import Job
from bot.core.validation import MAX_PROMPT_CHARS, check_prompt
from bot.ui.flow import CommandFlow, JobContext
from cogs.choices import MODE_HELP, MODEL_HELP, MODELS, MODES, model_of, speed_of
from cogs.installs import user_installable


class Shorten(commands.Cog):
    def __init__(self, service: JobService, flow: CommandFlow) -> None:
        self._service = service
        self._flow = flow

    @app_commands.command(name="shorten", description=_("Find the important words of a prompt"))
    @app_commands.describe(prompt=_("The prompt to analyse"), mode=MODE_HELP, model=MODEL_HELP)
    @app_commands.choices(mode=MODES, model=MODELS)
    @user_installable
    async def shorten(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, MAX_PROMPT_CHARS],
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
    ) -> None:
        service = self._service
        check_prompt(prompt, max_chars=service.limits.max_prompt_chars)

        async def start(ctx: JobContext) -> Job:
            return await service.shorten(
                ctx.origin, prompt, mode=speed_of(mode), bot_type=model_of(model)
            )

        await self._flow.run(interaction, start)
