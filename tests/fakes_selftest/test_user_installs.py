"""User installs in the fake: servers the bot is not in and private channels answer its
token 403 Missing Access; interactions there come from a user install only, with the
implicit app permissions, for global commands that allow it; clicks inherit it."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.fakes import FakeDiscord, InteractionFactory, dispatch

from .tiny_bot import TinyBot


@app_commands.command(description="Says hi anywhere")
@app_commands.allowed_installs(guilds=True, users=True)
@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
async def hello(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("hi")


@pytest.fixture
async def anywhere(bot: TinyBot) -> TinyBot:
    bot.tree.add_command(hello)
    await bot.tree.sync()  # global: what user installs see
    return bot


async def test_the_bot_token_has_no_access_where_the_bot_is_not(
    discord_fake: FakeDiscord, bot: TinyBot
) -> None:
    channel = discord_fake.text_channel_in(discord_fake.add_guild(bot_member=False))
    group = discord_fake.add_private_channel(1234, group=True)
    for place in (channel, group):
        with pytest.raises(discord.Forbidden) as refused:
            await bot.get_partial_messageable(place).send("hello?")
        assert refused.value.code == 50001
        assert [r.status for r in discord_fake.bot_token_requests_in(place)] == [403]
    assert discord_fake.bot_reaches(discord_fake.channel_id)


async def test_a_user_install_interaction_and_a_click_on_its_answer(
    discord_fake: FakeDiscord, anywhere: TinyBot
) -> None:
    factory = InteractionFactory(discord_fake, anywhere)
    guild = discord_fake.add_guild(bot_member=False)
    with pytest.raises(AssertionError, match="only a user install"):
        factory.slash_command("hello", guild_id=guild)
    payload = factory.slash_command("hello", guild_id=guild, user_id=55, user_install=True)
    assert payload["authorizing_integration_owners"] == {"1": "55"} and payload["context"] == 0
    permissions = discord.Permissions(int(payload["app_permissions"]))
    assert permissions.attach_files and permissions.embed_links and not permissions.view_channel
    inter = await dispatch(anywhere, payload)
    message = discord_fake.original_response(inter.token)
    assert message is not None and message.interaction_metadata is not None
    assert message.interaction_metadata["authorizing_integration_owners"] == {"1": "55"}

    group = discord_fake.add_private_channel(55, group=True)
    there = factory.slash_command("hello", channel_id=group, user_id=55, user_install=True)
    assert there["context"] == 2 and there["channel"]["type"] == 3
    mine = factory.slash_command("hello", dm=True, user_id=55, user_install=True)
    assert mine["context"] == 1 and mine["app_permissions"] == str(factory.app_permissions.value)
    with pytest.raises(AssertionError, match="does not allow user installs"):
        factory.slash_command("imagine", {"prompt": "p"}, user_install=True)
