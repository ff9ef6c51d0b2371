"""Vary (Region) masks named in the modal: the region drawn white on black, at the image's size."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.core.mask import Region, image_size, parse_region, region_mask
from tests.images import declared_png, picture


def test_the_left_half_is_white_and_the_rest_black() -> None:
    region = parse_region("left")
    assert region is not None
    mask = Image.open(io.BytesIO(region_mask(100, 40, region)))
    assert mask.format == "PNG" and mask.size == (100, 40)
    assert mask.getpixel((0, 0)) == (255, 255, 255)
    assert mask.getpixel((49, 39)) == (255, 255, 255)
    assert mask.getpixel((50, 0)) == (0, 0, 0)
    assert mask.getpixel((99, 39)) == (0, 0, 0)


def test_percent_corners_draw_exactly_that_box() -> None:
    region = parse_region("10, 20, 30, 40")
    assert region == Region(0.1, 0.2, 0.3, 0.4)
    mask = Image.open(io.BytesIO(region_mask(200, 100, region))).convert("L")
    white = [(x, y) for x in range(200) for y in range(100) if mask.getpixel((x, y)) == 255]
    assert min(white) == (20, 20) and max(white) == (59, 39)
    assert len(white) == 40 * 20


@pytest.mark.parametrize("text", ["", "everything", "10,20,5,40", "0,0,101,50", "1,2,3"])
def test_unreadable_regions_are_none(text: str) -> None:
    assert parse_region(text) is None


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_the_image_size_comes_from_the_header(fmt: str) -> None:
    assert image_size(picture(fmt, (37, 21))) == (37, 21)


def test_a_bomb_or_a_non_image_has_no_size() -> None:
    assert image_size(declared_png(50_000, 50_000)) is None
    assert image_size(b"not an image") is None
