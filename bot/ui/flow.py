"""The shape every job-starting interaction shares: answer within 3 s, record, show."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.core.i18n import t
from bot.core.models import Job, MessageKind, Origin
from bot.core.preferences import Preferences
from bot.ui.ack_first import AckFirst
from bot.ui.errors import user_message
from bot.ui.origin import origin_of, respond_thinking
from bot.ui.publisher import Publisher
from bot.ui.replies import answer_error, settle_placeholder

Starter = Callable[["JobContext"], Awaitable[Job | list[Job]]]


class JobContext:
    """What a starter gets: the origin of its first job and a way to make more messages."""

    def __init__(self, interaction: discord.Interaction, origin: Origin) -> None:
        self.interaction = interaction
        self.origin = origin
        self.private = origin.message.ephemeral
        self._placeholder_replaced = False

    async def another_origin(self) -> Origin:
        """A followup message for a second job started by the same interaction."""
        if not self._placeholder_replaced:
            await settle_placeholder(self.interaction)
            self._placeholder_replaced = True
        return await followup_origin(self.interaction, private=self.private)

    async def refused(self, origin: Origin, error: Exception) -> None:
        """A later job of this interaction did not start (a limit, the user's balance, a
        submit without answer): its public placeholder goes, the user alone is told."""
        message_id = origin.message.message_id
        if message_id is not None:
            await self.interaction.followup.delete_message(message_id)
        text = user_message(error, str(self.interaction.locale))
        await self.interaction.followup.send(text, ephemeral=True)


async def followup_origin(interaction: discord.Interaction, *, private: bool) -> Origin:
    """A new followup message ("…") of an answered interaction, for one more job."""
    message = await interaction.followup.send("…", wait=True, ephemeral=private)
    return origin_of(interaction, message.id, MessageKind.FOLLOWUP, private=private)


class CommandFlow:
    def __init__(
        self, publisher: Publisher, preferences: Preferences, acks: AckFirst | None = None
    ) -> None:
        self._publisher = publisher
        self._preferences = preferences
        self.acks = acks or AckFirst()

    async def private(self, interaction: discord.Interaction) -> bool:
        """Whether what this interaction starts is shown to its user alone: their
        `private` setting, or a press on a message only they could see."""
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            return True
        return (await self._preferences.of(interaction.user.id)).private

    async def run(self, interaction: discord.Interaction, start: Starter) -> list[Job]:
        """Defer, start the job(s), and show their first state on the deferred message."""
        with self.acks.acknowledging():
            private = await self.private(interaction)
            message_id = await respond_thinking(interaction, private=private)
        origin = origin_of(interaction, message_id, private=private)
        await self.acks.after_acks()  # a burst: answer every command before starting any
        try:
            started = await start(JobContext(interaction, origin))
        except Exception as exc:  # bad input, aggregator refusals: never "thinking..." forever
            await answer_error(interaction, exc)
            return []
        jobs = started if isinstance(started, list) else [started]
        if not jobs:
            text = t("error.job_not_ready", str(interaction.locale))
            await interaction.edit_original_response(content=text)
        for job in jobs:
            await self._publisher.show_first(job)
        return jobs

    async def continue_job(self, interaction: discord.Interaction, step: Awaitable[Job]) -> None:
        """Run a step of an existing job whose message already exists (interaction deferred)."""
        try:
            job = await step
        except Exception as exc:
            await answer_error(interaction, exc)
            return
        await self._publisher.show_first(job)
