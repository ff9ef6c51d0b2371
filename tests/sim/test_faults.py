"""Every fault, in-process and over POST /sim/faults."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.sim import Faults, ManualClock, Simulator
from tests.sim.helpers import fetch, finished, imagine_done, submit

IMAGINE = "/mj/submit/imagine"


async def test_http_500_counts_down_and_respects_scope(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    task_id = await submit(client, IMAGINE, {"prompt": "p"})
    sim.faults.update({"http_500": 2, "fault_scope": "submit"})
    assert (await client.get(f"/mj/task/{task_id}/fetch")).status_code == 200  # out of scope
    assert (await client.post(IMAGINE, json={"prompt": "p"})).status_code == 500
    assert (await client.get("/sim/stats")).status_code == 200  # control plane never faults
    assert (await client.post(IMAGINE, json={"prompt": "p"})).status_code == 500
    assert (await client.post(IMAGINE, json={"prompt": "p"})).status_code == 200
    assert sim.faults.http_500 == 0
    sim.faults.update({"http_500": 1, "fault_scope": "query"})
    assert (await client.post(IMAGINE, json={"prompt": "p"})).status_code == 200
    assert (await client.get(f"/mj/task/{task_id}/fetch")).status_code == 500
    assert sim.count("submit/imagine") == 5  # faulted requests are still logged


async def test_timeouts_delay_the_answer(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.timeout_seconds, sim.faults.timeouts = 0.3, 2
    with pytest.raises(httpx.ReadTimeout):
        await client.post(IMAGINE, json={"prompt": "late"}, timeout=0.05)
    started = time.monotonic()
    assert (await client.post(IMAGINE, json={"prompt": "late"})).json()["code"] == 1
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    await client.post(IMAGINE, json={"prompt": "quick"})
    assert time.monotonic() - started < 0.25


async def test_invalid_json_and_unauthorized(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.invalid_json = 1
    garbled = await client.post(IMAGINE, json={"prompt": "p"})
    assert garbled.status_code == 200
    with pytest.raises(ValueError):
        garbled.json()
    sim.faults.unauthorized = 1
    denied = await client.post(IMAGINE, json={"prompt": "p"})
    assert denied.status_code == 401
    assert denied.json() == {"error": {"message": "invalid token", "type": "new_api_error"}}
    assert (await client.post(IMAGINE, json={"prompt": "p"})).json()["code"] == 1


async def test_queue_position(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    sim.faults.queue_position = 2
    answer = (await client.post(IMAGINE, json={"prompt": "queued"})).json()
    assert answer["code"] == 22 and answer["description"] == "排队中，前面还有2个任务"
    assert answer["properties"]["numberOfQueues"] == 2
    statuses = []
    for _ in range(4):
        statuses.append((await fetch(client, answer["result"]))["status"])
        clock.advance(1)
    assert statuses == ["NOT_START", "NOT_START", "NOT_START", "SUBMITTED"]


async def test_queue_full_and_banned_words(sim: Simulator, client: httpx.AsyncClient) -> None:
    banned = (await client.post(IMAGINE, json={"prompt": "a BannedWord here"})).json()
    assert banned["code"] == 24 and banned["description"] == "可能包含敏感词"
    assert banned["properties"] == {"promptEn": "a BannedWord here", "bannedWord": "bannedword"}
    sim.faults.banned_words = ["nude"]
    assert (await client.post(IMAGINE, json={"prompt": "bannedword"})).json()["code"] == 1
    sim.faults.queue_full = True
    full = (await client.post(IMAGINE, json={"prompt": "p"})).json()
    assert full["code"] == 23 and full["description"] == "队列已满，请稍后尝试"
    assert len(sim.engine.tasks) == 1


@pytest.mark.parametrize("how", ["fault", "prompt"])
async def test_fail_midway(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock, how: str
) -> None:
    sim.faults.fail_midway = how == "fault"
    task_id = await submit(client, IMAGINE, {"prompt": "sim:fail" if how == "prompt" else "p"})
    progress = []
    for _ in range(12):
        task = await fetch(client, task_id)
        progress.append(task["progress"])
        clock.advance(1)
    assert task["status"] == "FAILURE"
    assert task["failReason"] == "[Invalid parameter] Simulated failure"
    assert "46%" in progress and "62%" not in progress
    assert task["finishTime"] and task["buttons"] == []


@pytest.mark.parametrize("how", ["fault", "prompt"])
async def test_never_finish(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock, how: str
) -> None:
    sim.faults.never_finish = how == "fault"
    task_id = await submit(client, IMAGINE, {"prompt": "sim:stuck" if how == "prompt" else "p"})
    clock.advance(10_000)
    task = await fetch(client, task_id)
    assert task["status"] == "IN_PROGRESS" and task["progress"] == "62%"
    assert (await client.post(f"/mj/task/{task_id}/cancel")).json()["code"] == 1
    assert (await fetch(client, task_id))["status"] == "CANCEL"


async def test_list_faults_and_result_as_number(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    a = await submit(client, IMAGINE, {"prompt": "a"})
    b = await submit(client, IMAGINE, {"prompt": "b"})
    sim.faults.omit_from_list = {a}
    listed = (await client.post("/mj/task/list-by-condition", json={"ids": [a, b]})).json()
    assert [t["id"] for t in listed] == [b]
    assert (await fetch(client, a))["id"] == a
    sim.faults.list_unsupported = True
    assert (await client.post("/mj/task/list-by-condition", json={"ids": [b]})).status_code == 404
    sim.faults.result_as_number = True
    answer = (await client.post(IMAGINE, json={"prompt": "n"})).json()
    assert isinstance(answer["result"], int) and len(str(answer["result"])) == 16


async def test_faults_over_http_and_reset(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    done = await imagine_done(client, clock)
    body = {"http_500": 1, "omit_from_list": ["x"], "queue_position": 3, "fault_scope": "all"}
    current = (await client.post("/sim/faults", json=body)).json()
    assert current["http_500"] == 1 and current["omit_from_list"] == ["x"]
    assert sim.faults.omit_from_list == {"x"} and sim.faults.queue_position == 3
    assert (await client.get(done["imageUrl"])).status_code == 200  # images never fault
    assert (await client.get("/sim/faults")).json()["http_500"] == 1
    for bad in ({"http_500": -1}, {"nope": True}, {"fault_scope": "x"}, {"queue_full": "yes"}):
        assert (await client.post("/sim/faults", json=bad)).status_code == 400
    assert sim.faults.http_500 == 1  # rejected updates change nothing
    assert (await client.post("/sim/reset")).json() == {"ok": True}
    assert sim.faults == Faults() and sim.engine.tasks == {} and sim.count() == 0
    assert (await client.post(IMAGINE, json={"prompt": "p"})).json()["code"] == 1


def test_take_is_scoped_and_decrements() -> None:
    faults = Faults(http_500=1, fault_scope="query")
    assert not faults.take("http_500", "submit")
    assert faults.take("http_500", "query")
    assert not faults.take("http_500", "query")
    with pytest.raises(ValueError):
        faults.take("queue_full", "query")


async def test_failed_task_cannot_be_acted_on(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    task = await finished(client, clock, await submit(client, IMAGINE, {"prompt": "sim:fail"}))
    answer = (
        await client.post(
            "/mj/submit/action", json={"taskId": task["id"], "customId": "MJ::JOB::upsample::1::x"}
        )
    ).json()
    assert answer["code"] == 4 and answer["description"] == "关联任务状态错误"


async def test_rate_limited_answers_429_with_retry_after(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    task_id = await submit(client, IMAGINE, {"prompt": "p"})
    sim.faults.update({"rate_limited": 2, "retry_after": 7, "fault_scope": "query"})
    first = await client.get(f"/mj/task/{task_id}/fetch")
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    sim.faults.retry_after = None
    second = await client.get(f"/mj/task/{task_id}/fetch")
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert (await client.get(f"/mj/task/{task_id}/fetch")).status_code == 200
    assert sim.faults.rate_limited == 0
    with pytest.raises(ValueError):
        sim.faults.update({"retry_after": -1})
