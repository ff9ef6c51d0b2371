"""An image host on 127.0.0.1 that remembers every request: proof that the bot did not
fetch a link a user gave."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.sim.png import encode_png

PNG = encode_png(16, 16, lambda y: b"\x30\x70\xb0" * 16)


@asynccontextmanager
async def recording_server() -> AsyncIterator[tuple[str, list[str]]]:
    """An image host on 127.0.0.1 that remembers every request it gets."""
    hits: list[str] = []

    async def serve(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", hits
    finally:
        await runner.cleanup()
