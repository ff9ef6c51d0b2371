"""The web server itself: on only with WEB_LISTEN, closed with the bot, and an access log
that names routes, never paths (they carry secrets)."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.app import build, started
from bot.config import Settings
from bot.core.storage import open_storage
from bot.logging_setup import SecretRedactor
from bot.sim import SimConfig, running_simulator
from bot.web.server import WebServer, parse_listen
from bot.web.wiring import web_warnings
from tests.e2e.harness import free_port, harness, make_settings, web_settings
from tests.fakes import running_fake_discord


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


def test_editor_tokens_in_paths_are_blanked_from_logs() -> None:
    redact = SecretRedactor([]).redact
    text = redact(
        "GET https://bot.example.test/editor/AbC-_x0123456789xyzAbC-_x0123456789xyzAbC/image"
        " then POST /editor/Zz9-Zz9_Zz9 and GET /editor/static/editor.js"
    )
    assert "AbC-_x0123456789" not in text and "Zz9-Zz9_Zz9" not in text
    assert "/editor/***/image" in text and "POST /editor/*** and" in text
    assert "/editor/static/editor.js" in text  # the page's own files are no secret


def _settings(**values: Any) -> Settings:
    base = {"discord_token": "t", "mj_api_base_url": "http://agg.test", "mj_api_key": "k"}
    return Settings(_env_file=None, **base, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "warned"),
    [
        ({}, []),
        ({"web_listen": "127.0.0.1:8080"}, []),
        ({"web_listen": "0.0.0.0:8080", "public_url": "https://bot.example.test"}, []),
        ({"web_listen": "127.0.0.1:8080", "public_url": "http://127.0.0.1:8080"}, []),
        ({"web_listen": "127.0.0.1:8080", "public_url": "http://localhost:8080"}, []),
        ({"web_listen": "[::1]:8080", "public_url": "http://[::1]:8080"}, []),
        ({"public_url": "https://bot.example.test"}, ["WEB_LISTEN"]),
        ({"web_listen": "0.0.0.0:8080", "public_url": "http://bot.example.test"}, ["http://"]),
        ({"web_listen": "0.0.0.0:8080", "public_url": "http://192.168.1.5:8080"}, ["http://"]),
        ({"public_url": "http://bot.example.test"}, ["WEB_LISTEN", "http://"]),
    ],
)
def test_public_url_without_web_listen_or_tls_is_warned_about(
    values: dict[str, str], warned: list[str]
) -> None:
    warnings = web_warnings(_settings(**values))
    assert len(warnings) == len(warned)
    for warning, word in zip(warnings, warned, strict=True):
        assert word in warning


async def test_public_url_without_web_listen_asks_for_no_callbacks(tmp_path: Path) -> None:
    async with harness(tmp_path, public_url=f"http://127.0.0.1:{free_port()}") as h:
        assert h.app.web is None
        inter = await h.command("imagine", {"prompt": "a lighthouse"})
        await h.wait_final(inter.token)
        body = h.sim.records("submit/imagine")[-1].body_json
        assert isinstance(body, dict) and "notifyHook" not in body
        (job,) = await h.jobs()
        assert await h.storage.jobs.push_secret_of(job.id) is None


async def test_a_port_in_use_fails_the_start_and_stops_what_had_started(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with (
            running_fake_discord() as fake,
            running_simulator(SimConfig(step_seconds=0.03)) as sim,
            httpx.AsyncClient() as http,
        ):
            listen = {"web_listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}
            settings = make_settings(sim, fake, tmp_path / "bot.db", **listen)
            storage = await open_storage(path=tmp_path / "bot.db")
            try:
                app = build(settings, http, storage)
                assert app.web is not None
                with pytest.raises(OSError):
                    async with started(app):
                        raise AssertionError("the bot started on a port in use")
                await asyncio.sleep(0)
                running = {t.get_name() for t in asyncio.all_tasks() if not t.done()}
                assert not running & {"mj-tracker", "operator-alerts", "private-handover"}
                assert not app.core.tracker.running
                await app.web.stop()  # stopping again is harmless
            finally:
                await storage.close()
