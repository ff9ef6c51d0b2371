"""What /imagine and /describe take besides text: image prompts, style and character
references, and a link to describe (handed to the aggregator, never fetched here)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from bot.core.models import InputImage
from bot.core.validation import (
    Rejection,
    RequestRejectedError,
    check_declared_size,
    check_images,
)

MAX_IMAGE_PROMPTS = 5
MAX_LINK_CHARS = 2000  # trueai caps its URL fields near this; real image links are far shorter
_T = TypeVar("_T")


@dataclass(frozen=True)
class ImagineImages:
    """The checked images of one /imagine, in the order the user gave them."""

    prompts: tuple[InputImage, ...] = ()
    sref: InputImage | None = None
    cref: InputImage | None = None

    @property
    def all(self) -> list[InputImage]:
        """Image prompts first, then the style and the character reference."""
        return [*self.prompts, *(i for i in (self.sref, self.cref) if i is not None)]

    @property
    def has_references(self) -> bool:
        return self.sref is not None or self.cref is not None

    def prompt_with(self, text: str, urls: Sequence[str]) -> str:
        """The prompt Midjourney reads: image URLs first, the text, then `--sref` and
        `--cref` with theirs; `urls` are the uploaded `all`, in that order."""
        if len(urls) != len(self.all):
            raise ValueError("one URL per image")
        count = len(self.prompts)
        parts = [*urls[:count], text]
        rest = iter(urls[count:])
        if self.sref is not None:
            parts += ["--sref", next(rest)]
        if self.cref is not None:
            parts += ["--cref", next(rest)]
        return " ".join(parts)


def check_imagine_images(
    prompts: Sequence[bytes],
    *,
    sref: bytes | None = None,
    cref: bytes | None = None,
    max_bytes: int,
) -> ImagineImages:
    """Real pictures within the size cap, at most five image prompts."""
    if len(prompts) > MAX_IMAGE_PROMPTS:
        raise RequestRejectedError(
            Rejection.IMAGE_COUNT, min=0, max=MAX_IMAGE_PROMPTS, count=len(prompts)
        )
    refs = [r for r in (sref, cref) if r is not None]
    checked = check_images([*prompts, *refs], max_bytes=max_bytes)
    count = len(prompts)
    given = iter(checked[count:])
    return ImagineImages(
        prompts=tuple(checked[:count]),
        sref=next(given) if sref is not None else None,
        cref=next(given) if cref is not None else None,
    )


# An image refused by its position, told by its name (an option, a file name) instead.
_BY_NAME = {
    Rejection.IMAGE_NOT_SUPPORTED: Rejection.NAMED_IMAGE_NOT_SUPPORTED,
    Rejection.IMAGE_TOO_LARGE: Rejection.NAMED_IMAGE_TOO_LARGE,
}


def check_named_size(name: str, size: int, *, max_bytes: int) -> None:
    """Refuse by the size Discord reports, before downloading, naming the image."""
    _named(name, lambda: check_declared_size(1, size, max_bytes=max_bytes))


def check_named_image(name: str, data: bytes, *, max_bytes: int) -> InputImage:
    """A real picture within the size cap, or a refusal naming the image."""
    return _named(name, lambda: check_images([data], max_bytes=max_bytes)[0])


def unreadable(name: str) -> RequestRejectedError:
    return RequestRejectedError(Rejection.NAMED_IMAGE_UNREADABLE, name=name)


def too_large(name: str, *, max_bytes: int) -> RequestRejectedError:
    """For a download stopped at the cap (no size was declared)."""
    return RequestRejectedError(
        Rejection.NAMED_IMAGE_TOO_LARGE, name=name, max_mb=f"{max_bytes / (1024 * 1024):g}"
    )


def _named(name: str, check: Callable[[], _T]) -> _T:
    try:
        return check()
    except RequestRejectedError as exc:
        if exc.reason not in _BY_NAME:
            raise
        params = {k: v for k, v in exc.params.items() if k != "position"}
        raise RequestRejectedError(_BY_NAME[exc.reason], name=name, **params) from exc


def check_link(link: str, *, allow_private: bool = False) -> str:
    """A plain http(s) URL with a host: no other scheme, no credentials, no spaces or
    control characters, at most MAX_LINK_CHARS; a host on a private network only with
    `allow_private` (DESCRIBE_PRIVATE_LINKS). The aggregator fetches it, not the bot."""
    text = link.strip()
    if not text or len(text) > MAX_LINK_CHARS or any(_unsafe(c) for c in text):
        raise RequestRejectedError(Rejection.LINK_INVALID, max=MAX_LINK_CHARS)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises on a port that is not a number in range)
    except ValueError as exc:
        raise RequestRejectedError(Rejection.LINK_INVALID, max=MAX_LINK_CHARS) from exc
    plain = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    if not plain or parts.username is not None or parts.password is not None:
        raise RequestRejectedError(Rejection.LINK_INVALID, max=MAX_LINK_CHARS)
    if not allow_private and _internal(parts.hostname or ""):
        raise RequestRejectedError(Rejection.LINK_INVALID, max=MAX_LINK_CHARS)
    return text


def _internal(host: str) -> bool:
    """A host on the operator's own network: the aggregator (self-hosted, perhaps beside
    the bot) would fetch it for whoever typed it. Public names only; names that resolve
    inward are the aggregator's to refuse."""
    name = host.lower().rstrip(".")
    if "." not in name or name == "localhost" or name.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return not address.is_global


def _unsafe(char: str) -> bool:
    return char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F or char == "\\"
