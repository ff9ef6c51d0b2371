"""Direct messages from the bot, and ephemeral messages staying out of the bot-token paths."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakes import FakeDiscord, InteractionFactory, dispatch
from tests.fakes.schema import validate_schema

from .tiny_bot import TinyBot

CREATE_DM = "/users/@me/channels"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_create_dm_is_the_channel_of_dm_interactions(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    # A user who already used a command in DMs: create_dm finds that same channel.
    early = 1111
    payload = factory.slash_command("imagine", {"prompt": "cat"}, dm=True, user_id=early)
    channel = await bot.create_dm(discord.Object(early))
    assert isinstance(channel, discord.DMChannel)
    assert channel.id == int(payload["channel_id"]) == discord_fake.dm_channel_of(early)
    assert channel.recipient is not None and channel.recipient.id == early
    assert channel.recipient.name == factory.user(early)["username"]

    # A user the bot DMs first: their later DM interactions arrive in that channel.
    late = 2222
    user = await bot.fetch_user(late)
    dm = await user.create_dm()
    payload = factory.slash_command("imagine", {"prompt": "dog"}, dm=True, user_id=late)
    assert int(payload["channel_id"]) == dm.id == discord_fake.dm_channel_of(late)
    assert dm.id != channel.id

    # discord.py caches DM channels; asking the API again still gives the same channel.
    again = await bot.http.start_private_message(late)
    assert int(again["id"]) == dm.id and again["type"] == 1
    assert validate_schema("PrivateChannelResponse", again) == []
    [first, *_] = discord_fake.requests_to("POST", CREATE_DM)
    assert first.auth == "bot" and first.json == {"recipient_id": early} and first.status == 200
    assert discord_fake.violations == [] and discord_fake.unhandled == []


async def test_sent_dms_are_listed_for_the_user(discord_fake: FakeDiscord, bot: TinyBot):
    uid = 3333
    user = await bot.fetch_user(uid)
    sent = await user.send("your private result", file=discord.File(io.BytesIO(b"png"), "r.png"))
    assert isinstance(sent.channel, discord.DMChannel) and sent.guild is None
    channel = await user.create_dm()
    second = await channel.send(embed=discord.Embed(title="details"))

    assert [m.id for m in discord_fake.dms_to(uid)] == [sent.id, second.id]
    first = discord_fake.dms_to(uid)[0]
    assert first.content == "your private result" and first.guild_id is None
    assert [(a.filename, a.content) for a in first.attachments] == [("r.png", b"png")]

    await second.delete()
    assert [m.id for m in discord_fake.dms_to(uid)] == [sent.id]
    assert discord_fake.dms_to(4444) == []  # never DMed: no channel is created for the lookup
    assert 4444 not in {discord_fake.dm_recipient(c) for c in discord_fake.channels}
    assert discord_fake.violations == []


async def test_closed_dms_refuse_sends_with_50007(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    uid, other = 5555, 6666
    discord_fake.close_dms(uid)
    channel = await bot.create_dm(discord.Object(uid))  # opening the channel still works
    assert channel.id == discord_fake.dm_channel_of(uid)

    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("your private result")
    assert (refused.value.status, refused.value.code) == (403, 50007)
    assert refused.value.text == "Cannot send messages to this user"
    record = discord_fake.requests_to("POST", "/channels/{channel_id}/messages")[-1]
    assert record.error == {"message": "Cannot send messages to this user", "code": 50007}
    assert discord_fake.dms_to(uid) == []

    await (await bot.fetch_user(other)).send("others are unaffected")
    assert [m.content for m in discord_fake.dms_to(other)] == ["others are unaffected"]

    # Interaction responses in that DM go through the webhook, not the bot token.
    inter = await dispatch(
        bot, factory.slash_command("imagine", {"prompt": "x"}, dm=True, user_id=uid)
    )
    await discord_fake.wait_until(lambda: bot.seen.get("done"), what="/imagine to finish")
    assert [m.interaction_metadata is not None for m in discord_fake.dms_to(uid)] == [True]
    assert inter.channel_id == channel.id

    discord_fake.close_dms(uid, closed=False)
    await channel.send("open again")
    assert discord_fake.dms_to(uid)[-1].content == "open again"
    assert discord_fake.violations == []


async def test_create_dm_without_recipient_is_a_violation(
    discord_fake: FakeDiscord, session: aiohttp.ClientSession
):
    auth = {"Authorization": "Bot fake-token"}
    async with session.post(discord_fake.api_base + CREATE_DM, json={}, headers=auth) as response:
        body = await response.json()
    assert response.status == 400 and body["code"] == 50035
    assert body["errors"]["recipient_id"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    assert [v.route for v in discord_fake.violations] == [CREATE_DM]
    discord_fake.violations.clear()


async def _ephemeral_reply(
    session: aiohttp.ClientSession, fake: FakeDiscord, payload: dict[str, Any]
) -> int:
    callback = f"/interactions/{payload['id']}/{payload['token']}/callback"
    body = {"type": 4, "data": {"content": "only you can see this", "flags": 64}}
    async with session.post(fake.api_base + callback, json=body) as response:
        assert response.status == 204
    message = fake.original_response(payload["token"])
    assert message is not None and message.ephemeral
    return message.id


@pytest.mark.parametrize("dm", [False, True])
async def test_ephemeral_messages_do_not_exist_for_the_bot_token(
    discord_fake: FakeDiscord,
    bot: TinyBot,
    factory: InteractionFactory,
    session: aiohttp.ClientSession,
    dm: bool,
):
    payload = factory.slash_command("imagine", {"prompt": "x"}, dm=dm)
    message_id = await _ephemeral_reply(session, discord_fake, payload)
    channel = bot.get_partial_messageable(int(payload["channel_id"]))
    partial = channel.get_partial_message(message_id)

    for attempt in (partial.fetch(), partial.edit(content="changed"), partial.delete()):
        with pytest.raises(discord.NotFound) as missing:
            await attempt
        assert missing.value.code == 10008
    assert [m async for m in channel.history()] == []
    message = discord_fake.message(message_id)
    assert message.content == "only you can see this" and not message.deleted
    assert discord_fake.dms_to(int(discord_fake.user["id"])) == ([message] if dm else [])

    public = await channel.send("visible")
    assert [m.id async for m in channel.history()] == [public.id]
    assert (await channel.fetch_message(public.id)).content == "visible"
    assert discord_fake.violations == []
