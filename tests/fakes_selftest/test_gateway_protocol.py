"""The fake's gateway spoken to directly (JSON, no compression), for what discord.py never
does on purpose: payloads out of order, bad tokens, shards and versions, unknown sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes import FakeDiscord, running_fake_discord

TOKEN = "protocol-selftest-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord(bot_token=TOKEN) as discord_fake:
        yield discord_fake


async def opened(
    session: aiohttp.ClientSession, fake: FakeDiscord, query: str = "v=10&encoding=json"
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(f"{fake.gateway.url}?{query}")
    hello = await ws.receive_json()
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    return ws


def identify(**changes: Any) -> dict[str, Any]:
    data = {"token": TOKEN, "intents": 513, "properties": {"os": "linux"}, **changes}
    return {"op": 2, "d": data}


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    message = await ws.receive()
    assert message.type is aiohttp.WSMsgType.CLOSE, message
    return ws.close_code


async def test_heartbeat_identify_ready_and_guilds(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await opened(session, fake)
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        await ws.send_json(identify())
        ready = await ws.receive_json()
        assert (ready["op"], ready["t"], ready["s"]) == (0, "READY", 1)
        assert ready["d"]["user"]["id"] == str(fake.application_id)
        assert ready["d"]["guilds"] == [{"id": str(fake.guild_id), "unavailable": True}]
        assert ready["d"]["shard"] == [0, 1] and ready["d"]["resume_gateway_url"]
        guild = await ws.receive_json()
        assert (guild["t"], guild["s"], guild["d"]["id"]) == ("GUILD_CREATE", 2, str(fake.guild_id))
        await ws.send_json(identify())
        assert await closed_with(ws) == 4005  # identified twice


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"op": 3, "d": {}}, 4003),  # a presence update before IDENTIFY
        (identify(token="wrong"), 4004),
        (identify(shard=[2, 2]), 4010),
        (identify(intents=1 << 1), 4014),  # GUILD_MEMBERS, privileged, not granted
        (identify(intents=None), 4013),
        ({"op": 99, "d": None}, 4001),
    ],
)
async def test_bad_payloads_close_with_discords_codes(
    fake: FakeDiscord, payload: dict[str, Any], code: int
) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await opened(session, fake)
        await ws.send_json(payload)
        assert await closed_with(ws) == code
    assert fake.gateway.connections[-1].close_code == code


async def test_text_that_is_not_json_and_an_old_version_are_refused(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await opened(session, fake)
        await ws.send_str("{not json")
        assert await closed_with(ws) == 4002
        old = await session.ws_connect(f"{fake.gateway.url}?v=6&encoding=json")
        assert await closed_with(old) == 4012
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(f"{fake.gateway.url}?v=10&encoding=etf")


async def test_resuming_an_unknown_session_gets_invalid_session(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await opened(session, fake)
        await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": "nope", "seq": 3}})
        answer = await ws.receive_json()
        assert (answer["op"], answer["d"]) == (9, False)


async def test_a_resume_replays_exactly_what_came_after_its_seq(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await opened(session, fake)
        await ws.send_json(identify())
        ready = await ws.receive_json()
        await ws.receive_json()  # GUILD_CREATE, seq 2
        await ws.close()
        await fake.wait_until(lambda: not fake.gateway.connected(0), what="the close")
        await fake.gateway.dispatch("TYPING_START", {"n": 1}, guild_id=fake.guild_id)
        await fake.gateway.dispatch("TYPING_START", {"n": 2}, guild_id=fake.guild_id)

        again = await opened(session, fake)
        resume = {"token": TOKEN, "session_id": ready["d"]["session_id"], "seq": 3}
        await again.send_json({"op": 6, "d": resume})
        replayed = await again.receive_json()
        assert (replayed["t"], replayed["s"], replayed["d"]) == ("TYPING_START", 4, {"n": 2})
        resumed = await again.receive_json()
        assert (resumed["t"], resumed["s"]) == ("RESUMED", 5)
        assert fake.gateway.connected(0)
