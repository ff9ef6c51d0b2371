"""Minimal truecolour PNG encoder for the simulator's placeholder art and test images.

The bot itself opens and draws images with Pillow (bot/core/image_check.py, mask.py);
the stand-in aggregator keeps this small encoder: its pictures are flat colour, drawn row by row.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterable

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Either ready-made rows (width * 3 RGB bytes each) or a function row_index -> row bytes.
RowSource = Iterable[bytes] | Callable[[int], bytes]


def _chunk(tag: bytes, data: bytes) -> bytes:
    # The CRC covers the chunk type and data, not the length field.
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, rgb_rows_or_fn: RowSource) -> bytes:
    """Encode 8-bit RGB pixels as a PNG file."""
    if width <= 0 or height <= 0:
        raise ValueError(f"invalid size {width}x{height}")
    rows = (
        (rgb_rows_or_fn(y) for y in range(height)) if callable(rgb_rows_or_fn) else rgb_rows_or_fn
    )
    stride = width * 3
    raw = bytearray()
    count = 0
    for row in rows:
        if len(row) != stride:
            raise ValueError(f"row {count} has {len(row)} bytes, expected {stride}")
        raw += b"\x00"  # filter type "None" for every scanline
        raw += row
        count += 1
    if count != height:
        raise ValueError(f"got {count} rows, expected {height}")
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(bytes(raw), 6)),
            _chunk(b"IEND", b""),
        )
    )


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR, or None if `data` is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height
