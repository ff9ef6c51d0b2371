"""Whether a message already shows a payload, read back from Discord.

A process killed after Discord accepted a final edit but before it was recorded as shown
would send it again at the next start (the picture uploaded twice); reading the message
first makes that re-send happen only when the edit really was lost."""

from __future__ import annotations

import discord

from bot.core.payload import MessagePayload
from bot.ui.components import custom_id


def shows(message: discord.Message, payload: MessagePayload, content: str) -> bool:
    """Its text, its buttons (in order), its failure text and, for a result to be
    attached, an attachment: what tells one state of a job's message from another."""
    shown_ids = [
        child.custom_id
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button)
    ]
    if message.content != content or shown_ids != [
        custom_id(b.job_id, b.route) for b in payload.buttons
    ]:
        return False
    description = payload.embed.description if payload.embed else None
    if description and not any(embed.description == description for embed in message.embeds):
        return False
    return not payload.attach_image or bool(message.attachments)
