"""Message rules Discord enforces that the OpenAPI schema cannot express."""

from __future__ import annotations

from typing import Any

from .models import COMPONENTS_V2
from .schema import SchemaProblem, validate_body

MAX_EMBED_TOTAL = 6000
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
# Bodies that are message payloads.
MESSAGE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
}


def request_problems(method: str, route: str, body: Any) -> list[SchemaProblem]:
    """Schema problems for the operation plus the message rules where the body is a message."""
    problems = validate_body(method, route, body)
    if (method, route) in MESSAGE_ROUTES:
        problems += message_problems(body)
    elif route == CALLBACK_ROUTE and isinstance(body, dict) and body.get("type") in (4, 7):
        problems += message_problems(body.get("data"), ("data",))
    return problems


def message_problems(payload: Any, prefix: tuple[str, ...] = ()) -> list[SchemaProblem]:
    if not isinstance(payload, dict):
        return []
    problems: list[SchemaProblem] = []
    embeds = payload.get("embeds") or []
    if sum(_embed_text_length(e) for e in embeds if isinstance(e, dict)) > MAX_EMBED_TOTAL:
        problems.append(
            SchemaProblem(
                (*prefix, "embeds"),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
            )
        )
    custom_ids = _custom_ids(payload.get("components") or [])
    if len(custom_ids) != len(set(custom_ids)):
        problems.append(
            SchemaProblem(
                (*prefix, "components"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        )
    if (payload.get("flags") or 0) & COMPONENTS_V2:
        for legacy in ("content", "embeds"):
            if payload.get(legacy):
                problems.append(
                    SchemaProblem(
                        (*prefix, legacy),
                        "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                        f"The '{legacy}' field cannot be used when using "
                        "MessageFlags.IS_COMPONENTS_V2",
                    )
                )
    return problems


def _embed_text_length(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for item in embed.get("fields") or []:
        total += len(item.get("name") or "") + len(item.get("value") or "")
    return total


def _custom_ids(components: list[Any]) -> list[str]:
    found: list[str] = []
    for comp in components:
        if not isinstance(comp, dict):
            continue
        if isinstance(comp.get("custom_id"), str):
            found.append(comp["custom_id"])
        found.extend(_custom_ids(comp.get("components") or []))
        if isinstance(comp.get("accessory"), dict):
            found.extend(_custom_ids([comp["accessory"]]))
        if isinstance(comp.get("component"), dict):
            found.extend(_custom_ids([comp["component"]]))
    return found
