"""Turning `{"prompt": "cat", "image": attachment}` into Discord's CHAT_INPUT `data` object."""

from __future__ import annotations

from typing import Any

import discord

from .payloads import MEMBER_PERMISSIONS, member_json, user_json
from .snowflakes import snowflake
from .world import World

_T = discord.AppCommandOptionType
SUBCOMMAND, GROUP = _T.subcommand.value, _T.subcommand_group.value
MESSAGE_COMMAND = discord.AppCommandType.message.value  # 3


def command_json(
    world: World, bot: discord.Client | None, name: str, guild_id: int | None, kind: int = 1
) -> dict[str, Any] | None:
    """The command as Discord knows it: what was synced to the fake, else the bot's tree.
    `kind`: 1 slash command, 2 user command, 3 message command."""
    scopes = [guild_id, None] if guild_id is not None else [None]
    for scope in scopes:
        for cmd in world.synced_commands(scope):
            if cmd["name"] == name and cmd.get("type", 1) == kind:
                return cmd
    tree = getattr(bot, "tree", None)
    if tree is None:
        return None
    for scope_obj in (discord.Object(guild_id) if guild_id else None, None):
        cmd = tree.get_command(name, guild=scope_obj, type=discord.AppCommandType(kind))
        if cmd is not None:
            data = cmd.to_dict(tree)
            data["id"] = str(snowflake())
            if scope_obj is not None:
                data["guild_id"] = str(scope_obj.id)
            return data
    return None


def leaf_options(command: dict[str, Any] | None, path: list[str]) -> list[dict[str, Any]]:
    """Option definitions of the (sub)command at `path` below the top-level command."""
    options = (command or {}).get("options") or []
    for part in path:
        match = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
        if match is None:
            raise AssertionError(f"command has no subcommand {part!r}")
        options = match.get("options") or []
    return options


class OptionEncoder:
    """Encodes option values and collects the `resolved` data Discord sends alongside."""

    def __init__(self, world: World, guild_id: int | None) -> None:
        self.world, self.guild_id = world, guild_id
        self.resolved: dict[str, dict[str, Any]] = {}

    def encode(
        self,
        values: dict[str, Any],
        definitions: list[dict[str, Any]],
        explicit_types: dict[str, int | discord.AppCommandOptionType],
        *,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        types = {d["name"]: int(d["type"]) for d in definitions}
        types |= {k: _T(v).value for k, v in explicit_types.items()}
        encoded = []
        for name, value in values.items():
            if name not in types:
                known = ", ".join(types) or "none"
                raise AssertionError(f"unknown option {name!r} (known: {known}); pass option_types")
            option: dict[str, Any] = {"name": name, "type": types[name]}
            option["value"] = value if name == focused else self._value(types[name], value)
            if name == focused:
                option["focused"] = True
            encoded.append(option)
        return encoded

    def _value(self, kind: int, value: Any) -> Any:
        simple = {_T.string: str, _T.integer: int, _T.number: float, _T.boolean: bool}
        option_type = _T(kind)
        if option_type in simple:
            return simple[option_type](value)
        if option_type is _T.attachment:
            if not isinstance(value, dict):
                raise AssertionError("attachment options take the dict from host_attachment()")
            self.resolved.setdefault("attachments", {})[value["id"]] = value
            return value["id"]
        if option_type is _T.user:
            user = value if isinstance(value, dict) else user_json(int(value), f"user{value}")
            self.resolved.setdefault("users", {})[user["id"]] = user
            if self.guild_id is not None:
                member = member_json(user, MEMBER_PERMISSIONS)
                del member["user"]  # resolved members omit the nested user
                self.resolved.setdefault("members", {})[user["id"]] = member
            return user["id"]
        if option_type is _T.channel:
            channel = self.world.channels[int(value)]
            data = {**channel.to_json(), "permissions": str(MEMBER_PERMISSIONS.value)}
            self.resolved.setdefault("channels", {})[str(channel.id)] = data
            return str(channel.id)
        raise NotImplementedError(
            f"option type {option_type.name} is not supported by the fake yet"
        )


def nest(
    path: list[str], options: list[dict[str, Any]], command: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Wrap leaf options in their subcommand / subcommand-group options."""
    kinds: list[int] = []
    definitions = (command or {}).get("options") or []
    for depth, part in enumerate(path):
        found = next((o for o in definitions if o["name"] == part), None)
        default = SUBCOMMAND if depth == len(path) - 1 else GROUP
        kinds.append(int(found["type"]) if found else default)
        definitions = (found or {}).get("options") or []
    for part, kind in reversed(list(zip(path, kinds, strict=True))):
        options = [{"name": part, "type": kind, "options": options}]
    return options
