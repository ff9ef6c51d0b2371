"""GET /metrics: the bot's registry in Prometheus' text format, by prometheus-client."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.metrics import BotMetrics


def metrics_routes(metrics: BotMetrics) -> list[web.RouteDef]:
    async def scrape(request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )

    return [web.get("/metrics", scrape)]
