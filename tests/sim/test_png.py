"""The PNG encoder produces files a strict decoder accepts."""

from __future__ import annotations

import pytest

from bot.sim.images import grid_png, palette, single_png, size_for
from bot.sim.png import encode_png, png_size
from tests.sim.helpers import decode_png


def test_rows_and_row_function_give_identical_files() -> None:
    rows = [bytes([0, y, 0]) for y in range(3)]
    assert encode_png(1, 3, rows) == encode_png(1, 3, lambda y: bytes([0, y, 0]))
    width, height, pixels = decode_png(encode_png(1, 3, rows))
    assert (width, height) == (1, 3)
    assert pixels == [b"\x00\x00\x00", b"\x00\x01\x00", b"\x00\x02\x00"]


def test_wrong_geometry_is_rejected() -> None:
    with pytest.raises(ValueError):
        encode_png(2, 1, [b"\x00\x00\x00"])
    with pytest.raises(ValueError):
        encode_png(1, 2, [b"\x00\x00\x00"])
    with pytest.raises(ValueError):
        encode_png(0, 1, [])


def test_png_size_reads_ihdr() -> None:
    assert png_size(encode_png(7, 5, lambda y: b"\x01\x02\x03" * 7)) == (7, 5)
    assert png_size(b"GIF89a not a png at all") is None


def test_grid_has_four_coloured_quadrants() -> None:
    colours = tuple(palette("seed"))
    width, height, rows = decode_png(grid_png(colours, 64, 64))
    assert (width, height) == (64, 64)
    corners = {rows[2][6:9], rows[2][-9:-6], rows[-3][6:9], rows[-3][-9:-6]}
    assert len(corners) == 4  # four distinct quadrant colours


def test_single_image_and_aspect_ratio() -> None:
    assert size_for("a fox --ar 3:2") == (256, 170)
    assert size_for("a fox --ar 9:16") == (144, 256)
    assert size_for("a fox") == (256, 256)
    width, height, rows = decode_png(single_png((200, 40, 40), 32, 16))
    assert (width, height) == (32, 16)
    assert len(set(rows[0][i : i + 3] for i in range(0, 96, 3))) == 1
