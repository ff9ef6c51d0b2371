"""MJBot: the discord.py client. It adds the cogs and the button handler it is given,
syncs commands when they changed, routes modal answers, and marks every user as seen
(new-user credits) before their interaction runs; it builds nothing itself (that is
`bot.app`) and starts no background work."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord.ext import commands
from discord.utils import MISSING

from bot.core.accounts import Accounts
from bot.core.validation import Rejection, RequestRejectedError
from bot.ui.clicks import ClickHandler
from bot.ui.command_sync import CommandSync
from bot.ui.components import clickable_job_button
from bot.ui.replies import answer_error

log = logging.getLogger(__name__)

OWN_CUSTOM_ID_PREFIX = "mj:"
_SEEN_HERE = (discord.InteractionType.component, discord.InteractionType.modal_submit)


DISCORD_CONNECTIONS = 100  # HTTP connections to Discord at once (shards' gateways included)


class MJBot(commands.AutoShardedBot):
    """Sharded as `bot.shards` plans it: `shard_count` None lets Discord say how many
    (all run here); `shard_ids` None runs every shard of `shard_count` here."""

    def __init__(
        self,
        command_sync: CommandSync,
        accounts: Accounts,
        *,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
    ) -> None:
        # The bot never joins voice: discord.py's warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            max_ratelimit_timeout=60.0,
            # The default for every send that names none: text from users and the
            # aggregator (@everyone, <@id>, <@&id>) never pings anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=shard_count,
            shard_ids=list(shard_ids) if shard_ids is not None else None,  # type: ignore[arg-type]
        )
        self.command_sync = command_sync
        self._accounts = accounts
        self._cogs: Sequence[commands.Cog] = ()
        self._clicks: ClickHandler | None = None
        self._templates: list[re.Pattern[str]] = []  # of every DynamicItem registered
        self._set_up = False
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.tree.interaction_check = self._before_command  # type: ignore[method-assign]

    def mount(self, cogs: Sequence[commands.Cog], clicks: ClickHandler) -> None:
        """What the bot serves. A second step after construction because the publisher
        behind the cogs edits messages through this client."""
        self._cogs = cogs
        self._clicks = clicks

    @property
    def clicks(self) -> ClickHandler:
        if self._clicks is None:
            raise RuntimeError("MJBot.mount() was not called")
        return self._clicks

    async def login(self, token: str) -> None:
        # discord.py's own connector has no limit: a burst of 1,000 commands would open
        # 1,000 connections (TLS handshakes with Discord) at once for the acknowledgements.
        # A bounded pool reuses connections, and requests queue for a free one.
        if self.http.connector is MISSING:
            self.http.connector = aiohttp.TCPConnector(limit=DISCORD_CONNECTIONS)
        await super().login(token)

    async def setup_hook(self) -> None:
        # Runs again when a login is retried after failing in here (command sync).
        if not self._set_up:
            for cog in self._cogs:
                await self.add_cog(cog)
            self.add_dynamic_items(clickable_job_button(self._on_button))
            self._set_up = True
        assert self.application_id is not None  # known after login
        await self.command_sync.run(self.tree, self.application_id)

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        super().add_dynamic_items(*items)
        self._templates += [item.__discord_ui_compiled_template__ for item in items]

    def _is_stray(self, interaction: discord.Interaction) -> bool:
        """A press on one of the bot's own custom_ids ("mj:...") that no DynamicItem
        takes: a button of an older version, or a forged one. discord.py would ignore it
        and the user would see "This interaction failed"."""
        if interaction.type is not discord.InteractionType.component:
            return False
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(OWN_CUSTOM_ID_PREFIX):
            return False
        return not any(template.fullmatch(custom_id) for template in self._templates)

    async def _on_button(self, interaction: discord.Interaction, job_id: int, route: str) -> None:
        try:
            await self.clicks.on_button(interaction, job_id, route)
        except Exception as exc:  # discord.py would only log it: the user must hear back
            await answer_error(interaction, exc)

    async def _first_seen(self, interaction: discord.Interaction) -> None:
        """A user's first interaction of any kind opens their wallet (new-user credits).
        Never in the way: if it fails, the job's own transaction opens the wallet."""
        try:
            await self._accounts.first_seen(interaction.user.id)
        except Exception:
            log.warning("could not mark user %d as seen", interaction.user.id, exc_info=True)

    async def _before_command(self, interaction: discord.Interaction) -> bool:
        """The tree's check before every command and autocomplete: /balance at a first
        interaction already shows the new-user credits."""
        await self._first_seen(interaction)
        return True

    async def on_ready(self) -> None:
        assert self.user is not None
        shards = ", ".join(str(shard) for shard in sorted(self.shards)) or "none"
        log.info(
            "logged in as %s (%d) in %d servers; shards %s of %s",
            self.user,
            self.user.id,
            len(self.guilds),
            shards,
            self.shard_count,
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Commands are seen by the tree's check. A button's callback runs beside this
        # listener: opening a wallet is idempotent, and a job opens its payer's wallet too.
        if interaction.type in _SEEN_HERE:
            await self._first_seen(interaction)
        if self._is_stray(interaction):
            await answer_error(interaction, RequestRejectedError(Rejection.BUTTON_UNKNOWN))
        if interaction.type is discord.InteractionType.modal_submit:
            try:
                await self.clicks.on_modal_submit(interaction)
            except Exception as exc:  # always answer, or the user sees "interaction failed"
                await answer_error(interaction, exc)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        await answer_error(interaction, getattr(error, "original", error))
