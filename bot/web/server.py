"""One aiohttp server in the bot process. Each feature adds its routes; the server only
binds, logs and closes. The access log names the route, never the path: paths and
query strings carry per-job secrets."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # the default cap; a route may read less


class RouteAccessLogger(AbstractAccessLogger):
    """`GET /push/{job} 204 3 ms`: the matched route's pattern, not the request's path."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        route = "unmatched"
        if isinstance(request, web.Request):
            resource = request.match_info.route.resource
            if resource is not None:
                route = resource.canonical
        self.logger.info("%s %s %d %.0f ms", request.method, route, response.status, time * 1000)


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (`[::1]:8080` for IPv6) -> (host, port); ValueError if not."""
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("must be host:port, e.g. 127.0.0.1:8080")
    return host, int(port)


class WebServer:
    def __init__(self, host: str, port: int, *, max_body: int = MAX_BODY_BYTES) -> None:
        self._host = host
        self._port = port
        self.app = web.Application(client_max_size=max_body)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    def add_routes(self, routes: Sequence[web.RouteDef]) -> None:
        """Before `start`: aiohttp freezes the router then."""
        self.app.add_routes(routes)

    async def start(self) -> None:
        """Bind and serve; when that fails (a port in use) nothing is left open."""
        self._runner = web.AppRunner(
            self.app,
            access_log=logging.getLogger("bot.web.access"),
            access_log_class=RouteAccessLogger,
        )
        try:
            await self._runner.setup()
            self._site = web.TCPSite(self._runner, self._host, self._port)
            await self._site.start()
        except BaseException:
            await self.stop()
            raise
        log.info("web server listening on %s", self.base_url)

    @property
    def port(self) -> int:
        """The bound port (the chosen one when started with port 0)."""
        addresses = self._runner.addresses if self._runner is not None else []
        return int(addresses[0][1]) if addresses else self._port

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        """Close; safe to call more than once, or after `start` failed."""
        runner, self._runner, self._site = self._runner, None, None
        if runner is not None:
            await runner.cleanup()
