"""The ephemeral question before a prompt that makes several jobs: how many, what they
cost, Start or Cancel. Started jobs each get a followup message of their own.

Questions live in this process's memory (`bot.core.confirmations`): one pressed after
a restart, or after ten minutes, answers that it expired and to run /imagine again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.confirmations import Confirmations, Unavailable
from bot.core.i18n import t
from bot.core.imagine_batch import BatchResult, ImaginePlan, OriginFor, Refused
from bot.core.models import Job, Origin
from bot.core.payload import MAX_CONTENT, clip
from bot.core.preferences import Preferences
from bot.core.validation import RequestRejectedError
from bot.ui.errors import user_message
from bot.ui.flow import followup_origin
from bot.ui.publisher import Publisher
from bot.ui.replies import answer_error

log = logging.getLogger(__name__)

CONFIRM_TEMPLATE = r"mjx:v1:(?P<key>[A-Za-z0-9_-]{8,32}):(?P<choice>[yn])"
START, CANCEL = "y", "n"
MAX_SHOWN_PROMPT = 160

Launch = Callable[[OriginFor, Refused], Awaitable[BatchResult]]


class ConfirmButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CONFIRM_TEMPLATE):
    """Start or Cancel of one question; the custom_id is only its key."""

    def __init__(
        self,
        key: str,
        choice: str,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        custom_id = f"mjx:v1:{key}:{choice}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.key = key
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ConfirmButton:
        return cls(match["key"], match["choice"])  # parsing only: no I/O before the answer


class ExpansionConfirm:
    def __init__(
        self,
        publisher: Publisher,
        preferences: Preferences,
        *,
        price: Callable[[], int | None],
        questions: Confirmations[tuple[ImaginePlan, Launch]] | None = None,
    ) -> None:
        self._publisher = publisher
        self._preferences = preferences
        self._price = price  # of one imagine, None with credits off
        self._questions = questions or Confirmations()

    def button_class(self) -> type[ConfirmButton]:
        """The DynamicItem to register with the bot: its presses come here."""
        on_press = self.on_press

        class ClickableConfirmButton(ConfirmButton, template=CONFIRM_TEMPLATE):
            async def callback(self, interaction: discord.Interaction) -> None:
                try:
                    await on_press(interaction, self.key, self.choice)
                except Exception as exc:  # the user must hear back
                    await answer_error(interaction, exc)

        return ClickableConfirmButton

    async def ask(
        self, interaction: discord.Interaction, plan: ImaginePlan, launch: Launch
    ) -> None:
        locale = str(interaction.locale)
        key, expires_at = self._questions.ask(interaction.user.id, (plan, launch))
        view = discord.ui.View(timeout=None)
        start = t("expand.start", locale, count=plan.count)
        view.add_item(ConfirmButton(key, START, label=start, style=discord.ButtonStyle.success))
        view.add_item(ConfirmButton(key, CANCEL, label=t("expand.cancel", locale)))
        view.stop()  # presses are dispatched by the DynamicItem template, not this view
        text = self._question(plan, int(expires_at), locale)
        await interaction.response.send_message(text, view=view, ephemeral=True)

    def _question(self, plan: ImaginePlan, expires_at: int, locale: str) -> str:
        lines = [t("expand.title", locale, count=plan.count)]
        for n, prompt in enumerate(plan.prompts, start=1):
            shown = discord.utils.escape_markdown(clip(prompt, MAX_SHOWN_PROMPT))
            lines.append(f"{n}. {shown}")
        price = self._price()
        if price is not None:
            lines.append(t("expand.cost", locale, total=price * plan.count, price=price))
        question = t("expand.question", locale, at=expires_at)
        return clip("\n".join(lines), MAX_CONTENT - len(question) - 1) + "\n" + question

    async def on_press(self, interaction: discord.Interaction, key: str, choice: str) -> None:
        locale = str(interaction.locale)
        taken = self._questions.take(key, interaction.user.id)
        if taken is Unavailable.ANSWERED or taken is Unavailable.NOT_YOURS:
            await interaction.response.send_message(t("expand.used", locale), ephemeral=True)
            return
        if taken is Unavailable.EXPIRED:
            await interaction.response.edit_message(content=t("expand.expired", locale), view=None)
            return
        plan, launch = taken
        if choice != START:
            await interaction.response.edit_message(
                content=t("expand.cancelled", locale), view=None
            )
            return
        # The question becomes the progress note at once: its buttons are gone.
        starting = t("expand.starting", locale, count=plan.count)
        await interaction.response.edit_message(content=starting, view=None)
        jobs, summary = await self._start(interaction, plan, launch)
        for job in jobs:  # first: the jobs' own messages matter more than the note
            await self._publisher.show_first(job)
        try:
            await interaction.edit_original_response(content=summary)
        except discord.HTTPException as exc:  # the user dismissed the question
            log.info("the permutation note could not be edited (%s)", exc.status)

    async def _start(
        self, interaction: discord.Interaction, plan: ImaginePlan, launch: Launch
    ) -> tuple[list[Job], str]:
        locale = str(interaction.locale)
        # Not the question's privacy (it was ephemeral): the user's own setting.
        private = (await self._preferences.of(interaction.user.id)).private
        reasons: list[str] = []

        async def origin_for(_: int) -> Origin:
            return await followup_origin(interaction, private=private)

        async def refused(where: Origin, error: Exception) -> None:
            text = user_message(error, locale)
            reasons.append(text)
            message_id = where.message.message_id
            if message_id is None:
                return
            if isinstance(error, RequestRejectedError):  # never started: its message goes
                await interaction.followup.delete_message(message_id)
            else:  # failed at the aggregator (refunded): its message says why
                await interaction.followup.edit_message(message_id, content=text)

        try:
            result = await launch(origin_for, refused)
        except Exception as exc:  # e.g. an attachment that can no longer be read
            return [], t("expand.none", locale, reason=user_message(exc, locale))
        started = len(result.jobs)
        if started == plan.count:
            return result.jobs, t("expand.started", locale, count=started)
        why = result.refusal
        reason = user_message(why, locale) if why is not None else reasons[-1] if reasons else "?"
        if not started:
            return [], t("expand.none", locale, reason=reason)
        left = plan.count - started
        summary = t(
            "expand.partly", locale, started=started, count=plan.count, left=left, reason=reason
        )
        return result.jobs, summary
