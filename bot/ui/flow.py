"""The shape every job-starting interaction shares: answer within 3 s, record, show."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bot.core.i18n import t
from bot.core.mj.errors import MJError
from bot.core.storage import Job, MessageKind, Origin
from bot.core.validation import RequestRejectedError
from bot.ui.errors import user_message
from bot.ui.origin import origin_of, respond_thinking
from bot.ui.publisher import Publisher

log = logging.getLogger(__name__)

Starter = Callable[["JobContext"], Awaitable[Job | list[Job]]]


class JobContext:
    """What a starter gets: the origin of its first job and a way to make more messages."""

    def __init__(self, interaction: discord.Interaction, origin: Origin) -> None:
        self.interaction = interaction
        self.origin = origin
        self._placeholder_replaced = False

    async def another_origin(self) -> Origin:
        """A followup message for a second job started by the same interaction."""
        if not self._placeholder_replaced:
            await settle_placeholder(self.interaction)
            self._placeholder_replaced = True
        message = await self.interaction.followup.send("…", wait=True)
        return self.origin.model_copy(
            update={"message_id": message.id, "message_kind": MessageKind.FOLLOWUP}
        )


async def settle_placeholder(interaction: discord.Interaction) -> None:
    """End the "thinking..." state. Discord turns the first followup after a thinking
    defer into an edit of that placeholder; once settled, a followup is a new message."""
    await interaction.edit_original_response(content="…")


async def refuse(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral answer to the user alone, whether or not we answered already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


class CommandFlow:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def run(self, interaction: discord.Interaction, start: Starter) -> list[Job]:
        """Defer, start the job(s), and show their first state on the deferred message."""
        locale = str(interaction.locale)
        message_id = await respond_thinking(interaction)
        origin = origin_of(interaction, message_id)
        try:
            started = await start(JobContext(interaction, origin))
        except RequestRejectedError as exc:
            await self._refuse_after_defer(interaction, user_message(exc, locale))
            return []
        except Exception as exc:  # aggregator refusals, and never "thinking..." forever
            await interaction.edit_original_response(content=user_message(exc, locale))
            return []
        jobs = started if isinstance(started, list) else [started]
        if not jobs:
            await interaction.edit_original_response(content=t("error.job_not_ready", locale))
        for job in jobs:
            await self._publisher.show_first(job)
        return jobs

    @staticmethod
    async def _refuse_after_defer(interaction: discord.Interaction, text: str) -> None:
        """Bad input found after the defer (e.g. an image's bytes): nothing was submitted.
        Say it privately and remove the public placeholder. The placeholder is settled
        first, since Discord would turn a first followup into an edit of it (public)."""
        await settle_placeholder(interaction)
        await interaction.followup.send(text, ephemeral=True)
        await interaction.delete_original_response()

    async def continue_job(self, interaction: discord.Interaction, step: Awaitable[Job]) -> None:
        """Run a step of an existing job whose message already exists (interaction deferred)."""
        locale = str(interaction.locale)
        try:
            job = await step
        except (RequestRejectedError, MJError) as exc:
            await interaction.followup.send(user_message(exc, locale), ephemeral=True)
            return
        await self._publisher.show_first(job)
