"""Validation against Discord's OpenAPI spec, phrased like Discord's 50035 errors."""

from __future__ import annotations

from tests.fakes.rules import request_problems
from tests.fakes.schema import discord_errors, validate_body

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
EDIT = "/channels/{channel_id}/messages/{message_id}"


def row(*buttons: dict) -> dict:
    return {"type": 1, "components": list(buttons)}


def test_valid_bodies_pass_including_integer_snowflakes():
    body = {
        "content": "hi",
        "embeds": [{"title": "t", "image": {"url": "attachment://a.png"}}],
        "components": [row({"type": 2, "style": 1, "label": "Go", "custom_id": "go"})],
        "attachments": [{"id": 0, "filename": "a.png"}, {"id": 1234567890123, "filename": "b"}],
    }
    assert validate_body("PATCH", EDIT, body) == []
    assert validate_body("POST", CALLBACK, {"type": 5, "data": {"flags": 64}}) == []


def test_errors_are_nested_like_discord():
    body = {
        "type": 4,
        "data": {
            "embeds": [{"title": "t" * 300}],
            "components": [row({"type": 2, "style": 9, "custom_id": "x"})],
        },
    }
    errors = discord_errors(validate_body("POST", CALLBACK, body))
    title = errors["data"]["embeds"]["0"]["title"]["_errors"][0]
    assert title == {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 256 or fewer in length."}
    style = errors["data"]["components"]["0"]["components"]["0"]["style"]["_errors"][0]
    assert style["code"] == "BASE_TYPE_CHOICES"


def test_missing_required_field_and_too_many_buttons():
    modal = {"type": 9, "data": {"custom_id": "m", "components": []}}
    codes = {p.path: p.code for p in validate_body("POST", CALLBACK, modal)}
    assert codes[("data", "title")] == "BASE_TYPE_REQUIRED"
    assert codes[("data", "components")] == "BASE_TYPE_MIN_LENGTH"

    six = row(*({"type": 2, "style": 2, "custom_id": str(i)} for i in range(6)))
    [problem] = validate_body("PATCH", EDIT, {"components": [six]})
    assert problem.path == ("components", "0", "components")


def test_rules_beyond_the_schema():
    dup = {"components": [row(*({"type": 2, "style": 2, "custom_id": "same"} for _ in range(2)))]}
    [problem] = request_problems("PATCH", EDIT, dup)
    assert problem.code == "COMPONENT_CUSTOM_ID_DUPLICATED"

    big = {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}
    assert [p.code for p in request_problems("PATCH", EDIT, big)] == ["MAX_EMBED_SIZE_EXCEEDED"]

    v2 = {"type": 4, "data": {"flags": 1 << 15, "content": "no", "components": []}}
    [problem] = request_problems("POST", CALLBACK, v2)
    assert problem.path == ("data", "content")
