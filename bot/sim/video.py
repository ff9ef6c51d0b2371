"""A tiny, deterministic MP4 for simulated video results (no encoder, no network).

ISO base media boxes only: `ftyp`, a `moov` with its `mvhd` header (1 s at 1000 units),
then `mdat` holding bytes derived from a seed. Clients see a real MP4 signature and box
layout; players may show nothing, which is all a stand-in needs. `size` pads the file
with a `free` box so a test can make it larger than an upload limit.
"""

from __future__ import annotations

import hashlib
import struct

_HEADER = 8  # a box's size and type
MAX_VIDEO_BYTES = 64 * 1024 * 1024


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", _HEADER + len(body)) + kind + body


def _mvhd() -> bytes:
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    body = (
        bytes(4)  # version 0, no flags
        + struct.pack(">IIII", 0, 0, 1000, 1000)  # created, modified, timescale, duration
        + struct.pack(">IH", 0x10000, 0x100)  # rate 1.0, volume 1.0
        + bytes(10)  # reserved
        + matrix
        + bytes(24)  # pre-defined
        + struct.pack(">I", 2)  # next track id
    )
    return _box(b"mvhd", body)


def tiny_mp4(seed: str, size: int = 0) -> bytes:
    """The same bytes for the same `seed`; at least `size` bytes when given."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    moov = _box(b"moov", _mvhd())
    frames = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(8))
    mdat = _box(b"mdat", frames)
    length = len(ftyp) + len(moov) + len(mdat)
    pad = min(max(0, size - length), MAX_VIDEO_BYTES)
    free = _box(b"free", bytes(max(0, pad - _HEADER))) if pad else b""
    return ftyp + moov + free + mdat
