"""Modals that collect a prompt (and a region) before a job is submitted.

Modal submits are handled by the bot's interaction listener through their custom_id, not
by in-memory Modal objects, so a modal opened before a restart still works after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import discord

from bot.core.i18n import t

MODAL_TEMPLATE = re.compile(r"mjm:v1:(?P<job>[0-9]{1,19}):(?P<route>[0-9]{1,2}|m)")
PROMPT_FIELD = "prompt"
REGION_FIELD = "region"
MAX_INPUT = 4000


def modal_custom_id(job_id: int, route: str) -> str:
    return f"mjm:v1:{job_id}:{route}"


def prompt_modal(
    job_id: int, route: str, *, title_key: str, prefill: str, locale: str, region: bool = False
) -> discord.ui.Modal:
    modal = ask_prompt(
        modal_custom_id(job_id, route), title_key=title_key, prefill=prefill, locale=locale
    )
    if region:
        modal.add_item(
            discord.ui.Label(
                text=t("modal.region_label", locale)[:45],
                description=t("modal.region_hint", locale)[:100],
                component=discord.ui.TextInput(
                    custom_id=REGION_FIELD,
                    style=discord.TextStyle.short,
                    default="center",
                    max_length=40,
                    required=True,
                ),
            )
        )
    return modal


def ask_prompt(custom_id: str, *, title_key: str, prefill: str, locale: str) -> discord.ui.Modal:
    """A modal with one prompt field, answered by its custom_id (see the module doc)."""
    modal = discord.ui.Modal(title=t(title_key, locale)[:45], custom_id=custom_id, timeout=None)
    modal.add_item(
        discord.ui.Label(
            text=t("modal.prompt_label", locale)[:45],
            component=discord.ui.TextInput(
                custom_id=PROMPT_FIELD,
                style=discord.TextStyle.paragraph,
                default=prefill[:MAX_INPUT] or None,
                max_length=MAX_INPUT,
                required=True,
            ),
        )
    )
    # Not kept in memory: the listener answers the submit by its custom_id (see module doc).
    modal.stop()
    return modal


def submitted_values(data: dict[str, Any]) -> dict[str, str]:
    """Text input values of a MODAL_SUBMIT payload, in action-row or label form."""
    return {
        str(node["custom_id"]): str(node.get("value") or "")
        for node in _walk(data.get("components", []))
        if node.get("type") == 4 and "custom_id" in node
    }


def _walk(nodes: Any) -> Iterator[dict[str, Any]]:
    for node in nodes if isinstance(nodes, list) else [nodes]:
        if not isinstance(node, dict):
            continue
        yield node
        yield from _walk(node.get("components", []))
        if "component" in node:
            yield from _walk(node["component"])
