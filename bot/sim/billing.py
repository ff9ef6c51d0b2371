"""OpenAI-style billing endpoints, as new-api / one-api serve them at the server's root:

    GET /v1/dashboard/billing/subscription  {"object": "billing_subscription",
                                             "hard_limit_usd": 100.0, ...}
    GET /v1/dashboard/billing/usage         {"object": "list", "total_usage": 1250.0}

`total_usage` is in cents (US$0.01). The same key as the API is needed (new-api's token
auth). Values are deterministic: a limit of $100.00, $12.50 used at start, and 5 cents
more per accepted submit. The fault `billing_unsupported` answers 404, like a proxy or
an aggregator without them. `GET/POST /sim/billing` shows or changes the figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim.app import json_response, update_from_json

if TYPE_CHECKING:
    from bot.sim.server import Simulator

PREFIXES = ("/v1/dashboard/billing", "/dashboard/billing")
_INVALID_TOKEN = {"error": {"message": "无效的令牌", "type": "new_api_error"}}


@dataclass
class Billing:
    limit_usd: float = 100.0
    used_cents: float = 1250.0
    cost_cents: float = 5.0  # charged per accepted submit

    def charge(self) -> None:
        self.used_cents += self.cost_cents

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(Billing(), f.name))

    def update(self, data: dict[str, Any]) -> None:
        """All-or-nothing; ValueError naming the bad field."""
        known = {f.name for f in fields(self)}
        for name, value in data.items():
            if name not in known:
                raise ValueError(f"unknown billing field {name!r}")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a non-negative number")
        for name, value in data.items():
            setattr(self, name, float(value))

    def subscription(self) -> dict[str, Any]:
        limit = round(self.limit_usd, 6)
        return {
            "object": "billing_subscription",
            "has_payment_method": True,
            "soft_limit_usd": limit,
            "hard_limit_usd": limit,
            "system_hard_limit_usd": limit,
            "access_until": 0,
        }

    def usage(self) -> dict[str, Any]:
        return {"object": "list", "total_usage": round(self.used_cents, 6)}


def billing_routes(sim: Simulator, authorized: Callable[[web.Request], bool]) -> list[web.RouteDef]:
    def endpoint(name: str) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            sim.log.record_other(f"billing/{name}")
            if sim.faults.billing_unsupported:
                return web.Response(status=404, text="404 page not found")
            if not authorized(request):
                return json_response(_INVALID_TOKEN, 401)
            billing = sim.billing
            return json_response(
                billing.subscription() if name == "subscription" else billing.usage()
            )

        return handler

    async def show(request: web.Request) -> web.StreamResponse:
        return json_response(asdict(sim.billing))

    async def change(request: web.Request) -> web.StreamResponse:
        return await update_from_json(request, sim.billing.update, lambda: asdict(sim.billing))

    routes = [
        web.get(f"{prefix}/{name}", endpoint(name))
        for prefix in PREFIXES
        for name in ("subscription", "usage")
    ]
    return [*routes, web.get("/sim/billing", show), web.post("/sim/billing", change)]
