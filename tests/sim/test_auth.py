"""API-key checks when the simulator is started with a key."""

from __future__ import annotations

import httpx
import pytest

from bot.sim import SimConfig, running_simulator
from tests.sim.helpers import client_for


@pytest.mark.parametrize(
    ("configured", "headers", "status"),
    [
        ("secret", {"Authorization": "Bearer secret"}, 200),
        ("secret", {"Authorization": "bearer sk-secret"}, 200),
        ("sk-secret", {"Authorization": "Bearer secret"}, 200),
        ("sk-secret", {"Authorization": "Bearer sk-secret"}, 200),
        ("secret", {"mj-api-secret": "secret"}, 200),
        ("secret", {"Authorization": "midjourney-proxy", "mj-api-secret": "secret"}, 200),
        ("secret", {}, 401),
        ("secret", {"Authorization": "Bearer wrong"}, 401),
        ("secret", {"Authorization": "secret"}, 401),
        ("secret", {"mj-api-secret": "wrong"}, 401),
    ],
)
async def test_key_headers(configured: str, headers: dict[str, str], status: int) -> None:
    async with (
        running_simulator(SimConfig(api_key=configured)) as sim,
        client_for(sim, **headers) as client,
    ):
        response = await client.post("/mj/submit/imagine", json={"prompt": "p"})
        assert response.status_code == status
        if status == 401:
            assert response.content == b""  # the proxies send no body
        assert (await client.get("/sim/stats")).status_code == 200
        fetched = await client.get("/mj/task/1/fetch")
        assert fetched.status_code == status


async def test_relay_denial_has_a_json_body() -> None:
    async with (
        running_simulator(SimConfig(api_key="k", flavor="relay")) as sim,
        client_for(sim) as client,
    ):
        response = await client.get("/mj/task/1/fetch")
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "new_api_error"


async def test_images_need_no_key() -> None:
    async with running_simulator(SimConfig(api_key="k", step_seconds=0)) as sim:
        async with client_for(sim, Authorization="Bearer k") as client:
            task_id = (await client.post("/mj/submit/imagine", json={"prompt": "p"})).json()[
                "result"
            ]
            url = (await client.get(f"/mj/task/{task_id}/fetch")).json()["imageUrl"]
        async with httpx.AsyncClient(trust_env=False) as anonymous:
            assert (await anonymous.get(url)).status_code == 200
