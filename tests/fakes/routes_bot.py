"""Bot-token endpoints: login, users and DMs, command sync, channel messages, the fake CDN."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import errors
from .bodies import ParsedBody
from .discord_server import API_PREFIX, BODY_KEY, FAKE_KEY, FakeDiscord
from .payloads import application_json
from .schema import SchemaProblem
from .snowflakes import snowflake

routes = web.RouteTableDef()
API = API_PREFIX


def _fake(request: web.Request) -> FakeDiscord:
    return request.app[FAKE_KEY]


def _body(request: web.Request) -> ParsedBody:
    return request[BODY_KEY]


def _snowflake_param(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError as exc:
        raise errors.not_found() from exc


# -- login ---------------------------------------------------------------------------------


@routes.get(API + "/users/@me")
async def get_me(request: web.Request) -> web.Response:
    return errors.json_response(_fake(request).bot_user)


@routes.get(API + "/oauth2/applications/@me")
@routes.get(API + "/applications/@me")
async def get_application(request: web.Request) -> web.Response:
    fake = _fake(request)
    return errors.json_response(application_json(fake.application_id, fake.bot_user, fake.owner))


@routes.get(API + "/gateway")
@routes.get(API + "/gateway/bot")
async def get_gateway(request: web.Request) -> web.Response:
    # The fake's own gateway (tests/fakes/gateway.py), never Discord's.
    limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    gateway = _fake(request).gateway
    body = {"url": gateway.url, "shards": gateway.recommended_shards, "session_start_limit": limit}
    return errors.json_response(body)


# -- users and DMs ------------------------------------------------------------------------------


@routes.post(API + "/users/@me/channels")
async def create_dm(request: web.Request) -> web.Response:
    """Discord's create_dm: the same DM channel every time for the same user."""
    fake = _fake(request)
    recipient = (_body(request).json or {}).get("recipient_id")
    if recipient is None:
        problem = SchemaProblem(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
        tree = fake.record_violation(request, "/users/@me/channels", [problem], _body(request).json)
        raise errors.invalid_form(tree)
    channel = fake.channels[fake.dm_channel_of(int(recipient))]
    return errors.json_response(channel.to_json())


@routes.get(API + "/users/{user_id}")
async def get_user(request: web.Request) -> web.Response:
    """Every id is a known user to the fake (as `InteractionFactory` would build it)."""
    return errors.json_response(_fake(request).user_of(_snowflake_param(request, "user_id")))


# -- application commands -------------------------------------------------------------------


def _check_app(request: web.Request) -> FakeDiscord:
    fake = _fake(request)
    if _snowflake_param(request, "application_id") != fake.application_id:
        raise errors.missing_access()
    return fake


def _store_commands(
    fake: FakeDiscord, guild_id: int | None, body: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Bulk overwrite, keeping ids of commands that survive by (name, type) like Discord does."""
    old = {(c["name"], c.get("type", 1)): c["id"] for c in fake.commands.get(guild_id, [])}
    stored: list[dict[str, Any]] = []
    for command in body:
        kind = command.get("type") or 1
        data = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **command,
            "type": kind,
            "id": old.get((command["name"], kind)) or str(snowflake()),
            "application_id": str(fake.application_id),
            "version": str(snowflake()),
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        stored.append(data)
    fake.commands[guild_id] = stored
    return stored


@routes.get(API + "/applications/{application_id}/commands")
async def list_global_commands(request: web.Request) -> web.Response:
    return errors.json_response(_check_app(request).synced_commands(None))


@routes.put(API + "/applications/{application_id}/commands")
async def put_global_commands(request: web.Request) -> web.Response:
    fake = _check_app(request)
    return errors.json_response(_store_commands(fake, None, _body(request).json or []))


@routes.get(API + "/applications/{application_id}/guilds/{guild_id}/commands")
async def list_guild_commands(request: web.Request) -> web.Response:
    fake = _check_app(request)
    return errors.json_response(fake.synced_commands(_snowflake_param(request, "guild_id")))


@routes.put(API + "/applications/{application_id}/guilds/{guild_id}/commands")
async def put_guild_commands(request: web.Request) -> web.Response:
    fake = _check_app(request)
    guild_id = _snowflake_param(request, "guild_id")
    if guild_id not in fake.guilds:
        raise errors.missing_access()
    return errors.json_response(_store_commands(fake, guild_id, _body(request).json or []))


# -- channels and messages --------------------------------------------------------------------


@routes.get(API + "/channels/{channel_id}")
async def get_channel(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel_id = fake.channel_for_bot(_snowflake_param(request, "channel_id"))
    return errors.json_response(fake.channels[channel_id].to_json())


@routes.post(API + "/channels/{channel_id}/messages")
async def create_message(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel_id = fake.channel_for_bot(_snowflake_param(request, "channel_id"))
    fake.check_can_send(channel_id)
    body = _body(request)
    payload = body.json or {}
    # Ephemeral only exists for interaction responses; a bot-token send ignores the bit.
    payload = {**payload, "flags": (payload.get("flags") or 0) & ~64}
    kind = 19 if payload.get("message_reference") else 0
    msg = fake.create_message(channel_id, payload, body.files, type=kind)
    return errors.json_response(msg.to_json())


@routes.get(API + "/channels/{channel_id}/messages")
async def list_messages(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel_id = fake.channel_for_bot(_snowflake_param(request, "channel_id"))
    limit = min(int(request.query.get("limit", 50)), 100)
    before = int(request.query.get("before", 1 << 63))
    after = int(request.query.get("after", 0))
    visible = [m for m in fake.messages_in(channel_id) if not m.ephemeral and after < m.id < before]
    visible.sort(key=lambda m: m.id, reverse=True)  # newest first, like Discord
    return errors.json_response([m.to_json() for m in visible[:limit]])


@routes.post(API + "/channels/{channel_id}/typing")
async def trigger_typing(request: web.Request) -> web.Response:
    _fake(request).channel_for_bot(_snowflake_param(request, "channel_id"))
    return web.Response(status=204)


@routes.get(API + "/channels/{channel_id}/messages/{message_id}")
async def get_message(request: web.Request) -> web.Response:
    fake = _fake(request)
    msg = fake.message_for_bot(
        _snowflake_param(request, "channel_id"), _snowflake_param(request, "message_id")
    )
    return errors.json_response(msg.to_json())


@routes.patch(API + "/channels/{channel_id}/messages/{message_id}")
async def edit_message(request: web.Request) -> web.Response:
    fake = _fake(request)
    msg = fake.message_for_bot(
        _snowflake_param(request, "channel_id"), _snowflake_param(request, "message_id")
    )
    if msg.author["id"] != fake.bot_user["id"]:
        raise errors.not_author()
    body = _body(request)
    return errors.json_response(fake.edit_message(msg, body.json or {}, body.files).to_json())


@routes.delete(API + "/channels/{channel_id}/messages/{message_id}")
async def delete_message(request: web.Request) -> web.Response:
    fake = _fake(request)
    msg = fake.message_for_bot(
        _snowflake_param(request, "channel_id"), _snowflake_param(request, "message_id")
    )
    msg.deleted = True
    return web.Response(status=204)


# -- fake CDN ------------------------------------------------------------------------------------


@routes.get("/attachments/{channel_id}/{attachment_id}/{filename}")
async def get_attachment(request: web.Request) -> web.Response:
    att = _fake(request).attachments.get(_snowflake_param(request, "attachment_id"))
    if att is None or att.filename != request.match_info["filename"]:
        raise errors.not_found()
    return web.Response(
        body=att.content, content_type=att.content_type or "application/octet-stream"
    )
