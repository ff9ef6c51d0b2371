"""/imagine prompt [mode] [model] [image]"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.imagine_batch import BatchResult, ImagineBatch, OriginFor, Refused
from bot.core.jobs import JobService
from bot.core.models import Job, Origin
from bot.core.validation import MAX_PROMPT_CHARS, check_prompt
from bot.ui.attachments import precheck, read_all
from bot.ui.expansion import ExpansionConfirm
from bot.ui.flow import CommandFlow, JobContext
from cogs.choices import MODE_HELP, MODEL_HELP, MODELS, MODES, model_of, speed_of


class Imagine(commands.Cog):
    def __init__(
        self,
        service: JobService,
        flow: CommandFlow,
        batch: ImagineBatch,
        confirm: ExpansionConfirm,
    ) -> None:
        self._service = service
        self._flow = flow
        self._batch = batch  # permutations and --repeat: several jobs from one prompt
        self._confirm = confirm

    @app_commands.command(name="imagine", description=_("Create images from a prompt"))
    @app_commands.describe(
        prompt=_("What to imagine"),
        mode=MODE_HELP,
        model=MODEL_HELP,
        image=_("An image to use as an image prompt"),
    )
    @app_commands.choices(mode=MODES, model=MODELS)
    @app_commands.guild_install()
    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, MAX_PROMPT_CHARS],
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
        image: discord.Attachment | None = None,
    ) -> None:
        service = self._service
        attachments = [image] if image else []
        check_prompt(prompt, max_chars=service.limits.max_prompt_chars)
        precheck(attachments, max_bytes=service.limits.max_image_bytes)

        plan = await self._batch.plan(interaction.user.id, prompt)

        async def launch(origin_for: OriginFor, on_refused: Refused | None) -> BatchResult:
            images = await read_all(attachments)
            return await self._batch.start(
                plan,
                origin_for,
                on_refused=on_refused,
                images=images,
                mode=speed_of(mode),
                bot_type=model_of(model),
            )

        if plan.count > 1:  # asked first, privately; each job then gets its own message
            await self._confirm.ask(interaction, plan, launch)
            return

        async def start(ctx: JobContext) -> list[Job]:
            async def here(_: int) -> Origin:
                return ctx.origin

            return (await launch(here, None)).jobs

        await self._flow.run(interaction, start)
