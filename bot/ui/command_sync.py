"""Sync the slash commands with Discord only when they changed.

discord.py's guidance is not to sync on every start (the endpoint is rate limited and
global changes take time to spread). The payload Discord would receive is hashed and
kept in the database; a start whose payload hashes the same skips the sync.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.config import SyncPolicy
from bot.core.ports import MetaStore
from bot.ui.translator import ChineseTranslator

log = logging.getLogger(__name__)


def guild_sync_warning(guild_id: int | None) -> str | None:
    """What to tell the operator when commands go to one server only: user installs
    (the app on a user's account, used anywhere) see global commands only."""
    if guild_id is None:
        return None
    return (
        f"DISCORD_GUILD_ID is set: commands are synced to server {guild_id} only, and "
        "user installs (the app added to a user's account) see global commands only; "
        "unset DISCORD_GUILD_ID to offer the commands to user installs"
    )


class CommandSyncRefusedError(RuntimeError):
    """Discord refused the commands for that server: the bot is not in it, or was invited
    without the applications.commands scope. A configuration problem, said in one line."""


class CommandSync:
    def __init__(self, meta: MetaStore, *, guild_id: int | None, policy: SyncPolicy) -> None:
        self._meta = meta
        self._guild_id = guild_id
        self._policy = policy
        self.synced = 0  # syncs this process made (tests and logs)

    async def run(self, tree: app_commands.CommandTree[Any], application_id: int) -> bool:
        """Sync if needed; True when Discord was sent the commands."""
        translator = ChineseTranslator()
        await tree.set_translator(translator)
        guild = discord.Object(id=self._guild_id) if self._guild_id is not None else None
        if guild is not None:
            tree.copy_global_to(guild=guild)
            log.warning("%s", guild_sync_warning(self._guild_id))
        if self._policy is SyncPolicy.NEVER:
            return False
        key = f"command_tree_sha256:{application_id}:{self._guild_id or 'global'}"
        digest = await _digest(tree, translator, guild)
        if self._policy is SyncPolicy.CHANGED and await self._meta.get(key) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return False
        try:
            synced = await tree.sync(guild=guild)
        except discord.Forbidden as exc:
            raise CommandSyncRefusedError(
                f"Discord refused the slash commands for server {self._guild_id}: invite the "
                "bot there with the bot and applications.commands scopes, or fix "
                "DISCORD_GUILD_ID"
                if guild
                else "Discord refused the global slash commands (applications.commands scope)"
            ) from exc
        await self._meta.put(key, digest)
        self.synced += 1
        where = f"to guild {self._guild_id}" if guild else "globally (may take a while to appear)"
        log.info("synced %d commands %s", len(synced), where)
        return True


async def _digest(
    tree: app_commands.CommandTree[Any],
    translator: app_commands.Translator,
    guild: discord.abc.Snowflake | None,
) -> str:
    """The SHA-256 of exactly what `tree.sync(guild=guild)` would send."""
    payload = [
        await command.get_translated_payload(tree, translator)
        for command in tree.get_commands(guild=guild)
    ]
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()
