"""Where a command can be installed and used: by a server or by a user (user installs),
in servers, the bot's DMs and private channels (group DMs, DMs between users).

Every user-facing command and message context menu takes `user_installable`; only
/mjadmin stays server-only. User installs see global commands only (DISCORD_GUILD_ID
unset). Where the bot is not present, its messages go through the interaction token
(bot/ui/origin.py decides, bot/ui/delivery.py obeys).
"""

from __future__ import annotations

from typing import TypeVar

from discord import app_commands

T = TypeVar("T")


def user_installable(command: T) -> T:
    """Installable by servers and users, usable in every context. A decorator, for a
    command's function, an `app_commands.Command` or a `ContextMenu`, below or above
    `@app_commands.command`."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)
