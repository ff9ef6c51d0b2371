"""POST /mj/task/list-by-condition."""

from __future__ import annotations

import httpx

from bot.sim import ManualClock, Simulator
from tests.sim.helpers import submit


async def test_list_returns_known_tasks_only(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    ids = [await submit(client, "/mj/submit/imagine", {"prompt": f"p{i}"}) for i in range(3)]
    clock.advance(100)
    wanted = [*ids, "1111111111111111"]
    response = await client.post("/mj/task/list-by-condition", json={"ids": wanted})
    assert response.status_code == 200
    tasks = response.json()
    assert sorted(t["id"] for t in tasks) == sorted(ids)
    assert [t["id"] for t in tasks] != ids  # no promised order
    assert all(t["status"] == "SUCCESS" and t["buttons"] for t in tasks)
    assert sim.listed_ids() == [wanted]
    assert sim.count("task/list-by-condition") == 1


async def test_list_edge_cases(sim: Simulator, client: httpx.AsyncClient) -> None:
    task_id = await submit(client, "/mj/submit/imagine", {"prompt": "p"})
    bodies: list[dict[str, list[str]] | None] = [{"ids": []}, {}, None]
    for body in bodies:
        response = await client.post("/mj/task/list-by-condition", json=body)
        assert response.status_code == 200 and response.json() == []
    numbers = await client.post("/mj/task/list-by-condition", json={"ids": [int(task_id)]})
    assert numbers.status_code == 400
    assert numbers.json() == {"code": 4, "description": "do_request_failed"}
    twice = await client.post("/mj/task/list-by-condition", json={"ids": [task_id, task_id]})
    assert [t["id"] for t in twice.json()] == [task_id]
    assert sim.listed_ids()[-1] == [task_id, task_id]
