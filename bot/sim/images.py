"""Deterministic placeholder artwork: 2x2 colour grids, single images and hazy previews."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.sim.png import encode_png

if TYPE_CHECKING:
    from bot.sim.model import RGB, SimTask

MAX_SIDE = 256
_GAP: RGB = (24, 24, 28)
_AR = re.compile(r"--(?:ar|aspect)\s+(\d+)\s*:\s*(\d+)")
_PREVIEW = re.compile(r"^preview-(\d{1,3})\.png$")


def palette(seed: str, count: int = 4) -> list[RGB]:
    """`count` mid-range colours derived from `seed` (same seed, same colours)."""
    d = hashlib.sha256(seed.encode()).digest()
    return [
        (40 + d[3 * i] * 176 // 255, 40 + d[3 * i + 1] * 176 // 255, 40 + d[3 * i + 2] * 176 // 255)
        for i in range(count)
    ]


def size_for(prompt: str | None) -> tuple[int, int]:
    """Image size honouring `--ar W:H`, longest side MAX_SIDE."""
    match = _AR.search(prompt or "")
    w, h = (int(match[1]), int(match[2])) if match else (1, 1)
    if not w or not h:
        w = h = 1
    if w >= h:
        return MAX_SIDE, max(16, MAX_SIDE * h // w)
    return max(16, MAX_SIDE * w // h), MAX_SIDE


def _pixel(colour: RGB, shade: float, haze: float) -> bytes:
    # shade darkens/brightens; haze washes towards white (previews look unfinished).
    out = bytearray()
    for v in colour:
        v = min(255, int(v * shade))
        out.append(min(255, int(v + (255 - v) * haze)))
    return bytes(out)


@lru_cache(maxsize=256)
def grid_png(colours: tuple[RGB, ...], width: int, height: int, haze: float = 0.0) -> bytes:
    half_w, half_h = width // 2, height // 2
    gap = max(1, min(width, height) // 128)
    gap_px = bytes(_GAP)

    def row(y: int) -> bytes:
        if half_h - gap <= y < half_h + gap:
            return gap_px * width
        top = y < half_h
        shade = 1.15 - 0.3 * (y if top else y - half_h) / max(1, half_h)
        left = _pixel(colours[0 if top else 2], shade, haze)
        right = _pixel(colours[1 if top else 3], shade, haze)
        return left * (half_w - gap) + gap_px * (2 * gap) + right * (width - half_w - gap)

    return encode_png(width, height, row)


@lru_cache(maxsize=256)
def single_png(colour: RGB, width: int, height: int, haze: float = 0.0) -> bytes:
    return encode_png(
        width, height, lambda y: _pixel(colour, 1.15 - 0.3 * y / height, haze) * width
    )


def task_image(task: SimTask, name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of image `name` of `task`, or None if it has none."""
    if name.startswith("source.") and task.source is not None:
        return task.source
    if task.kind in ("describe", "shorten"):
        return None
    width, height = task.size
    haze = 0.0
    preview = _PREVIEW.match(name)
    if preview:
        # Previews: half resolution and washed out, clearer as progress grows.
        percent = min(100, int(preview[1]))
        haze = round(0.1 + 0.7 * (100 - percent) / 100, 2)
        width, height = max(8, width // 2), max(8, height // 2)
    elif name not in ("grid.png", "upscale.png", "cover.png"):
        return None
    if task.kind == "grid":
        return grid_png(tuple(task.colours[:4]), width, height, haze), "image/png"
    return single_png(task.colours[0], width, height, haze), "image/png"
