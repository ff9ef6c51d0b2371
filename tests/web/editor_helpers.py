"""Shared steps of the editor tests: a result to press Vary (Region) on, its link, the
mask the simulator received."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import urlsplit

from PIL import Image
from sqlalchemy import update

from bot.core.editor_links import hash_token
from bot.core.storage.schema import editor_links
from tests.e2e.harness import Harness
from tests.fakes import FakeMessage

PROMPT = "a cat on a sofa --ar 3:2"  # not square: both axes are checked


async def upscaled(h: Harness, prompt: str = PROMPT, **who: Any) -> FakeMessage:
    """An imagine, then U1: a single image with its Vary (Region) button."""
    inter = await h.command("imagine", {"prompt": prompt}, **who)
    grid = await h.wait_final(inter.token)
    click = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id, **who))
    return await h.wait_final(click.token)


def link_url(message: FakeMessage) -> str | None:
    """The URL of the message's link button, if it has one."""

    def walk(nodes: list[dict[str, Any]]) -> str | None:
        for node in nodes:
            if node.get("type") == 2 and node.get("style") == 5:
                return str(node["url"])
            found = walk(node.get("components", []))
            if found:
                return found
        return None

    return walk(message.components)


async def press_region(h: Harness, upscale: FakeMessage, **who: Any) -> tuple[str, str]:
    """Press Vary (Region): the editor link in the ephemeral answer, and the press's
    interaction token."""
    region = next(b for b in upscale.buttons() if b.label == "Vary (Region)")
    assert region.custom_id is not None
    click = await h.dispatch(h.factory.button_click(upscale, region.custom_id, **who))
    answer = h.original(click.token)
    assert answer.ephemeral, "the link is for the presser alone"
    url = link_url(answer)
    assert url is not None, f"no link button in {answer.components}"
    return url, click.token


def token_of(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


async def expire(h: Harness, url: str) -> None:
    """Move the link's expiry into the past, as 30 minutes would."""
    statement = (
        update(editor_links)
        .where(editor_links.c.token_hash == hash_token(token_of(url)))
        .values(expires_at=0.0)
    )
    async with h.storage.engine.begin() as conn:
        assert (await conn.execute(statement)).rowcount == 1


def received_mask(h: Harness) -> Image.Image:
    """The last mask the simulator received, as a greyscale image."""
    body = h.sim.records("submit/modal")[-1].body_json
    header, _, data = body["maskBase64"].partition(",")
    assert header == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(data))).convert("L")


def shape_body(url: str, **fields: Any) -> dict[str, Any]:
    """A valid submit for this link: one rectangle."""
    body: dict[str, Any] = {
        "token": token_of(url),
        "prompt": "a dog",
        "shapes": [{"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5}],
    }
    body.update(fields)
    return body
