"""The web server itself: on only with WEB_LISTEN, closed with the bot, and an access log
that names routes, never paths (they carry secrets)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.web.server import WebServer, parse_listen
from tests.e2e.harness import harness, web_settings


def test_listen_values_are_checked() -> None:
    assert parse_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:0") == ("::1", 0)
    for bad in ("8080", "host:", ":80", "host:http", "host:70000"):
        with pytest.raises(ValueError, match="host:port"):
            parse_listen(bad)


async def test_the_access_log_names_the_route_not_the_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(status=204)

    server = WebServer("127.0.0.1", 0)
    server.add_routes([web.post("/hook/{job}/{secret}", ok)])
    await server.start()
    try:
        with caplog.at_level(logging.INFO, logger="bot.web.access"):
            async with httpx.AsyncClient() as http:
                hit = await http.post(f"{server.base_url}/hook/12/s3cr3t-value?x=s3cr3t-query")
                missing = await http.get(f"{server.base_url}/nothing/s3cr3t-path")
        assert (hit.status_code, missing.status_code) == (204, 404)
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.web.access"]
        assert any(line.startswith("POST /hook/{job}/{secret} 204") for line in lines)
        assert all("s3cr3t" not in line for line in lines)
    finally:
        await server.stop()


async def test_the_bot_serves_http_only_with_web_listen(tmp_path: Path) -> None:
    async with harness(tmp_path / "off") as h:
        assert h.app.web is None
    async with harness(tmp_path / "on", **web_settings()) as h:
        url = h.web_url
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{url}/nothing")).status_code == 404
    async with httpx.AsyncClient() as http:  # closed with the bot
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{url}/nothing")
