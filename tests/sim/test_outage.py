"""The aggregator gone for a while: refused, then back on the same port, its tasks kept."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.sim import ManualClock, Simulator
from tests.sim.helpers import client_for, finished, submit

IMAGINE = "/mj/submit/imagine"


async def test_gone_refuses_connections_then_comes_back_with_its_tasks(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    task_id = await submit(client, IMAGINE, {"prompt": "before the outage"})
    port = sim.port
    await sim.go_away()
    assert sim.away
    with pytest.raises(httpx.TransportError):  # the kept-alive connection was cut too
        await client.get(f"/mj/task/{task_id}/fetch")
    with pytest.raises(httpx.ConnectError):  # and no new one is taken
        await client.post(IMAGINE, json={"prompt": "while away"})

    await sim.come_back()
    assert not sim.away and sim.port == port
    assert (await finished(client, clock, task_id))["status"] == "SUCCESS"
    assert sim.count("submit/imagine") == 1  # the refused submit never arrived


async def test_a_request_in_flight_is_cut_without_an_answer(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.faults.timeout_seconds, sim.faults.timeouts = 5.0, 1
    pending = asyncio.create_task(client.post(IMAGINE, json={"prompt": "cut off"}))
    await asyncio.sleep(0)
    while sim.count("submit/imagine") == 0:  # noqa: ASYNC110  # until the server has it
        await asyncio.sleep(0.01)
    await sim.go_away()
    with pytest.raises(httpx.RemoteProtocolError):
        await pending
    await sim.come_back()


async def test_outage_over_http_answers_first_then_is_gone_for_that_long(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    answer = await client.post("/sim/outage", json={"seconds": 0.3})
    assert answer.status_code == 200 and answer.json() == {"away_seconds": 0.3}
    async with client_for(sim) as fresh:
        while not sim.away:  # noqa: ASYNC110  # it goes away right after answering
            await asyncio.sleep(0.01)
        with pytest.raises(httpx.ConnectError):
            await fresh.get("/sim/stats")
        while sim.away:  # noqa: ASYNC110  # and comes back on its own
            await asyncio.sleep(0.02)
        assert (await fresh.get("/sim/stats")).status_code == 200


@pytest.mark.parametrize("body", [{}, {"seconds": 0}, {"seconds": "10"}, {"seconds": 601}])
async def test_outage_needs_a_sensible_duration(
    sim: Simulator, client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    answer = await client.post("/sim/outage", json=body)
    assert answer.status_code == 400 and "seconds" in answer.json()["error"]
    assert not sim.away
    assert (await client.get("/sim/stats")).status_code == 200  # still serving
