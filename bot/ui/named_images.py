"""Images given as slash-command attachments, refused by their option's name (`image3`,
`sref`): cheap size checks before the defer, bytes after it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.core.image_inputs import check_named_image, check_named_size, unreadable


@dataclass(frozen=True)
class GivenImage:
    name: str  # the option it came in
    attachment: discord.Attachment


def given_images(**options: discord.Attachment | None) -> list[GivenImage]:
    """The options the user filled, in the order given (keyword order is kept)."""
    return [GivenImage(name, a) for name, a in options.items() if a is not None]


def precheck_given(images: Sequence[GivenImage], *, max_bytes: int) -> None:
    """Refuse by the sizes Discord reports, before anything is downloaded."""
    for image in images:
        check_named_size(image.name, image.attachment.size, max_bytes=max_bytes)


async def read_given(images: Sequence[GivenImage], *, max_bytes: int) -> list[bytes]:
    """Each image's bytes, checked to be a picture (the core checks them again)."""
    out = []
    for image in images:
        try:
            data = await image.attachment.read()
        except discord.HTTPException as exc:
            raise unreadable(image.name) from exc
        # Pillow decodes it: off the event loop, so other users' answers never wait.
        checked = await asyncio.to_thread(check_named_image, image.name, data, max_bytes=max_bytes)
        out.append(checked.data)
    return out
