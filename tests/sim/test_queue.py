"""GET /mj/task/queue: the tasks waiting or running, in queue order (novicezk/plus)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.sim import ManualClock, SimConfig, Simulator
from tests.sim.helpers import button, fetch, imagine_done, serving, submit

IMAGINE = "/mj/submit/imagine"


async def _queue(client: httpx.AsyncClient, prefix: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"{prefix}/mj/task/queue")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert isinstance(answer, list)
    return answer


def _ahead(queue: list[dict[str, Any]], task_id: str) -> int:
    """Not-started tasks listed ahead of `task_id` (which must be listed as not started)."""
    ids = [t["id"] for t in queue]
    assert queue[ids.index(task_id)]["status"] == "NOT_START"
    return sum(t["status"] == "NOT_START" for t in queue[: ids.index(task_id)])


async def test_unfinished_tasks_in_submit_order_as_fetch_shows_them(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    done = (await imagine_done(client, clock))["id"]
    first = await submit(client, IMAGINE, {"prompt": "first"})
    clock.advance(2)  # first: IN_PROGRESS
    second = await submit(client, IMAGINE, {"prompt": "second"})
    clock.advance(1)  # second: SUBMITTED
    third = await submit(client, IMAGINE, {"prompt": "third"})  # NOT_START

    queue = await _queue(client)

    assert [t["id"] for t in queue] == [first, second, third]  # finished ones are gone
    assert [t["status"] for t in queue] == ["IN_PROGRESS", "SUBMITTED", "NOT_START"]
    assert queue == [await fetch(client, task_id) for task_id in (first, second, third)]
    assert done not in {t["id"] for t in queue}
    assert sim.count("task/queue") == 1
    assert [r.method for r in sim.records("task/queue")] == ["GET"]


async def test_every_speed_prefix_answers_it(sim: Simulator, client: httpx.AsyncClient) -> None:
    task_id = await submit(client, IMAGINE, {"prompt": "fast"})
    for prefix in ("/mj-fast", "/mj-relax", "/mj-turbo"):
        assert [t["id"] for t in await _queue(client, prefix)] == [task_id]
    assert [r.mode for r in sim.records("task/queue")] == ["FAST", "RELAX", "TURBO"]


async def test_a_modal_task_joins_the_queue_when_confirmed(clock: ManualClock) -> None:
    async with serving(SimConfig(remix=True), clock) as (_, client, _):
        grid = await imagine_done(client, clock)
        answer = await client.post(
            "/mj/submit/action", json={"taskId": grid["id"], "customId": button(grid, label="V1")}
        )
        assert answer.json()["code"] == 21
        child = answer.json()["result"]
        assert await _queue(client) == []  # MODAL: waiting for the user, not in the queue
        await client.post("/mj/submit/modal", json={"taskId": child, "prompt": "a fox"})
        assert [t["id"] for t in await _queue(client)] == [child]


async def test_a_queued_task_waits_behind_tasks_that_start_one_per_step(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    sim.faults.queue_position = 2
    answer = (await client.post(IMAGINE, json={"prompt": "queued"})).json()
    assert answer["code"] == 22 and answer["properties"]["numberOfQueues"] == 2
    task_id = answer["result"]

    positions = []
    for _ in range(3):
        positions.append(_ahead(await _queue(client), task_id))
        clock.advance(1)
    assert positions == [2, 1, 0]
    # The tasks ahead are other users': nobody can fetch or list them.
    others = [t["id"] for t in await _queue(client) if t["id"] != task_id]
    assert len(others) == 2 and all(sim.engine.get(i) is None for i in others)
    assert (await fetch(client, task_id))["status"] == "SUBMITTED"
    clock.advance(100)
    assert await _queue(client) == []


async def test_a_second_queued_task_is_told_about_ours_waiting_ahead(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.faults.queue_position = 1
    first = (await client.post(IMAGINE, json={"prompt": "one"})).json()
    second = (await client.post(IMAGINE, json={"prompt": "two"})).json()
    assert first["properties"]["numberOfQueues"] == 1
    # One of another user and our first, then one of another user: three ahead.
    assert second["properties"]["numberOfQueues"] == 3
    assert second["description"] == "排队中，前面还有3个任务"
    assert _ahead(await _queue(client), second["result"]) == 3


async def test_it_can_be_switched_off(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.update({"queue_unsupported": True})
    response = await client.get("/mj/task/queue")
    assert response.status_code == 404
    assert sim.count("task/queue") == 1  # still logged
    sim.faults.reset()
    assert (await client.get("/mj/task/queue")).status_code == 200


async def test_relays_have_no_queue(clock: ManualClock) -> None:
    async with serving(SimConfig(flavor="relay"), clock) as (_, client, _):
        assert (await client.get("/mj/task/queue")).status_code == 404
