"""The fake's gateway with a real discord.py client connected to it: identify, READY and
guilds, heartbeats, interactions delivered over the websocket, drops and resumes,
invalid sessions, bad tokens and sharding."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord
import pytest
from discord.ext import commands

from tests.fakes import FakeDiscord, InteractionFactory, running_fake_discord
from tests.fakes.gateway import GatewayNotConnectedError
from tests.fakes.gateway_payloads import shard_of

from .tiny_bot import TinyBot

TOKEN = "gateway-selftest-token"


async def _no_wait(shard_id: int | None, *, initial: bool = False) -> None:
    return None


@asynccontextmanager
async def connected(
    fake: FakeDiscord, bot: discord.Client | None = None, *, token: str = TOKEN
) -> AsyncIterator[discord.Client]:
    """Log in, sync (TinyBot) and run `connect()` in the background until READY."""
    client = bot or TinyBot()
    client._connection.guild_ready_timeout = 0.1  # READY waits this long after the last guild
    client.before_identify_hook = _no_wait  # type: ignore[method-assign]  # 5 s between IDENTIFYs
    await client.login(token)
    if isinstance(client, TinyBot):
        guild = discord.Object(fake.guild_id)
        client.tree.copy_global_to(guild=guild)
        await client.tree.sync(guild=guild)
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        yield client
    finally:
        await client.close()
        await asyncio.gather(runner, return_exceptions=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord(bot_token=TOKEN) as discord_fake:
        yield discord_fake


async def test_identify_gets_ready_with_the_guild_and_its_channel(fake: FakeDiscord) -> None:
    async with connected(fake) as bot:
        assert bot.user is not None and bot.user.id == fake.application_id
        guild = bot.get_guild(fake.guild_id)
        assert guild is not None and guild.name == "Test Guild"
        assert [c.id for c in guild.text_channels] == [fake.channel_id]
        assert guild.me is not None and guild.me.guild_permissions.attach_files
        (conn,) = fake.gateway.connections
        # discord.py asks for zlib-stream transport compression, v10, JSON.
        assert conn.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
        assert conn.shard == (0, 1) and not conn.resumed
        assert fake.gateway.heartbeats >= 1  # discord.py beats once right after HELLO
        assert fake.gateway.session(0) is not None
    assert fake.gateway.connections[0].close_code is not None  # close() said goodbye
    assert not fake.gateway.connected(0)


async def test_an_interaction_arrives_over_the_gateway_and_is_answered_over_rest(
    fake: FakeDiscord,
) -> None:
    async with connected(fake) as bot:
        assert isinstance(bot, TinyBot)
        factory = InteractionFactory(fake, bot)
        inter = await fake.gateway.deliver(factory.slash_command("imagine", {"prompt": "a fox"}))
        await fake.wait_until(lambda: bot.seen.get("done"), what="/imagine to finish")
        assert inter.callback_type == 5
        message = fake.original_response(inter.token)
        assert message is not None and message.attachments[0].filename == "grid.png"
        click = await fake.gateway.deliver(factory.button_click(message, "j1:v:0:abc123"))
        assert click.callback_type == 7 and bot.seen["click"][:2] == ("abc123", "v")


async def test_a_dropped_connection_resumes_and_gets_what_it_missed(fake: FakeDiscord) -> None:
    async with connected(fake) as bot:
        assert isinstance(bot, TinyBot)
        resumed = asyncio.Event()

        async def on_resumed() -> None:
            resumed.set()

        bot.add_listener(on_resumed)
        factory = InteractionFactory(fake, bot)
        assert await fake.gateway.drop() == 1
        # Sent while the bot is away: it waits in the session and comes with the RESUME.
        sent = await fake.gateway.send_interaction(
            factory.slash_command("imagine", {"prompt": "x"})
        )
        await sent.wait_answered(10)
        await asyncio.wait_for(resumed.wait(), 10)
        first, second = fake.gateway.connections
        assert first.close_code == 4000
        assert second.resumed and second.path == "/gateway/resume"  # resume_gateway_url
        assert second.session_id == first.session_id


async def test_a_connection_cut_without_a_close_frame_resumes_too(fake: FakeDiscord) -> None:
    async with connected(fake) as bot:
        assert fake.gateway.abort() == 1
        await fake.wait_until(lambda: len(fake.gateway.connections) == 2, within=10)
        await fake.gateway.wait_connected()
        assert fake.gateway.connections[1].resumed
        factory = InteractionFactory(fake, bot)
        await fake.gateway.deliver(factory.slash_command("imagine", {"prompt": "after"}), within=5)


async def test_reconnect_opcode_and_invalid_session_lead_to_a_new_identify(
    fake: FakeDiscord,
) -> None:
    async with connected(fake) as bot:
        assert await fake.gateway.reconnect() == 1
        await fake.wait_until(lambda: len(fake.gateway.connections) == 2, within=10)
        await fake.gateway.wait_connected()
        assert fake.gateway.connections[1].resumed
        old_session = fake.gateway.session(0)
        assert old_session is not None

        await fake.gateway.drop(resumable=False)  # its RESUME gets INVALID_SESSION
        await fake.wait_until(
            lambda: (s := fake.gateway.session(0)) is not None and s.id != old_session.id,
            within=10,
            what="a new IDENTIFY",
        )
        await fake.gateway.wait_connected()
        refused, fresh = fake.gateway.connections[2:]
        assert refused.path == "/gateway/resume" and refused.session_id is None  # op 9
        new_session = fake.gateway.session(0)
        assert new_session is not None and fresh.session_id == new_session.id
        assert not fresh.resumed
        factory = InteractionFactory(fake, bot)
        await fake.gateway.deliver(factory.slash_command("imagine", {"prompt": "new"}), within=5)


async def test_a_wrong_token_is_refused_with_4004(fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    await client.login(TOKEN)
    client.http.token = "not-the-token"  # REST logged in; the IDENTIFY carries another
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(client.connect(reconnect=False), 10)
    assert closed.value.code == 4004
    await client.close()


async def test_nothing_is_delivered_before_a_session_identified(fake: FakeDiscord) -> None:
    factory = InteractionFactory(fake)
    with pytest.raises(GatewayNotConnectedError):
        await fake.gateway.send_interaction(factory.slash_command("x", {}, option_types={}))


async def test_two_shards_each_get_their_own_guilds_events(fake: FakeDiscord) -> None:
    other = fake.gateway.add_guild_on_shard(1 - shard_of(fake.guild_id, 2), 2, name="Second")
    assert {shard_of(fake.guild_id, 2), shard_of(other, 2)} == {0, 1}
    fake.gateway.recommended_shards = 2
    bot = commands.AutoShardedBot(command_prefix="!", intents=discord.Intents.default())
    async with connected(fake, bot):
        await fake.gateway.wait_connected(0, 1)
        assert {g.id for g in bot.guilds} == {fake.guild_id, other}
        assert sorted(c.shard for c in fake.gateway.connections if c.shard) == [(0, 2), (1, 2)]
        seen: list[tuple[int | None, int | None]] = []

        async def on_interaction(interaction: discord.Interaction) -> None:
            guild = bot.get_guild(interaction.guild_id or 0)
            seen.append((interaction.guild_id, guild.shard_id if guild else None))
            await interaction.response.send_message("ok")

        bot.add_listener(on_interaction)
        factory = InteractionFactory(fake)
        for guild_id in (fake.guild_id, other):
            payload = factory.slash_command("ping", guild_id=guild_id, option_types={})
            session = fake.gateway.session(shard_of(guild_id, 2))
            assert session is not None
            before = session.seq
            await fake.gateway.deliver(payload, within=5)
            assert session.seq == before + 1  # it went through that shard's session
        assert seen == [(g, shard_of(g, 2)) for g in (fake.guild_id, other)]


async def test_fewer_shards_than_required_are_refused_with_4011(fake: FakeDiscord) -> None:
    fake.gateway.required_shards = 2
    client = discord.Client(intents=discord.Intents.default())
    await client.login(TOKEN)
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(client.connect(reconnect=False), 10)
    assert closed.value.code == 4011
    await client.close()
