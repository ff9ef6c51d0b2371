"""User installs as Discord treats them: which interactions come from one, what the app
may do where its bot is not present, and which commands such a user is offered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from .world import World

# What an app may do where its bot is not present (a user install in a server without
# the bot, a private channel): answer with files, embeds and mentions; no View Channel.
IMPLICIT_APP_PERMISSIONS = discord.Permissions(
    attach_files=True, embed_links=True, mention_everyone=True, use_external_emojis=True
)


@dataclass(frozen=True)
class Place:
    context: int  # 0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL
    guild_id: int | None
    bot_present: bool  # the bot is a member there (or it is the bot's own DM)


def authorize(
    payload: dict[str, Any],
    user_id: str,
    where: Place,
    *,
    user_install: bool,
    owners: dict[str, str] | None,
) -> None:
    """The fields saying which installation authorized an interaction, and what the app
    may do there; `owners` given: those of the message or modal it answers."""
    if not where.bot_present:
        if not user_install:
            raise AssertionError("the bot is not there: only a user install reaches it")
        payload["app_permissions"] = str(IMPLICIT_APP_PERMISSIONS.value)
    installed = {"1": user_id} if user_install else {"0": str(where.guild_id or 0)}
    payload["context"] = where.context
    payload["authorizing_integration_owners"] = owners or installed


def user_install_owners(data: dict[str, Any]) -> dict[str, str] | None:
    """The `authorizing_integration_owners` of a user install alone (no guild install),
    from an interaction payload or a message's `interaction_metadata`; None otherwise."""
    owners = data.get("authorizing_integration_owners") or {}
    return dict(owners) if "1" in owners and "0" not in owners else None


def offered_to_user_installs(fake: World, name: str, context: int, kind: int = 1) -> dict[str, Any]:
    """The command (`kind` 1: slash, 3: message menu) as Discord offers it to a user
    install: global, integration type 1, this context; a user install never sees (so
    cannot send) anything else."""
    command = next(
        (c for c in fake.synced_commands(None) if c["name"] == name and c.get("type", 1) == kind),
        None,
    )
    if command is None:
        raise AssertionError(f"/{name} is not a global command: user installs never see it")
    if 1 not in (command.get("integration_types") or [0]):
        raise AssertionError(f"/{name} does not allow user installs (integration_types)")
    contexts = command.get("contexts")
    if contexts is not None and context not in contexts:
        raise AssertionError(f"/{name} is not offered in context {context}")
    return command
