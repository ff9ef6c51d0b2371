"""Shared helpers for the simulator tests: a strict PNG reader and HTTP shortcuts."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from bot.sim.png import encode_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Parse and verify an 8-bit RGB PNG: chunk CRCs, IHDR, zlib IDAT, IEND; return rows."""
    assert data[:8] == PNG_SIGNATURE
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(tag + body) & 0xFFFFFFFF == crc, f"bad CRC in {tag!r}"
        chunks.append((tag, body))
        pos += 12 + length
    assert pos == len(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, comp, filt, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for tag, body in chunks if tag == b"IDAT"))
    stride = width * 3 + 1
    assert len(raw) == height * stride
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter "None"
    return width, height, [row[1:] for row in rows]


def png_data_url(width: int = 8, height: int = 8, rgb: bytes = b"\x10\x80\xf0") -> str:
    png = encode_png(width, height, [rgb * width] * height)
    return "data:image/png;base64," + base64.b64encode(png).decode()


def client_for(sim: Simulator, **headers: str) -> httpx.AsyncClient:
    # trust_env=False: never route loopback traffic through a configured proxy.
    return httpx.AsyncClient(base_url=sim.base_url, trust_env=False, timeout=5, headers=headers)


@asynccontextmanager
async def serving(
    config: SimConfig | None = None, clock: ManualClock | None = None
) -> AsyncIterator[tuple[Simulator, httpx.AsyncClient, ManualClock]]:
    clock = clock or ManualClock()
    async with (
        running_simulator(config or SimConfig(), clock=clock) as sim,
        client_for(sim) as client,
    ):
        yield sim, client, clock


async def submit(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    """POST a submit and return the new task id, asserting it was accepted."""
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["code"] in (1, 22), answer
    return str(answer["result"])


async def fetch(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    response = await client.get(f"/mj/task/{task_id}/fetch")
    assert response.status_code == 200, response.text
    return response.json()


async def finished(client: httpx.AsyncClient, clock: ManualClock, task_id: str) -> dict[str, Any]:
    """Jump far past the end of the timeline and fetch the task."""
    clock.advance(1000)
    return await fetch(client, task_id)


async def imagine_done(
    client: httpx.AsyncClient, clock: ManualClock, prompt: str = "a red fox, watercolor"
) -> dict[str, Any]:
    task = await finished(
        client, clock, await submit(client, "/mj/submit/imagine", {"prompt": prompt})
    )
    assert task["status"] == "SUCCESS"
    return task


def button(task: dict[str, Any], *, label: str = "", emoji: str = "", prefix: str = "") -> str:
    """The customId of the first button matching label/emoji/customId prefix."""
    for b in task["buttons"]:
        if (
            (not label or b["label"] == label)
            and (not emoji or b["emoji"] == emoji)
            and b["customId"].startswith(prefix)
        ):
            return b["customId"]
    raise AssertionError(f"no button label={label!r} emoji={emoji!r} prefix={prefix!r}")
