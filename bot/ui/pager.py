"""Previous / next buttons that survive restarts: a DynamicItem per kind of list whose
custom_id carries the list's owner and the page (`<prefix>:<user>:<page>`), so a click
is answered from the database whatever happened in between."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.i18n import t

PageHandler = Callable[[discord.Interaction, int, int], Awaitable[None]]
Button = discord.ui.DynamicItem[discord.ui.Button[Any]]


def page_custom_id(prefix: str, user_id: int, page: int) -> str:
    return f"{prefix}:{user_id}:{page}"


def _template(prefix: str) -> str:
    return re.escape(prefix) + r":(?P<user>[0-9]{1,20}):(?P<page>[0-9]{1,6})"


def _button(
    prefix: str, user_id: int, page: int, label: str, disabled: bool
) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=label,
        style=discord.ButtonStyle.secondary,
        custom_id=page_custom_id(prefix, user_id, page),
        disabled=disabled,
    )


def clickable_pager(prefix: str, on_page: PageHandler) -> type[Button]:
    """The DynamicItem class to register with the bot for one kind of list: its clicks
    go to `on_page(interaction, user_id, page)`."""

    class PageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_template(prefix)):
        def __init__(self, user_id: int, page: int) -> None:
            super().__init__(_button(prefix, user_id, page, str(page + 1), False))
            self.user_id = user_id
            self.page = page

        @classmethod
        async def from_custom_id(
            cls,
            interaction: discord.Interaction,
            item: discord.ui.Item[Any],
            match: re.Match[str],
            /,
        ) -> PageButton:
            return cls(int(match["user"]), int(match["page"]))  # parsing only, no I/O

        async def callback(self, interaction: discord.Interaction) -> None:
            await on_page(interaction, self.user_id, self.page)

    return PageButton


def pager_view(
    prefix: str, user_id: int, page: int, pages: int, locale: str | None
) -> discord.ui.View | None:
    """Previous / next, greyed out at either end; none for a single page. The two custom
    ids always differ: a greyed-out button points at the page shown."""
    if pages <= 1:
        return None
    first, last = page == 0, page == pages - 1
    view = discord.ui.View(timeout=None)
    previous = f"◀ {t('button.previous', locale)}"
    following = f"{t('button.next', locale)} ▶"
    view.add_item(_button(prefix, user_id, page if first else page - 1, previous, first))
    view.add_item(_button(prefix, user_id, page if last else page + 1, following, last))
    # Not kept in discord.py's view store: the DynamicItem template dispatches the clicks.
    view.stop()
    return view
