"""The image of a message a context menu was used on: its first image attachment, else an
embed's image that Discord itself serves. Never a link somebody typed: the bot fetches only
from Discord."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import discord

from bot.core.image_inputs import check_named_image, check_named_size, too_large, unreadable
from bot.core.mj.errors import MJError, MJProtocolError
from bot.core.validation import Rejection, RequestRejectedError

Download = Callable[[str, int], Awaitable[bytes]]  # (url, max bytes) -> bytes
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
_CDN_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")
_PROXY_DOMAIN = ".discordapp.net"  # media proxy and images-ext-N (embeds of outside links)


@dataclass(frozen=True)
class MessageImage:
    name: str  # the file name, as refusals call it
    url: str
    size: int | None  # as Discord reports it (attachments); None for embed images

    async def read(self, download: Download, *, max_bytes: int) -> bytes:
        """The bytes, checked to be a picture within the cap."""
        try:
            data = await download(self.url, max_bytes)
        except MJProtocolError as exc:  # the download's only protocol error: over the cap
            raise too_large(self.name, max_bytes=max_bytes) from exc
        except MJError as exc:
            raise unreadable(self.name) from exc
        checked = await asyncio.to_thread(  # Pillow decodes it: off the event loop
            check_named_image, self.name, data, max_bytes=max_bytes
        )
        return checked.data


def image_of(message: discord.Message, *, max_bytes: int) -> MessageImage:
    """The message's first usable image, its declared size checked; else a refusal."""
    image = first_image(message)
    if image is None:
        raise RequestRejectedError(Rejection.NO_IMAGE_IN_MESSAGE)
    if image.size is not None:
        check_named_size(image.name, image.size, max_bytes=max_bytes)
    return image


def first_image(message: discord.Message) -> MessageImage | None:
    for attachment in message.attachments:
        if _is_image(attachment):
            return MessageImage(attachment.filename, attachment.url, attachment.size)
    for embed in message.embeds:
        for media in (embed.image, embed.thumbnail):
            url = served_by_discord(media.proxy_url) or served_by_discord(media.url)
            if url is not None:
                return MessageImage(_file_name(url), url, None)
    return None


def served_by_discord(url: str | None) -> str | None:
    """`url` if Discord serves it (its CDN or media proxy, or the API host discord.py
    talks to, which is a stand-in in tests), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host in _CDN_HOSTS or host.endswith(_PROXY_DOMAIN)):
        return url
    api = urlsplit(discord.http.Route.BASE)
    return url if (parts.scheme, parts.netloc) == (api.scheme, api.netloc) else None


def _is_image(attachment: discord.Attachment) -> bool:
    if attachment.content_type:
        return attachment.content_type.startswith("image/")
    return attachment.filename.lower().endswith(_IMAGE_SUFFIXES)


def _file_name(url: str) -> str:
    return unquote(PurePosixPath(urlsplit(url).path).name) or "image"
