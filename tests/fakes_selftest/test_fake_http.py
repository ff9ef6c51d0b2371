"""Protocol details of the fake, checked with plain aiohttp requests (no bot)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakes import FakeDiscord, InteractionFactory, running_fake_discord
from tests.fakes.lifecycle import logged_in


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    session: aiohttp.ClientSession, fake: FakeDiscord, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    async with session.request(method, fake.api_base + path, **kwargs) as response:
        body = await response.json() if response.status != 204 else None
        return response.status, body


def new_interaction(fake: FakeDiscord, **kwargs: Any) -> dict[str, Any]:
    factory = InteractionFactory(fake)
    return factory.slash_command("anything", option_types={}, **kwargs)


async def test_thinking_defer_then_first_followup_edits_the_placeholder(
    discord_fake: FakeDiscord, session: aiohttp.ClientSession
):
    inter = new_interaction(discord_fake)
    callback = f"/interactions/{inter['id']}/{inter['token']}/callback?with_response=true"
    status, body = await call(session, discord_fake, "POST", callback, json={"type": 5})
    assert status == 200
    placeholder = discord_fake.original_response(inter["token"])
    assert placeholder is not None and placeholder.loading
    assert body["interaction"]["response_message_id"] == str(placeholder.id)
    assert body["interaction"]["response_message_loading"] is True

    webhook = f"/webhooks/{discord_fake.application_id}/{inter['token']}"
    status, _ = await call(session, discord_fake, "POST", webhook, json={"content": "result"})
    assert status == 204  # no ?wait=true
    assert placeholder.content == "result" and not placeholder.loading
    status, body = await call(
        session, discord_fake, "POST", webhook + "?wait=true", json={"content": "2"}
    )
    assert status == 200 and body["id"] != str(placeholder.id)

    again = await call(session, discord_fake, "POST", callback, json={"type": 5})
    assert again == (400, {"message": "Interaction has already been acknowledged.", "code": 40060})


async def test_token_states_on_the_webhook_routes(
    discord_fake: FakeDiscord, session: aiohttp.ClientSession
):
    fresh = new_interaction(discord_fake)
    original = f"/webhooks/{discord_fake.application_id}/{fresh['token']}/messages/@original"
    status, body = await call(session, discord_fake, "GET", original)
    assert (status, body["code"]) == (404, 10015)  # not acknowledged yet

    old = new_interaction(discord_fake, age=16 * 60)
    original = f"/webhooks/{discord_fake.application_id}/{old['token']}/messages/@original"
    status, body = await call(session, discord_fake, "PATCH", original, json={"content": "x"})
    assert (status, body) == (401, {"message": "Invalid Webhook Token", "code": 50027})
    assert discord_fake.requests[-1].auth == "webhook"


async def test_malformed_requests_are_rejected_and_recorded(
    discord_fake: FakeDiscord, session: aiohttp.ClientSession
):
    auth = {"Authorization": "Bot fake-token"}
    path = f"/channels/{discord_fake.channel_id}/messages"
    status, body = await call(
        session, discord_fake, "POST", path, json={"content": ""}, headers=auth
    )
    assert (status, body["code"]) == (400, 50006)
    status, body = await call(
        session,
        discord_fake,
        "POST",
        path,
        data=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert (status, body["code"]) == (400, 50109)
    assert [v.problems[0].split(":")[0] for v in discord_fake.violations] == ["<body>", "<body>"]

    status, _ = await call(session, discord_fake, "POST", path, json={"content": "hi"})
    assert status == 401  # bot routes need the bot token

    status, _ = await call(session, discord_fake, "GET", "/guilds/1/roles", headers=auth)
    assert status == 404 and [r.path for r in discord_fake.unhandled] == ["/guilds/1/roles"]
    discord_fake.violations.clear()


async def test_wrong_bot_token_fails_login():
    async with running_fake_discord(bot_token="right") as fake:
        client = discord.Client(intents=discord.Intents.none())
        with pytest.raises(discord.LoginFailure):
            async with logged_in(client, "wrong"):
                pass
        assert fake.requests[0].status == 401


async def test_multipart_upload_is_parsed_and_served(
    discord_fake: FakeDiscord, session: aiohttp.ClientSession
):
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", '{"attachments": [{"id": 0, "description": "grid"}]}')
    form.add_field(
        "files[0]", b"\x89PNG...", filename="grid.png", content_type="application/octet-stream"
    )
    path = f"/channels/{discord_fake.channel_id}/messages"
    status, body = await call(
        session, discord_fake, "POST", path, data=form, headers={"Authorization": "Bot t"}
    )
    assert status == 200
    [attachment] = body["attachments"]
    assert attachment["description"] == "grid" and attachment["content_type"] == "image/png"
    async with session.get(attachment["url"]) as served:
        assert await served.read() == b"\x89PNG..."
    record = discord_fake.requests_to("POST", "/channels/{channel_id}/messages")[0]
    assert [(f.form_field, f.filename, f.size) for f in record.files] == [
        ("files[0]", "grid.png", 7)
    ]
