"""The simulator's new-api style billing endpoints, and the client's quota from them, over
real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.core.mj.billing import Quota
from bot.core.mj.schemas import SpeedMode
from bot.sim import SimConfig, Simulator, running_simulator
from tests.conftest import API_KEY, make_client
from tests.sim.helpers import client_for, submit

SUBSCRIPTION = "/v1/dashboard/billing/subscription"
USAGE = "/v1/dashboard/billing/usage"


async def test_deterministic_figures(sim: Simulator, client: httpx.AsyncClient) -> None:
    subscription = await client.get(SUBSCRIPTION)
    assert subscription.status_code == 200
    assert subscription.json() == {
        "object": "billing_subscription",
        "has_payment_method": True,
        "soft_limit_usd": 100.0,
        "hard_limit_usd": 100.0,
        "system_hard_limit_usd": 100.0,
        "access_until": 0,
    }
    assert (await client.get(USAGE)).json() == {"object": "list", "total_usage": 1250.0}
    # the paths without /v1 answer the same, as in new-api
    assert (await client.get("/dashboard/billing/usage")).json()["total_usage"] == 1250.0

    await submit(client, "/mj/submit/imagine", {"prompt": "a fox"})
    await submit(client, "/mj-fast/mj/submit/imagine", {"prompt": "a fast fox"})
    assert (await client.get(USAGE)).json()["total_usage"] == 1260.0  # 5 cents a submit
    assert sim.count("billing/usage") == 3 and sim.count("billing/subscription") == 1
    assert sim.count() == 2  # "total" still counts midjourney requests only


async def test_a_refused_submit_costs_nothing(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.queue_full = True
    answer = (await client.post("/mj/submit/imagine", json={"prompt": "p"})).json()
    assert answer["code"] == 23
    assert (await client.get(USAGE)).json()["total_usage"] == 1250.0


async def test_unsupported_like_an_aggregator_without_them(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    changed = await client.post("/sim/faults", json={"billing_unsupported": True})
    assert changed.json()["billing_unsupported"] is True
    for path in (SUBSCRIPTION, USAGE):
        assert (await client.get(path)).status_code == 404
    await client.post("/sim/reset")
    assert (await client.get(SUBSCRIPTION)).status_code == 200


async def test_the_key_is_needed() -> None:
    async with running_simulator(SimConfig(api_key="secret")) as sim:
        async with client_for(sim) as anonymous:
            refused = await anonymous.get(SUBSCRIPTION)
            assert refused.status_code == 401
            assert refused.json()["error"]["type"] == "new_api_error"
        async with client_for(sim, Authorization="Bearer sk-secret") as keyed:
            assert (await keyed.get(SUBSCRIPTION)).status_code == 200


async def test_figures_can_be_changed(sim: Simulator, client: httpx.AsyncClient) -> None:
    changed = await client.post("/sim/billing", json={"limit_usd": 5, "used_cents": 499.5})
    assert changed.json() == {"limit_usd": 5.0, "used_cents": 499.5, "cost_cents": 5.0}
    assert (await client.get(SUBSCRIPTION)).json()["hard_limit_usd"] == 5.0
    for bad in ({"limit_usd": -1}, {"limit_usd": True}, {"nope": 1}, [1]):
        assert (await client.post("/sim/billing", json=bad)).status_code == 400
    assert (await client.get("/sim/billing")).json()["limit_usd"] == 5.0
    sim.reset()
    assert sim.billing.limit_usd == 100.0 and sim.billing.used_cents == 1250.0


# ---------------------------------------------------------------- the client


async def test_the_client_reads_the_quota(sim: Simulator, http: httpx.AsyncClient) -> None:
    client = make_client(sim, http, speed_mode=SpeedMode.FAST)  # billing is at the root
    assert await client.billing_quota() == Quota(limit_usd=100.0, used_usd=12.5)
    await client.imagine("a fox")
    quota = await client.billing_quota()
    assert quota is not None and quota.remaining_usd == pytest.approx(87.45)


async def test_relay_flavour(http: httpx.AsyncClient) -> None:
    async with running_simulator(SimConfig(flavor="relay", api_key=API_KEY)) as sim:
        sim.billing.update({"limit_usd": 20, "used_cents": 2000})
        assert await make_client(sim, http).billing_quota() == Quota(20.0, 20.0)


async def test_none_where_there_is_no_quota(
    sim: Simulator, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(sim, http)
    sim.faults.billing_unsupported = True
    with caplog.at_level(logging.INFO):
        assert await client.billing_quota() is None
        sim.faults.billing_unsupported = False
        sim.config.api_key = "another-key"
        assert await client.billing_quota() is None
    assert "HTTP 404" in caplog.text and "HTTP 401" in caplog.text
    assert API_KEY not in caplog.text and API_KEY.removeprefix("sk-") not in caplog.text


async def test_none_when_the_aggregator_is_gone(http: httpx.AsyncClient) -> None:
    async with running_simulator() as gone:
        pass
    assert await make_client(gone, http).billing_quota() is None
