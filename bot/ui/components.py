"""Job buttons as DynamicItems: the custom_id is only a route, state lives in SQLite."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.core.payload import ButtonSpec

CUSTOM_ID_PREFIX = "mj:v1"
# Job ids are 64-bit signed in the databases: 18 digits always fit, 19 may not.
CUSTOM_ID_TEMPLATE = r"mj:v1:(?P<job>[0-9]{1,18}):(?P<route>[0-9]{1,2}|[mcs])"
_CUSTOM_EMOJI_NAME = re.compile(r"^[A-Za-z0-9_]{2,32}$")


def custom_id(job_id: int, route: str) -> str:
    return f"{CUSTOM_ID_PREFIX}:{job_id}:{route}"


def emoji_of(text: str) -> str | None:
    """Unicode emoji as they are; a bare custom-emoji name (e.g. "upscale_1") is dropped,
    since the bot cannot use another application's emoji."""
    if not text or _CUSTOM_EMOJI_NAME.match(text):
        return None
    return text


ClickHandler = Callable[[discord.Interaction, int, str], Awaitable[None]]


class JobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID_TEMPLATE):
    """One button of a job's message, as it is sent. Clicks arrive at the subclass that
    `clickable_job_button` makes, which knows who handles them."""

    def __init__(
        self,
        job_id: int,
        route: str,
        *,
        label: str | None = None,
        emoji: str | discord.PartialEmoji | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or None,
                emoji=emoji or None,
                style=style,
                custom_id=custom_id(job_id, route),
                row=row,
            )
        )
        self.job_id = job_id
        self.route = route

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> JobButton:
        # Parsing only: no I/O here, it runs before the 3-second answer.
        return cls(int(match["job"]), match["route"])


def clickable_job_button(on_click: ClickHandler) -> type[JobButton]:
    """The JobButton class to register with the bot: its clicks go to `on_click`."""

    class ClickableJobButton(JobButton, template=CUSTOM_ID_TEMPLATE):
        async def callback(self, interaction: discord.Interaction) -> None:
            await on_click(interaction, self.job_id, self.route)

    return ClickableJobButton


def build_view(specs: Sequence[ButtonSpec]) -> discord.ui.View | None:
    if not specs:
        return None
    view = discord.ui.View(timeout=None)
    for spec in specs:
        emoji = emoji_of(spec.emoji)
        # Discord needs a label or an emoji: show a custom emoji's name rather than nothing.
        label = spec.label or (None if emoji else spec.emoji or "?")
        view.add_item(
            JobButton(
                spec.job_id,
                spec.route,
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle(spec.style),
                row=spec.row,
            )
        )
    # A stopped view is still rendered but is not kept in discord.py's view store: the
    # DynamicItem template dispatches clicks, so storing one view per message would only leak.
    view.stop()
    return view
