"""`POST /mj/submit/upload-discord-images` (trueai, relayed by new-api) and the images it
keeps: each uploaded image gets a URL the simulator then serves, like Discord's CDN would.

Body `{"base64Array": [data URLs]}` → `{"code": 1, "result": [url, ...]}` in the same order.
An empty or missing list is refused (code 4) and nothing is charged; the fault
`uploads_unsupported` answers 404, like aggregators without the endpoint.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim import payload
from bot.sim.model import SimError

if TYPE_CHECKING:
    from bot.sim.server import Simulator

UPLOAD_ROUTE = "/sim/uploads/{name}"


MAX_KEPT = 200  # images; a long-running simulator forgets the oldest


class Uploads:
    """Uploaded images by file name (their content hash: the same image, the same URL);
    the most recent MAX_KEPT, as a CDN that expires old files."""

    def __init__(self) -> None:
        self.images: OrderedDict[str, tuple[bytes, str]] = OrderedDict()

    def add(self, data: bytes, mime: str) -> str:
        name = f"{hashlib.sha256(data).hexdigest()[:24]}.{mime.split('/', 1)[1]}"
        self.images[name] = (data, mime)
        self.images.move_to_end(name)
        while len(self.images) > MAX_KEPT:
            self.images.popitem(last=False)
        return name

    def get(self, name: str) -> tuple[bytes, str] | None:
        return self.images.get(name)

    def reset(self) -> None:
        self.images.clear()


def upload(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """The answer to one upload (SimError for a refusal)."""
    images = body.get("base64Array")
    if not isinstance(images, list) or not images:
        raise SimError(4, "base64List参数错误")
    decoded = [payload.image(value) for value in images]  # all or nothing
    names = [sim.uploads.add(data, mime) for data, mime in decoded]
    urls = [sim.base_url + UPLOAD_ROUTE.format(name=name) for name in names]
    return {"code": 1, "description": "提交成功", "result": urls, "properties": {}}


def upload_routes(sim: Simulator) -> list[web.RouteDef]:
    """Serving uploaded images (no auth, like a CDN)."""

    async def image(request: web.Request) -> web.StreamResponse:
        found = sim.uploads.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        sim.log.record_image()
        data, content_type = found
        return web.Response(body=data, content_type=content_type)

    return [web.get(UPLOAD_ROUTE, image)]
