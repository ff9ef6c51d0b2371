"""A task's life on the manual clock, images, ids, prefixes and the request log."""

from __future__ import annotations

import httpx

from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from tests.sim.helpers import client_for, decode_png, fetch, submit


async def test_imagine_runs_to_success_with_real_pngs(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    answer = (
        await client.post(
            "/mj/submit/imagine", json={"prompt": "a red fox --ar 3:2", "state": "guild:1:msg:2"}
        )
    ).json()
    assert answer["code"] == 1 and answer["description"] == "提交成功"
    assert answer["properties"]["discordInstanceId"] and answer["properties"]["discordChannelId"]
    task_id = answer["result"]
    assert isinstance(task_id, str) and len(task_id) == 16 and task_id.isdigit()

    seen = []
    for _ in range(10):
        task = await fetch(client, task_id)
        seen.append((task["status"], task["progress"]))
        if task["status"] == "IN_PROGRESS" and task["progress"] != "0%":
            preview = await client.get(task["imageUrl"])
            assert preview.headers["content-type"] == "image/png"
            assert decode_png(preview.content)[:2] == (128, 85)  # half-size preview
        clock.advance(1.0)
    assert seen == [
        ("NOT_START", "0%"),
        ("SUBMITTED", "0%"),
        *[("IN_PROGRESS", f"{p}%") for p in (0, 15, 31, 46, 62, 78, 93)],
        ("SUCCESS", "100%"),
    ]
    assert task["id"] == task_id and task["action"] == "IMAGINE"
    assert task["prompt"] == task["promptEn"] == "a red fox --ar 3:2"
    assert task["description"] == "/imagine a red fox --ar 3:2"
    assert task["state"] == "guild:1:msg:2"
    assert task["properties"]["finalPrompt"] == "a red fox --ar 3:2 --v 6.1"
    assert task["submitTime"] < task["startTime"] < task["finishTime"]
    assert task["failReason"] is None
    assert task["imageUrl"].startswith(f"{sim.base_url}/sim/images/{task_id}/")
    final = await client.get(task["imageUrl"])
    assert final.status_code == 200 and final.headers["content-type"] == "image/png"
    assert decode_png(final.content)[:2] == (256, 170)
    labels = [b["label"] or b["emoji"] for b in task["buttons"]]
    assert labels == ["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"]
    job_hash = task["properties"]["messageHash"]
    assert task["buttons"][0] == {
        "customId": f"MJ::JOB::upsample::1::{job_hash}",
        "emoji": "",
        "label": "U1",
        "type": 2,
        "style": 2,
    }
    assert f"MJ::JOB::reroll::0::{job_hash}::SOLO" == task["buttons"][4]["customId"]


async def test_buttons_only_on_success_and_hash_fresh_per_task(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await submit(client, "/mj/submit/imagine", {"prompt": "one"})
    second = await submit(client, "/mj/submit/imagine", {"prompt": "two"})
    assert first != second
    assert (await fetch(client, first))["buttons"] == []
    clock.advance(100)
    a, b = await fetch(client, first), await fetch(client, second)
    assert a["properties"]["messageHash"] != b["properties"]["messageHash"]


async def test_ids_are_unique_16_digit_strings(client: httpx.AsyncClient) -> None:
    ids = [await submit(client, "/mj/submit/imagine", {"prompt": f"p{i}"}) for i in range(30)]
    assert len(set(ids)) == 30
    assert all(len(i) == 16 and i.isdigit() for i in ids)


async def test_speed_prefixes_are_recorded(sim: Simulator, client: httpx.AsyncClient) -> None:
    modes = {"": None, "/mj-fast": "FAST", "/mj-relax": "RELAX", "/mj-turbo": "TURBO"}
    for prefix, mode in modes.items():
        task_id = await submit(client, f"{prefix}/mj/submit/imagine", {"prompt": "cat"})
        assert (await client.get(f"{prefix}/mj/task/{task_id}/fetch")).json()["mode"] == mode
    records = sim.records("submit/imagine")
    assert [r.mode for r in records] == list(modes.values())
    assert records[0].method == "POST" and records[0].body_json == {"prompt": "cat"}
    assert sim.count("submit/imagine") == 4 and sim.count("task/fetch") == 4
    stats = (await client.get("/sim/stats")).json()
    assert stats["submit/imagine"] == 4 and stats["total"] == 8


async def test_cancel_and_image_seed(client: httpx.AsyncClient, clock: ManualClock) -> None:
    running = await submit(client, "/mj/submit/imagine", {"prompt": "to cancel"})
    clock.advance(3)
    answer = (await client.post(f"/mj/task/{running}/cancel")).json()
    assert answer == {"code": 1, "description": "成功"}
    clock.advance(100)
    assert (await fetch(client, running))["status"] == "CANCEL"
    assert (await client.post(f"/mj/task/{running}/cancel")).json()["code"] == 4
    assert (await client.get(f"/mj/task/{running}/image-seed")).json()["code"] == 4

    done = await submit(client, "/mj/submit/imagine", {"prompt": "seeded"})
    clock.advance(100)
    seed = (await client.get(f"/mj/task/{done}/image-seed")).json()
    assert seed["code"] == 1 and seed["description"] == "成功"
    assert isinstance(seed["result"], str) and seed["result"].isdigit()
    assert (await client.post("/mj/task/404/cancel")).json()["code"] == 3


async def test_unknown_task_fetch_is_null_in_plus(client: httpx.AsyncClient) -> None:
    response = await client.get("/mj/task/1234567890123456/fetch")
    assert response.status_code == 200 and response.text == "null"


async def test_zero_step_seconds_finishes_instantly() -> None:
    async with running_simulator(SimConfig(step_seconds=0)) as sim, client_for(sim) as http:
        task_id = await submit(http, "/mj/submit/imagine", {"prompt": "now"})
        assert (await fetch(http, task_id))["status"] == "SUCCESS"
