"""How Discord turns a sent message payload into the stored message."""

from __future__ import annotations

from typing import Any

from .models import FakeAttachment, FakeMessage


def file_index(field: str, fallback: int) -> str:
    if field.startswith("files[") and field.endswith("]"):
        return field[6:-1]
    return str(fallback)


def is_empty(msg: FakeMessage) -> bool:
    return not (msg.content or msg.embeds or msg.components or msg.attachments)


def resolve_embed(embed: dict[str, Any], attachments: list[FakeAttachment]) -> dict[str, Any]:
    """Discord rewrites attachment://name in image/thumbnail to the uploaded file's URL."""
    resolved = {"type": "rich", **embed}
    for key in ("image", "thumbnail"):
        media = resolved.get(key)
        if not isinstance(media, dict) or not str(media.get("url", "")).startswith("attachment://"):
            continue
        name = media["url"].removeprefix("attachment://")
        att = next((a for a in attachments if a.filename == name), None)
        if att is not None:
            resolved[key] = {**media, "url": att.url, "proxy_url": att.url}
    return resolved


def number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord numbers every component (depth first) when the sender left `id` out."""
    counter = 0

    def number(comp: dict[str, Any]) -> dict[str, Any]:
        nonlocal counter
        counter += 1
        out = dict(comp)
        out.setdefault("id", counter)
        for key in ("components", "items"):
            if isinstance(out.get(key), list):
                out[key] = [number(c) if isinstance(c, dict) else c for c in out[key]]
        for key in ("accessory", "component"):
            if isinstance(out.get(key), dict):
                out[key] = number(out[key])
        return out

    return [number(c) for c in components]
