"""/imagine prompt [mode] [model] [image] [image2 ... image5] [sref] [cref]"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.imagine_batch import BatchResult, ImagineBatch, OriginFor, Refused
from bot.core.jobs import JobService
from bot.core.models import Job, Origin
from bot.core.validation import MAX_PROMPT_CHARS, check_prompt
from bot.ui.expansion import ExpansionConfirm
from bot.ui.flow import CommandFlow, JobContext
from bot.ui.named_images import given_images, precheck_given, read_given
from cogs.choices import MODE_HELP, MODEL_HELP, MODELS, MODES, model_of, speed_of
from cogs.installs import user_installable

USER_INSTALL_FOLLOWUPS = 5


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
        image2=_("A second image prompt (optional)"),
        image3=_("A third image prompt (optional)"),
        image4=_("A fourth image prompt (optional)"),
        image5=_("A fifth image prompt (optional)"),
        sref=_("A style reference image (--sref)"),
        cref=_("A character reference image (--cref)"),
    )
    @app_commands.choices(mode=MODES, model=MODELS)
    @user_installable
    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, MAX_PROMPT_CHARS],
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
        image: discord.Attachment | None = None,
        image2: discord.Attachment | None = None,
        image3: discord.Attachment | None = None,
        image4: discord.Attachment | None = None,
        image5: discord.Attachment | None = None,
        sref: discord.Attachment | None = None,
        cref: discord.Attachment | None = None,
    ) -> None:
        service = self._service
        max_bytes = service.limits.max_image_bytes
        prompts = given_images(
            image=image, image2=image2, image3=image3, image4=image4, image5=image5
        )
        references = given_images(sref=sref, cref=cref)
        check_prompt(prompt, max_chars=service.limits.max_prompt_chars)
        precheck_given([*prompts, *references], max_bytes=max_bytes)

        # Discord lets an app that is only user-installed send 5 follow-ups per interaction.
        most = None if interaction.is_guild_integration() else USER_INSTALL_FOLLOWUPS
        plan = await self._batch.plan(interaction.user.id, prompt, most=most)

        async def launch(origin_for: OriginFor, on_refused: Refused | None) -> BatchResult:
            data = await read_given([*prompts, *references], max_bytes=max_bytes)
            count = len(prompts)
            refs = dict(zip((r.name for r in references), data[count:], strict=True))
            return await self._batch.start(
                plan,
                origin_for,
                on_refused=on_refused,
                images=data[:count],
                sref=refs.get("sref"),
                cref=refs.get("cref"),
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
