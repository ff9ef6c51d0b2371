"""What the fake's gateway sends: opcodes, close codes, READY and GUILD_CREATE bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .payloads import APP_PERMISSIONS, MEMBER_PERMISSIONS, member_json
from .snowflakes import now

if TYPE_CHECKING:
    from .world import World

# Gateway opcodes (Discord "Gateway Opcodes").
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Gateway close codes the fake uses (Discord "Gateway Close Event Codes").
UNKNOWN_ERROR = 4000  # resumable: the client reconnects and RESUMEs
UNKNOWN_OPCODE = 4001
DECODE_ERROR = 4002
NOT_AUTHENTICATED = 4003
AUTHENTICATION_FAILED = 4004
ALREADY_AUTHENTICATED = 4005
INVALID_SEQ = 4007
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
INVALID_API_VERSION = 4012
INVALID_INTENTS = 4013
DISALLOWED_INTENTS = 4014


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """Which shard gets a guild's events, as Discord computes it (DMs go to shard 0)."""
    return 0 if guild_id is None else (int(guild_id) >> 22) % shard_count


def guilds_of_shard(world: World, shard_id: int, shard_count: int) -> list[int]:
    return [gid for gid in world.guilds if shard_of(gid, shard_count) == shard_id]


def ready_json(
    world: World, *, session_id: str, resume_url: str, shard: tuple[int, int]
) -> dict[str, Any]:
    return {
        "v": 10,
        "user": world.bot_user,
        "guilds": [{"id": str(gid), "unavailable": True} for gid in guilds_of_shard(world, *shard)],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "shard": list(shard),
        "application": {"id": str(world.application_id), "flags": 0},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["rotterdam"],
        "user_settings": {},
    }


def guild_create_json(world: World, guild_id: int) -> dict[str, Any]:
    """The full guild as Discord sends it once a shard is READY: its channels, an
    @everyone role, a managed role for the bot, and the bot as its only cached member."""
    guild = world.guilds[guild_id]
    bot_role = guild_id + 1  # a snowflake nothing else uses (ids advance by 1 << 22 per ms)
    channels = []
    for channel in world.channels.values():
        if channel.guild_id == guild_id:
            data = channel.to_json()
            data.pop("guild_id", None)  # GUILD_CREATE channels leave it out
            channels.append(data)
    bot_member = member_json(world.bot_user, APP_PERMISSIONS, [bot_role])
    bot_member.pop("permissions")  # only interactions carry a member's permissions
    return {
        "id": str(guild_id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": world.owner["id"],
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.locale,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "application_id": None,
        "features": [],
        "roles": [
            _role(guild_id, "@everyone", MEMBER_PERMISSIONS.value, 0, managed=False),
            _role(bot_role, world.bot_user["username"], APP_PERMISSIONS.value, 1, managed=True),
        ],
        "emojis": [],
        "stickers": [],
        "joined_at": now().isoformat(),
        "large": False,
        "unavailable": False,
        "member_count": 2,
        "members": [bot_member],
        "channels": channels,
        "threads": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def _role(role_id: int, name: str, permissions: int, position: int, *, managed: bool) -> Any:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": managed,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
