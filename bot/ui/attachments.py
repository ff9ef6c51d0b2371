"""Reading slash-command attachments: cheap checks before the defer, bytes after it."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.validation import Rejection, RequestRejectedError, check_declared_size


def precheck(attachments: Sequence[discord.Attachment], *, max_bytes: int) -> None:
    """Refuse by the sizes Discord reports, before anything is downloaded."""
    for position, attachment in enumerate(attachments, start=1):
        check_declared_size(position, attachment.size, max_bytes=max_bytes)


async def read_all(attachments: Sequence[discord.Attachment]) -> list[bytes]:
    images = []
    for position, attachment in enumerate(attachments, start=1):
        try:
            images.append(await attachment.read())
        except (discord.HTTPException, discord.NotFound) as exc:
            raise RequestRejectedError(Rejection.IMAGE_UNREADABLE, position=position) from exc
    return images
