"""Interaction callback and interaction-webhook endpoints (token in the path, no bot token)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import errors
from .bodies import ParsedBody
from .discord_server import API_PREFIX, BODY_KEY, FAKE_KEY, FakeDiscord
from .message_content import number_components
from .models import EPHEMERAL, LOADING, FakeInteraction, FakeMessage, OpenedModal
from .schema import SchemaProblem
from .snowflakes import now

routes = web.RouteTableDef()
API = API_PREFIX
WEBHOOK = API + "/webhooks/{webhook_id}/{webhook_token}"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"

# Interaction type -> callback types Discord accepts for it.
_ALLOWED_CALLBACKS = {
    2: {4, 5, 9, 12},  # application command
    3: {4, 5, 6, 7, 9, 12},  # message component
    4: {8},  # autocomplete
    5: {4, 5, 6, 7},  # modal submit: a modal cannot answer a modal
}
_MESSAGE_TYPE_FOR = {2: 20}  # CHAT_INPUT_COMMAND; other responses are plain messages
_CONTEXT_MENU_COMMAND = 23  # the response to a user or message command


def _fake(request: web.Request) -> FakeDiscord:
    return request.app[FAKE_KEY]


def _body(request: web.Request) -> ParsedBody:
    return request[BODY_KEY]


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def _int_param(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError as exc:
        raise errors.not_found() from exc


# -- callback ----------------------------------------------------------------------------------


@routes.post(API + CALLBACK)
async def interaction_callback(request: web.Request) -> web.Response:
    fake = _fake(request)
    inter = fake.interactions.get(_int_param(request, "interaction_id"))
    if inter is None or inter.token != request.match_info["interaction_token"]:
        raise errors.unknown_interaction()
    if inter.acknowledged:
        raise errors.already_acknowledged()
    received = now()
    if (
        inter.token_revoked
        or (received - inter.created_at).total_seconds() > fake.callback_deadline
    ):
        raise errors.unknown_interaction()  # what Discord says once the 3 s window is gone
    body = _body(request)
    payload = body.json or {}
    cb_type, data = payload.get("type"), payload.get("data") or {}
    if cb_type not in _ALLOWED_CALLBACKS.get(inter.type, set()):
        problem = SchemaProblem(
            ("type",),
            "INTERACTION_RESPONSE_TYPE_INVALID",
            f"Callback type {cb_type} is not valid for interaction type {inter.type}.",
        )
        raise errors.invalid_form(fake.record_violation(request, CALLBACK, [problem], payload))
    message = _apply_callback(fake, inter, cb_type, data, body)
    inter.callback_type, inter.callback_data, inter.callback_at = cb_type, data, received
    if not _truthy(request.query.get("with_response")):
        return web.Response(status=204)
    return errors.json_response(_callback_response(inter, cb_type, message))


def _apply_callback(
    fake: FakeDiscord, inter: FakeInteraction, cb_type: int, data: dict[str, Any], body: ParsedBody
) -> FakeMessage | None:
    kind = _MESSAGE_TYPE_FOR.get(inter.type, 0)
    if inter.type == 2 and inter.payload.get("data", {}).get("type", 1) in (2, 3):
        kind = _CONTEXT_MENU_COMMAND
    if cb_type == 4:
        msg = fake.create_message(inter.channel_id, data, body.files, type=kind, interaction=inter)
        inter.original_message_id = msg.id
        return msg
    if cb_type == 5:
        flags = (data.get("flags") or 0) & EPHEMERAL
        msg = fake.create_message(
            inter.channel_id,
            {"flags": flags},
            [],
            type=kind,
            interaction=inter,
            extra_flags=LOADING,
        )
        inter.original_message_id = msg.id
        return msg
    if cb_type in (6, 7):
        target = fake.messages.get(inter.message_id or 0)
        if target is None or target.deleted:
            raise errors.unknown_message()
        inter.original_message_id = target.id  # @original now means the clicked message
        if cb_type == 7:
            fake.edit_message(target, data, body.files)
            return target
        return None
    if cb_type == 8:
        inter.autocomplete_choices = list(data.get("choices") or [])
    elif cb_type == 9:
        components = number_components(data["components"])
        modal = OpenedModal(
            data["custom_id"], data["title"], components, inter.id, inter.message_id
        )
        inter.modal = modal
        fake.opened_modals.append(modal)
    return None


def _callback_response(
    inter: FakeInteraction, cb_type: int, message: FakeMessage | None
) -> dict[str, Any]:
    """The `?with_response=true` body (InteractionCallbackResponse in the spec)."""
    interaction: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
    result: dict[str, Any] = {"interaction": interaction}
    if message is not None:
        interaction.update(
            response_message_id=str(message.id),
            response_message_loading=cb_type == 5,
            response_message_ephemeral=message.ephemeral,
        )
    # Per the spec only message-creating/updating callbacks return the message as a resource.
    if message is not None and cb_type in (4, 7):
        result["resource"] = {"type": cb_type, "message": message.to_json()}
    return result


# -- interaction webhook -----------------------------------------------------------------------


def _webhook_interaction(request: web.Request) -> tuple[FakeDiscord, FakeInteraction]:
    fake = _fake(request)
    if _int_param(request, "webhook_id") != fake.application_id:
        raise errors.unknown_webhook()
    inter = fake.interaction_by_token(request.match_info["webhook_token"])
    if inter is None:
        raise errors.invalid_webhook_token()
    age = (now() - inter.created_at).total_seconds()
    if inter.token_revoked or age > fake.token_lifetime:
        raise errors.invalid_webhook_token()
    if not inter.acknowledged:
        # Unanswered after 3 s the token is dead; before that the webhook does not exist yet.
        if age > fake.callback_deadline:
            raise errors.invalid_webhook_token()
        raise errors.unknown_webhook()
    return fake, inter


def _original(fake: FakeDiscord, inter: FakeInteraction) -> FakeMessage:
    msg = fake.messages.get(inter.original_message_id or 0)
    if msg is None or msg.deleted:
        raise errors.unknown_message()
    return msg


def _followup(fake: FakeDiscord, inter: FakeInteraction, request: web.Request) -> FakeMessage:
    msg = fake.messages.get(_int_param(request, "message_id"))
    own = msg is not None and (
        msg.interaction_token == inter.token or msg.id == inter.original_message_id
    )
    if msg is None or msg.deleted or not own:
        raise errors.unknown_message()
    return msg


@routes.get(WEBHOOK + "/messages/@original")
async def get_original(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    return errors.json_response(_original(fake, inter).to_json())


@routes.patch(WEBHOOK + "/messages/@original")
async def edit_original(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    body = _body(request)
    msg = fake.edit_message(_original(fake, inter), body.json or {}, body.files)
    return errors.json_response(msg.to_json())


@routes.delete(WEBHOOK + "/messages/@original")
async def delete_original(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    _original(fake, inter).deleted = True
    return web.Response(status=204)


@routes.post(WEBHOOK)
async def create_followup(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    body = _body(request)
    payload = body.json or {}
    original = fake.messages.get(inter.original_message_id or 0)
    if (
        inter.callback_type == 5
        and not inter.followup_ids
        and original is not None
        and original.loading
    ):
        # Discord turns the first followup after a thinking defer into an edit of the
        # placeholder (its ephemeral flag is ignored).
        msg = fake.edit_message(
            original, {k: v for k, v in payload.items() if k != "flags"}, body.files
        )
    else:
        msg = fake.create_message(inter.channel_id, payload, body.files, interaction=inter)
    inter.followup_ids.append(msg.id)
    if not _truthy(request.query.get("wait")):
        return web.Response(status=204)
    return errors.json_response(msg.to_json())


@routes.get(WEBHOOK + "/messages/{message_id}")
async def get_followup(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    return errors.json_response(_followup(fake, inter, request).to_json())


@routes.patch(WEBHOOK + "/messages/{message_id}")
async def edit_followup(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    body = _body(request)
    msg = fake.edit_message(_followup(fake, inter, request), body.json or {}, body.files)
    return errors.json_response(msg.to_json())


@routes.delete(WEBHOOK + "/messages/{message_id}")
async def delete_followup(request: web.Request) -> web.Response:
    fake, inter = _webhook_interaction(request)
    _followup(fake, inter, request).deleted = True
    return web.Response(status=204)
