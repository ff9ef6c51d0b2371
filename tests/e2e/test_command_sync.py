"""Slash commands are sent to Discord at start only when they changed (SYNC_COMMANDS),
through the real bot on the loopback Discord, restarted on the same database."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.app import build, started
from bot.ui.command_sync import CommandSyncRefusedError
from tests.e2e.harness import Harness, harness
from tests.fakes import RequestRecord

GUILD_SYNC = "/applications/{application_id}/guilds/{guild_id}/commands"
GLOBAL_SYNC = "/applications/{application_id}/commands"
COMMANDS = {
    "imagine",
    "blend",
    "describe",
    "shorten",
    "swapface",
    "balance",
    "redeem",
    "settings",
    "history",
    "show",
    "mjadmin",
    "Describe this image",  # message context menus
    "Use as image prompt",
}


def syncs(h: Harness, route: str = GUILD_SYNC) -> list[RequestRecord]:
    """The bulk overwrites Discord answered with success."""
    return [r for r in h.fake.requests_to("PUT", route) if r.status == 200]


def guild_commands(h: Harness) -> set[str]:
    return {c["name"] for c in h.fake.synced_commands(h.fake.guild_id)}


def hash_key(h: Harness, guild: int | str | None = None) -> str:
    """Where CommandSync keeps the hash of what it last sent (bot/ui/command_sync.py)."""
    return f"command_tree_sha256:{h.fake.application_id}:{guild or h.fake.guild_id}"


async def restart(h: Harness) -> None:
    await h.stop_bot()
    await h.start_bot()


async def test_first_start_syncs_and_a_restart_with_the_same_commands_does_not(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        (first,) = syncs(h)
        assert first.path.endswith(f"/guilds/{h.fake.guild_id}/commands")
        assert {c["name"] for c in first.json} == COMMANDS == guild_commands(h)
        assert h.fake.requests_to("PUT", GLOBAL_SYNC) == []
        digest = await h.storage.meta.get(hash_key(h))
        assert digest is not None and len(digest) == 64

        await restart(h)
        await restart(h)

        assert len(h.fake.requests_to("PUT", GUILD_SYNC)) == 1
        assert await h.storage.meta.get(hash_key(h)) == digest
        # The commands Discord kept still work with the restarted bot.
        inter = await h.command("imagine", {"prompt": "still here after a restart"})
        assert (await h.wait_final(inter.token)).buttons()
        assert h.fake.violations == []


async def test_sync_always_syncs_at_every_start(tmp_path: Path) -> None:
    async with harness(tmp_path, sync_commands="always") as h:
        assert len(syncs(h)) == 1
        await restart(h)
        await restart(h)
        assert len(syncs(h)) == 3
        assert guild_commands(h) == COMMANDS
        assert h.fake.violations == []


async def test_sync_never_leaves_discord_alone(tmp_path: Path) -> None:
    async with harness(tmp_path, sync_commands="never") as h:
        await restart(h)
        assert h.fake.requests_to("PUT", GUILD_SYNC) == []
        assert h.fake.requests_to("PUT", GLOBAL_SYNC) == []
        assert h.fake.synced_commands(h.fake.guild_id) == []
        assert await h.storage.meta.get(hash_key(h)) is None


async def test_a_command_added_in_code_is_synced_at_the_next_start_and_its_removal_too(
    tmp_path: Path,
) -> None:
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async with harness(tmp_path) as h:
        assert len(syncs(h)) == 1
        await h.stop_bot()

        # A new version of the bot with one more command, on the same database.
        app = build(h.settings, h.http, h.storage)
        app.bot.tree.add_command(
            app_commands.Command(name="ping", description="Ping", callback=ping)
        )
        async with started(app):
            assert len(syncs(h)) == 2
            assert guild_commands(h) == COMMANDS | {"ping"}

        await h.start_bot()  # the command is gone again: that is a change too
        assert len(syncs(h)) == 3
        assert guild_commands(h) == COMMANDS
        await restart(h)
        assert len(syncs(h)) == 3
        assert h.fake.violations == []


async def test_a_changed_description_is_synced(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.stop_bot()
        app = build(h.settings, h.http, h.storage)
        for cog in app.bot._cogs:  # what setup_hook adds, changed before it does
            for command in cog.walk_app_commands():
                if command.name == "shorten":
                    command.description = "Shorten a prompt (now with more words)"
        async with started(app):
            (_, second) = syncs(h)
        (shorten,) = [c for c in second.json if c["name"] == "shorten"]
        assert shorten["description"] == "Shorten a prompt (now with more words)"
        assert h.fake.violations == []


async def test_a_stored_hash_that_does_not_match_the_commands_syncs_again(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        digest = await h.storage.meta.get(hash_key(h))
        await h.stop_bot()
        await h.storage.meta.put(hash_key(h), "0" * 64)  # synced by an older version

        await h.start_bot()

        assert len(syncs(h)) == 2
        assert await h.storage.meta.get(hash_key(h)) == digest
        assert h.fake.violations == []


async def test_moving_from_global_commands_to_a_guild_syncs_the_guild(tmp_path: Path) -> None:
    async with harness(tmp_path, discord_guild_id=None) as h:
        (global_sync,) = syncs(h, GLOBAL_SYNC)
        assert {c["name"] for c in global_sync.json} == COMMANDS
        assert h.fake.requests_to("PUT", GUILD_SYNC) == []
        assert await h.storage.meta.get(hash_key(h, "global")) is not None

        await h.stop_bot()
        h.settings = h.settings.model_copy(update={"discord_guild_id": h.fake.guild_id})
        await h.start_bot()

        assert len(syncs(h, GUILD_SYNC)) == 1 and guild_commands(h) == COMMANDS
        assert await h.storage.meta.get(hash_key(h)) is not None
        assert h.fake.violations == []


async def test_a_sync_discord_refused_is_tried_again_at_the_next_start(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.stop_bot()
        other_guild = h.fake.guild_id + 1  # the bot was not invited there yet
        h.settings = h.settings.model_copy(update={"discord_guild_id": other_guild})

        with pytest.raises(CommandSyncRefusedError, match=f"server {other_guild}"):
            await h.start_bot()
        assert await h.storage.meta.get(hash_key(h, other_guild)) is None

        h.fake.add_guild(other_guild)  # the operator invites the bot
        await h.start_bot()
        assert {c["name"] for c in h.fake.synced_commands(other_guild)} == COMMANDS
        assert await h.storage.meta.get(hash_key(h, other_guild)) is not None
        assert h.fake.violations == []


async def test_the_message_context_menus_are_synced_with_their_chinese_names(
    h: Harness,
) -> None:
    menus = {c["name"]: c for c in h.fake.synced_commands(h.fake.guild_id) if c["type"] == 3}
    assert set(menus) == {"Describe this image", "Use as image prompt"}
    names = {n: c["name_localizations"]["zh-CN"] for n, c in menus.items()}
    assert names == {"Describe this image": "描述这张图片", "Use as image prompt": "用作图片提示"}
    # Like the slash commands: by servers and users (cogs/installs.py), everywhere.
    assert all(c["integration_types"] == [0, 1] for c in menus.values())
    assert all(c["contexts"] == [0, 1, 2] for c in menus.values())
    imagine = next(c for c in h.fake.synced_commands(h.fake.guild_id) if c["name"] == "imagine")
    options = [o["name"] for o in imagine["options"]]
    assert options[-7:] == ["image", "image2", "image3", "image4", "image5", "sref", "cref"]
