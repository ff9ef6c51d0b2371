"""Finding tasks without their id: the page query by `state` (plus), the task list, their
404 switches, and the fault that makes a task and loses its submit's answer."""

from __future__ import annotations

import httpx
import pytest

from bot.sim import ManualClock, SimConfig, Simulator
from tests.sim.helpers import serving, submit

IMAGINE = "/mj/submit/imagine"
QUERY = "/mj/task/query"


async def test_the_page_query_finds_a_task_by_its_state(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    ours = await submit(client, IMAGINE, {"prompt": "fox", "state": "abc:7"})
    await submit(client, IMAGINE, {"prompt": "owl", "state": "abc:8"})
    await submit(client, IMAGINE, {"prompt": "cat"})
    clock.advance(1000)

    page = (await client.post(QUERY, json={"state": "abc:7"})).json()
    assert [t["id"] for t in page["content"]] == [ours]
    assert page["content"][0]["state"] == "abc:7" and page["content"][0]["status"] == "SUCCESS"
    assert (page["totalElements"], page["number"], page["size"]) == (1, 0, 10)
    nobody = (await client.post(QUERY, json={"state": "abc:9"})).json()
    assert nobody["content"] == [] and nobody["empty"] is True
    assert sim.count("task/query") == 2


async def test_the_page_query_pages_sorts_and_filters(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    ids = [await submit(client, IMAGINE, {"prompt": f"p{i}"}) for i in range(5)]
    first = (await client.post(QUERY, json={"pageNumber": 0, "pageSize": 2})).json()
    assert [t["id"] for t in first["content"]] == ids[::-1][:2]  # id,desc by default
    assert (first["totalElements"], first["totalPages"], first["last"]) == (5, 3, False)
    last = (await client.post(QUERY, json={"pageNumber": 2, "pageSize": 2})).json()
    assert [t["id"] for t in last["content"]] == [ids[0]] and last["last"] is True
    ascending = (await client.post(QUERY, json={"sort": "id,asc", "ids": ids[1:3]})).json()
    assert [t["id"] for t in ascending["content"]] == ids[1:3]
    running = (await client.post(QUERY, json={"statusSet": ["NOT_START"], "prompt": "p3"})).json()
    assert [t["id"] for t in running["content"]] == [ids[3]]
    refused = (await client.post(QUERY, json={"pageSize": 0})).json()
    assert refused["code"] == 4


async def test_the_task_list_holds_every_task_with_its_state(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    first = await submit(client, IMAGINE, {"prompt": "one", "state": "x:1"})
    second = await submit(client, IMAGINE, {"prompt": "two", "state": "x:2"})
    listed = (await client.get("/mj/task/list")).json()
    assert [(t["id"], t["state"]) for t in listed] == [(second, "x:2"), (first, "x:1")]


async def test_switches_turn_query_and_list_off(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.update({"task_query_unsupported": True, "task_list_unsupported": True})
    assert (await client.post(QUERY, json={"state": "a:1"})).status_code == 404
    assert (await client.get("/mj/task/list")).status_code == 404
    async with serving(SimConfig(flavor="relay")) as (_, relay, _clock):
        assert (await relay.post(QUERY, json={"state": "a:1"})).status_code == 404
        assert (await relay.get("/mj/task/list")).status_code == 404


async def test_a_lost_answer_hangs_but_the_task_exists(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.faults.update({"lose_submit_answers": 1, "lost_answer": "hang"})
    with pytest.raises(httpx.ReadTimeout):
        await client.post(IMAGINE, json={"prompt": "lost", "state": "s:1"}, timeout=0.2)
    (task,) = (await client.post(QUERY, json={"state": "s:1"})).json()["content"]
    assert task["prompt"] == "lost"
    assert sim.faults.lose_submit_answers == 0
    assert (await client.post(IMAGINE, json={"prompt": "answered"})).json()["code"] == 1


async def test_a_dropped_answer_closes_the_connection(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.faults.update({"lose_submit_answers": 1, "lost_answer": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(IMAGINE, json={"prompt": "dropped", "state": "s:2"})
    (task,) = (await client.post(QUERY, json={"state": "s:2"})).json()["content"]
    assert task["prompt"] == "dropped" and sim.count("submit/imagine") == 1


async def test_lost_answer_faults_over_http(sim: Simulator, client: httpx.AsyncClient) -> None:
    bad = await client.post("/sim/faults", json={"lost_answer": "maybe"})
    assert bad.status_code == 400 and "lost_answer" in bad.json()["error"]
    good = await client.post("/sim/faults", json={"lose_submit_answers": 2, "lost_answer": "drop"})
    assert good.json()["lose_submit_answers"] == 2 and good.json()["lost_answer"] == "drop"
