"""Vary (Region) masks: a region the user names, drawn white on black at the image's size."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from bot.core.png import encode_png, png_size

# Named regions as (x1, y1, x2, y2) fractions of the image.
_NAMED = {
    "left": (0.0, 0.0, 0.5, 1.0),
    "right": (0.5, 0.0, 1.0, 1.0),
    "top": (0.0, 0.0, 1.0, 0.5),
    "bottom": (0.0, 0.5, 1.0, 1.0),
    "center": (0.25, 0.25, 0.75, 0.75),
    "centre": (0.25, 0.25, 0.75, 0.75),
    "左": (0.0, 0.0, 0.5, 1.0),
    "右": (0.5, 0.0, 1.0, 1.0),
    "上": (0.0, 0.0, 1.0, 0.5),
    "下": (0.0, 0.5, 1.0, 1.0),
    "中": (0.25, 0.25, 0.75, 0.75),
}
_NUMBERS = re.compile(
    r"^\s*(\d+(?:\.\d+)?)%?\s*[,，\s]\s*(\d+(?:\.\d+)?)%?\s*[,，\s]\s*"
    r"(\d+(?:\.\d+)?)%?\s*[,，\s]\s*(\d+(?:\.\d+)?)%?\s*$"
)


@dataclass(frozen=True)
class Region:
    x1: float
    y1: float
    x2: float
    y2: float


def parse_region(text: str) -> Region | None:
    """A named region or "x1,y1,x2,y2" in percent; None when it cannot be read."""
    key = text.strip().lower()
    if key in _NAMED:
        return Region(*_NAMED[key])
    match = _NUMBERS.match(key)
    if match is None:
        return None
    x1, y1, x2, y2 = (float(v) / 100 for v in match.groups())
    if not (0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1):
        return None
    return Region(x1, y1, x2, y2)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, WEBP or JPEG from its header."""
    size = png_size(data)
    if size:
        return size
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data[:3] == b"\xff\xd8\xff":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def region_mask(width: int, height: int, region: Region) -> bytes:
    """PNG of the image's size: white where Midjourney repaints, black where it keeps."""
    x1, x2 = round(region.x1 * width), round(region.x2 * width)
    y1, y2 = round(region.y1 * height), round(region.y2 * height)
    black, white = b"\x00\x00\x00", b"\xff\xff\xff"
    inside = black * x1 + white * (x2 - x1) + black * (width - x2)
    outside = black * width
    return encode_png(width, height, lambda y: inside if y1 <= y < y2 else outside)
