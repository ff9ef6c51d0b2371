"""JSON shapes shared by the server and the interaction builders."""

from __future__ import annotations

from typing import Any

import discord

from .snowflakes import now

# What a typical member may do, and what a typical bot role grants in a text channel.
MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
)
APP_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
)


def user_json(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(user_id),
        "username": name,
        "global_name": None if bot else name.title(),
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,  # required (nullable) in the spec's UserResponse
    }
    if bot:
        data["bot"] = True
    return data


def member_json(
    user: dict[str, Any], permissions: discord.Permissions, roles: list[int] | None = None
) -> dict[str, Any]:
    return {
        "user": user,
        "roles": [str(role) for role in roles or []],
        "nick": None,
        "avatar": None,
        "joined_at": now().isoformat(),
        "premium_since": None,
        "communication_disabled_until": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "permissions": str(permissions.value),
    }


def application_json(
    app_id: int, bot_user: dict[str, Any], owner: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": bot_user["username"],
        "icon": None,
        "description": "Test application served by the fake Discord API",
        "summary": "",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": owner,
        "team": None,
        "bot": bot_user,
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "integration_types_config": {"0": {}, "1": {}},
        "approximate_guild_count": 1,
    }
