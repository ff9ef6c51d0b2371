"""Vary (Region) masks: a region the user names, drawn white on black at the image's size."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.core.image_check import peek_image

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
    info = peek_image(data)
    return None if info is None else (info.width, info.height)


def region_mask(width: int, height: int, region: Region) -> bytes:
    """PNG of the image's size: white where Midjourney repaints, black where it keeps."""
    x1, x2 = round(region.x1 * width), round(region.x2 * width)
    y1, y2 = round(region.y1 * height), round(region.y2 * height)
    mask = Image.new("RGB", (width, height), "black")
    if x2 > x1 and y2 > y1:  # Pillow's rectangle includes its far corner, hence the -1
        ImageDraw.Draw(mask).rectangle((x1, y1, x2 - 1, y2 - 1), fill="white")
    out = io.BytesIO()
    mask.save(out, format="PNG")
    return out.getvalue()
