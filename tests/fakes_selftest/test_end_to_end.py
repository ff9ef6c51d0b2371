"""The fake driving a real commands.Bot: login, sync, slash command, buttons, modals, errors."""

from __future__ import annotations

import io
from typing import Literal

import discord
import pytest

from tests.fakes import FakeDiscord, FakeMessage, InteractionFactory, dispatch, running_fake_discord
from tests.fakes.modal_payloads import submitted_components

from .tiny_bot import TinyBot

PNG = b"\x89PNG\r\n\x1a\n" + b"reference-image" * 10


def original(fake: FakeDiscord, token: str) -> FakeMessage:
    message = fake.original_response(token)
    assert message is not None, "no original response"
    return message


async def run_imagine(fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory):
    image = fake.host_attachment("ref.png", PNG, "image/png", width=64, height=64)
    payload = factory.slash_command(
        "imagine", {"prompt": "a red fox"}, attachments={"image": image}
    )
    inter = await dispatch(bot, payload)
    await fake.wait_until(lambda: bot.seen.get("done"), what="/imagine to finish")
    return inter, original(fake, inter.token)


async def test_login_runs_setup_hook_and_records_sync(discord_fake: FakeDiscord, bot: TinyBot):
    assert bot.setup_ran
    assert bot.user is not None and bot.user.id == discord_fake.application_id
    assert bot.application_id == discord_fake.application_id
    synced = {c["name"]: c for c in discord_fake.synced_commands(discord_fake.guild_id)}
    assert set(synced) == {"imagine", "silent", "broken"}
    options = {o["name"]: o["type"] for o in synced["imagine"]["options"]}
    assert options == {"prompt": 3, "image": 11}
    login = discord_fake.requests_to("GET", "/users/@me")[0]
    assert login.auth == "bot" and login.status == 200
    assert discord_fake.violations == [] and discord_fake.unhandled == []


async def test_slash_command_defer_then_edit_with_file_and_buttons(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    inter, message = await run_imagine(discord_fake, bot, factory)

    assert inter.callback_type == 5
    assert bot.seen["callback"].message_id == message.id  # with_response gives the id
    assert bot.seen["image"] == ("ref.png", PNG)  # Attachment.read() hit the fake's CDN
    assert not message.loading and message.edits == 1 and message.type == 20
    assert [(a.filename, a.content) for a in message.attachments] == [("grid.png", PNG)]
    assert message.embeds[0]["title"] == "a red fox"
    assert message.embeds[0]["image"]["url"] == message.attachments[0].url
    assert message.buttons() == [
        ("U1", None, "j1:u:0:abc123", 2, 0),
        ("U2", None, "j1:u:1:abc123", 2, 0),
        ("R1", "🔁", "j1:r:0:abc123", 2, 1),
        ("V1", None, "j1:v:0:abc123", 2, 1),
        ("X1", None, "j1:x:0:abc123", 2, 1),
    ]
    edit = discord_fake.requests_to(
        "PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    )
    assert edit[0].auth == "webhook" and edit[0].token == inter.token
    assert [f.filename for f in edit[0].files] == ["grid.png"]
    assert discord_fake.violations == []


async def test_button_click_runs_dynamic_item(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)
    clicker = 4242
    click = await dispatch(bot, factory.button_click(message, "j1:u:1:abc123", user_id=clicker))

    assert bot.seen["click"] == ("abc123", "u", 1, clicker)
    assert click.callback_type == 5
    await discord_fake.wait_until(lambda: not original(discord_fake, click.token).loading)
    followup = original(discord_fake, click.token)
    assert followup.id != message.id and followup.content == "upscaling 2 of abc123"
    assert discord_fake.violations == []


async def test_update_message_and_deferred_update_with_followup(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)

    deferred = await dispatch(bot, factory.button_click(message, "j1:x:0:abc123"))
    assert deferred.callback_type == 6
    await discord_fake.wait_until(lambda: "followup" in bot.seen, what="the followup")
    assert message.content == "working on it" and message.edits == 2  # @original = clicked
    followup = discord_fake.message(bot.seen["followup"])
    assert followup.content == "done" and followup.channel_id == message.channel_id
    assert discord_fake.messages_in(message.channel_id) == [message, followup]

    updated = await dispatch(bot, factory.button_click(message, "j1:v:0:abc123"))
    assert updated.callback_type == 7
    assert message.content == "variation queued" and message.components == []
    assert message.attachments[0].filename == "grid.png"  # no attachments key: kept
    with pytest.raises(AssertionError, match="has no component"):
        factory.button_click(message, "j1:v:0:abc123")  # buttons are gone now
    assert discord_fake.violations == []


async def test_autocomplete_dm_and_locale(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    suggested = await dispatch(bot, factory.autocomplete("imagine", {"prompt": "fox"}, "prompt"))
    assert suggested.callback_type == 8
    assert [c["value"] for c in suggested.autocomplete_choices or []] == ["fox a", "fox b"]

    dm = factory.slash_command("imagine", {"prompt": "cat"}, dm=True, locale="zh-CN")
    assert "guild_id" not in dm and dm["context"] == 1
    await dispatch(bot, dm)
    assert bot.seen["where"] == (discord.Locale.chinese, None, discord.DMChannel)
    await discord_fake.wait_until(lambda: bot.seen.get("done"))


async def test_reply_through_bot_token_references_the_message(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)
    channel = bot.get_partial_messageable(message.channel_id)
    sent = await channel.send("job finished", reference=channel.get_partial_message(message.id))

    stored = discord_fake.message(sent.id)
    assert stored.type == 19
    assert stored.message_reference == {
        "type": 0,
        "message_id": str(message.id),
        "channel_id": str(message.channel_id),
    }
    assert sent.reference is not None and sent.reference.message_id == message.id
    assert stored.referenced_message is message


async def test_button_opens_modal_and_submit_reaches_on_submit(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)
    opened = await dispatch(bot, factory.button_click(message, "j1:r:0:abc123"))

    assert opened.callback_type == 9
    modal = discord_fake.last_modal
    assert modal is not None and modal.title == "Edit prompt" and modal.message_id == message.id
    assert [c["type"] for c in modal.components] == [18, 1]  # Label form and action-row form

    submit = factory.modal_submit("prompt:abc123", {"prompt": "a blue fox", "seed": "7"})
    assert submit["message"]["id"] == str(message.id)
    answered = await dispatch(bot, submit)

    assert bot.seen["modal"] == ("abc123", "a blue fox", "7")
    reply = original(discord_fake, answered.token)
    assert reply.ephemeral and reply.content == "new prompt: a blue fox"
    assert discord_fake.violations == []


@pytest.mark.parametrize("layout", ["label", "action_row"])
async def test_modal_submit_in_either_component_form(
    discord_fake: FakeDiscord,
    bot: TinyBot,
    factory: InteractionFactory,
    layout: Literal["label", "action_row"],
):
    # discord.py 2.7 accepts text inputs inside Labels (type 18) and inside action rows.
    _, message = await run_imagine(discord_fake, bot, factory)
    await dispatch(bot, factory.button_click(message, "j1:r:0:abc123"))
    payload = factory.modal_submit("prompt:abc123", {"prompt": "p", "seed": ""}, layout=layout)
    outer = payload["data"]["components"][0]
    assert outer["type"] == (18 if layout == "label" else 1)
    await dispatch(bot, payload)
    assert bot.seen["modal"] == ("abc123", "p", "")


async def test_modal_submit_refuses_what_the_client_would():
    with pytest.raises(AssertionError, match="length 0"):
        submitted_components(
            [{"type": 18, "id": 1, "component": {"type": 4, "id": 2, "custom_id": "p"}}],
            {},
            "auto",
        )


async def test_expired_token_fails_but_bot_token_edit_works(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    inter, message = await run_imagine(discord_fake, bot, factory)
    interaction = bot.interactions[-1]
    discord_fake.expire_token(inter.token)

    with pytest.raises(discord.HTTPException) as failed:
        await interaction.edit_original_response(content="progress 50%")
    assert failed.value.status == 401 and failed.value.code == 50027

    partial = bot.get_partial_messageable(message.channel_id).get_partial_message(message.id)
    await partial.edit(content="progress 50%")

    assert message.content == "progress 50%" and message.edits == 2
    edit = discord_fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")[-1]
    assert edit.auth == "bot" and edit.status == 200
    assert [a.filename for a in message.attachments] == ["grid.png"]  # no attachments key: kept


async def test_deleted_and_forbidden_messages(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)
    channel = bot.get_partial_messageable(message.channel_id)

    discord_fake.forbid_channel(message.channel_id)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.get_partial_message(message.id).edit(content="x")
    assert forbidden.value.code == 50001

    discord_fake.forbid_channel(message.channel_id, False)
    discord_fake.delete_message(message.channel_id, message.id)
    with pytest.raises(discord.NotFound) as missing:
        await channel.get_partial_message(message.id).edit(content="x")
    assert missing.value.code == 10008
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(message.id)


async def test_edit_attachments_keep_list_and_append(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)
    channel = bot.get_partial_messageable(message.channel_id)
    fetched = await channel.fetch_message(message.id)

    new = discord.File(io.BytesIO(b"second"), "step2.png")
    await fetched.edit(attachments=[*fetched.attachments, new])
    assert [(a.filename, a.content) for a in message.attachments] == [
        ("grid.png", PNG),
        ("step2.png", b"second"),
    ]
    await fetched.edit(attachments=[discord.File(io.BytesIO(b"third"), "step3.png")])
    assert [a.filename for a in message.attachments] == ["step3.png"]
    await fetched.edit(attachments=[])
    assert message.attachments == [] and discord_fake.violations == []


async def test_no_response_within_deadline_is_reported(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    with pytest.raises(AssertionError, match=r"no response within 0\.2 s"):
        await dispatch(bot, factory.slash_command("silent"), within=0.2)


async def test_refused_response_is_reported_and_recorded(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    with pytest.raises(AssertionError, match=r"refused.*50035"):
        await dispatch(bot, factory.slash_command("broken"))
    [violation] = discord_fake.violations
    assert violation.operation_id == "create_interaction_response"
    assert violation.problems == [
        "data.embeds.0.title: BASE_TYPE_MAX_LENGTH Must be 256 or fewer in length."
    ]
    discord_fake.violations.clear()


async def test_late_first_response_gets_unknown_interaction(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    payload = factory.slash_command("silent", age=3.5)  # created 3.5 s ago
    with pytest.raises(AssertionError):
        await dispatch(bot, payload, within=0.2)
    with pytest.raises(discord.NotFound) as late:
        await bot.interactions[-1].response.defer()
    assert late.value.code == 10062


async def test_upload_limit_rate_limit_and_schema_violation(
    discord_fake: FakeDiscord, bot: TinyBot, factory: InteractionFactory
):
    _, message = await run_imagine(discord_fake, bot, factory)
    partial = bot.get_partial_messageable(message.channel_id).get_partial_message(message.id)

    discord_fake.set_upload_limit(10)
    with pytest.raises(discord.HTTPException) as too_big:
        await partial.edit(attachments=[discord.File(io.BytesIO(b"x" * 11), "big.png")])
    assert too_big.value.status == 413 and too_big.value.code == 40005

    discord_fake.rate_limit_next("PATCH", "/channels/{channel_id}/messages/{message_id}")
    await partial.edit(content="after 429")
    statuses = [
        r.status
        for r in discord_fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    ]
    assert statuses[-2:] == [429, 200] and message.content == "after 429"

    assert discord_fake.violations == []
    with pytest.raises(discord.HTTPException) as invalid:
        await partial.edit(embed=discord.Embed(title="t" * 300))
    assert invalid.value.status == 400 and invalid.value.code == 50035
    [violation] = discord_fake.violations
    assert violation.operation_id == "update_message"
    assert violation.errors["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    discord_fake.violations.clear()


async def test_route_base_is_restored():
    route = discord.http.Route
    before = route.BASE
    async with running_fake_discord() as fake:
        assert fake.api_base.startswith("http://127.0.0.1:")
        assert route("GET", "/users/@me").url == fake.api_base + "/users/@me"
    assert route("GET", "/users/@me").url == before + "/users/@me"
