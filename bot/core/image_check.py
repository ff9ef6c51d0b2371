"""Images from users are opened by Pillow, never trusted by their header or declared type.

A decompression bomb is a small file that declares a huge picture: its size is read
from the header and refused before any pixel is decoded. Everything else is decoded once
(JPEGs at an eighth of their size, which still reads every byte of the file), so a
truncated or damaged file is refused here instead of failing later at the aggregator.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, UnidentifiedImageError

# Larger than any picture Midjourney takes (its own grids are 2048 x 2048); a bomb
# declares thousands of times more. Pillow's own guard is set to the same bound, so even
# code that opens images elsewhere cannot be made to decode more.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# Decoding an image fully costs about 4 bytes a pixel; above this, a PNG's integrity is
# checked without decoding (every chunk's CRC through to the end) and a JPEG is decoded
# at an eighth; GIF and WEBP have neither, so they may not be larger.
FULL_DECODE_PIXELS = 16_777_216
_CHECKED_UNDECODED = ("image/png", "image/jpeg")

_MIMES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


class ImageProblem(StrEnum):
    NOT_SUPPORTED = "not_supported"  # not an image, or not one of the four formats
    TOO_MANY_PIXELS = "too_many_pixels"
    DAMAGED = "damaged"  # truncated or corrupt


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int


class ImageCheckError(Exception):
    def __init__(
        self, problem: ImageProblem, *, width: int = 0, height: int = 0, limit: int = 0
    ) -> None:
        self.problem = problem
        self.width = width
        self.height = height
        self.limit = limit  # TOO_MANY_PIXELS: the most this image's format may have
        super().__init__(problem.value)


def inspect_image(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> ImageInfo:
    """What the bytes are, after Pillow opened and decoded them; ImageCheckError if they
    are not a whole PNG, JPEG, WEBP or GIF within `max_pixels`."""
    info = _header(data, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _decode(data, info)
    except ImageCheckError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning) as exc:
        raise ImageCheckError(ImageProblem.DAMAGED) from exc
    return info


def peek_image(data: bytes) -> ImageInfo | None:
    """Type and size from the header alone (nothing decoded), or None if unreadable."""
    try:
        return _header(data, MAX_IMAGE_PIXELS)
    except ImageCheckError:
        return None


def _header(data: bytes, max_pixels: int) -> ImageInfo:
    try:
        with Image.open(io.BytesIO(data), formats=list(_MIMES)) as image:
            width, height = image.size
            mime = _MIMES[str(image.format)]
    except Image.DecompressionBombError as exc:
        raise ImageCheckError(ImageProblem.TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageCheckError(ImageProblem.NOT_SUPPORTED) from exc
    if width <= 0 or height <= 0:
        raise ImageCheckError(ImageProblem.DAMAGED)
    limit = max_pixels if mime in _CHECKED_UNDECODED else min(max_pixels, FULL_DECODE_PIXELS)
    if width * height > limit:
        raise ImageCheckError(ImageProblem.TOO_MANY_PIXELS, width=width, height=height, limit=limit)
    return ImageInfo(mime=mime, width=width, height=height)


def _decode(data: bytes, info: ImageInfo) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.verify()  # PNG: chunk CRCs and the end marker; the others: a header check
    if info.width * info.height > FULL_DECODE_PIXELS and info.mime == "image/png":
        return  # verified above, chunk by chunk
    with Image.open(io.BytesIO(data)) as image:
        if info.mime == "image/jpeg":
            image.draft("RGB", (max(1, info.width // 8), max(1, info.height // 8)))
        image.load()
