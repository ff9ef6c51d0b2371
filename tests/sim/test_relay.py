"""The new-api aggregator flavour and its quirks."""

from __future__ import annotations

import httpx
import pytest

from bot.sim import ManualClock, SimConfig, Simulator
from tests.sim.helpers import button, decode_png, png_data_url, serving, submit

RELAY = SimConfig(flavor="relay")


async def _fetch(client: httpx.AsyncClient, task_id: str) -> dict:
    return (await client.get(f"/mj/task/{task_id}/fetch")).json()


async def test_fetch_dto(clock: ManualClock) -> None:
    async with serving(RELAY, clock) as (sim, client, _):
        task_id = await submit(client, "/mj/submit/imagine", {"prompt": "a fox", "state": "s"})
        first = await _fetch(client, task_id)
        assert first["status"] == "" and first["progress"] == ""
        assert "buttons" not in first
        assert first["properties"] == {"finalPrompt": "a fox --v 6.1", "finalZhPrompt": ""}
        assert first["description"] == "提交成功" and first["customId"] == ""
        assert first["startTime"] == 0 and first["finishTime"] == 0 and first["imageUrl"] == ""
        assert (await _fetch(client, task_id))["status"] == "NOT_START"
        clock.advance(5)
        running = await _fetch(client, task_id)
        assert running["status"] == "IN_PROGRESS" and "buttons" not in running
        assert running["imageUrl"].startswith(f"{sim.base_url}/mj/image/{task_id}?rand=")
        clock.advance(100)
        done = await _fetch(client, task_id)
        assert done["status"] == "SUCCESS" and len(done["buttons"]) == 9
        assert set(done["properties"]) == {"finalPrompt", "finalZhPrompt"}
        assert done["imageUrl"] == f"{sim.base_url}/mj/image/{task_id}"
        image = await client.get(done["imageUrl"])
        assert image.headers["content-type"] == "image/png"
        assert decode_png(image.content)[:2] == (256, 256)


async def test_first_query_blank_in_lists_too(clock: ManualClock) -> None:
    async with serving(RELAY, clock) as (_, client, _):
        task_id = await submit(client, "/mj/submit/imagine", {"prompt": "a fox"})
        clock.advance(100)
        body = {"ids": [task_id]}
        first = (await client.post("/mj/task/list-by-condition", json=body)).json()
        assert first[0]["status"] == "" and "buttons" not in first[0]
        second = (await client.post("/mj/task/list-by-condition", json=body)).json()
        assert second[0]["status"] == "SUCCESS" and second[0]["buttons"]


async def test_errors_are_http_400(clock: ManualClock) -> None:
    async with serving(RELAY, clock) as (_, client, _):
        missing = await client.get("/mj/task/1234567890123456/fetch")
        assert missing.status_code == 400
        assert missing.json() == {
            "code": 4,
            "description": "task_no_found ",
            "type": "upstream_error",
        }
        blank = await client.post("/mj/submit/imagine", json={"prompt": ""})
        assert blank.status_code == 400
        assert blank.json() == {
            "code": 4,
            "description": "prompt不能为空",
            "type": "upstream_error",
        }


@pytest.mark.parametrize(
    "custom_id",
    ["MJ::Job::PicReader::1", "MJ::Picread::Retry", "MJ::Job::PromptAnalyzer::abc::2"],
)
async def test_describe_and_shorten_buttons_are_unknown_actions(
    clock: ManualClock, custom_id: str
) -> None:
    async with serving(RELAY, clock) as (_, client, _):
        described = await submit(client, "/mj/submit/describe", {"base64": png_data_url()})
        clock.advance(100)
        response = await client.post(
            "/mj/submit/action", json={"taskId": described, "customId": custom_id}
        )
        assert response.status_code == 400
        assert response.json() == {
            "description": f"unknown_action:{custom_id} ",
            "type": "upstream_error",
            "code": 4,
        }


async def test_code_rewriting(clock: ManualClock) -> None:
    async with serving(SimConfig(flavor="relay", remix=True), clock) as (sim, client, _):
        sim.faults.queue_position = 1
        queued = (await client.post("/mj/submit/imagine", json={"prompt": "a fox"})).json()
        assert queued["code"] == 1 and isinstance(queued["result"], str)
        sim.faults.queue_position = None
        grid_id = queued["result"]
        clock.advance(100)
        await _fetch(client, grid_id)  # burn the blank first answer
        grid = await _fetch(client, grid_id)
        remix = (
            await client.post(
                "/mj/submit/action",
                json={"taskId": grid_id, "customId": button(grid, label="V1")},
            )
        ).json()
        assert remix["code"] == 1 and remix["description"] == "Waiting for window confirm"
        await _fetch(client, remix["result"])
        assert (await _fetch(client, remix["result"]))["status"] == "MODAL"
        upscale_id = await submit(
            client, "/mj/submit/action", {"taskId": grid_id, "customId": button(grid, label="U1")}
        )
        clock.advance(100)
        await _fetch(client, upscale_id)
        upscale = await _fetch(client, upscale_id)
        for label in ("Custom Zoom", "Vary (Region)"):
            answer = (
                await client.post(
                    "/mj/submit/action",
                    json={"taskId": upscale_id, "customId": button(upscale, label=label)},
                )
            ).json()
            assert answer["code"] == 21
        heart = await client.post(
            "/mj/submit/action",
            json={"taskId": upscale_id, "customId": button(upscale, emoji="❤️")},
        )
        assert heart.status_code == 400


async def test_failure_progress_and_result_as_number(clock: ManualClock) -> None:
    async with serving(RELAY, clock) as (sim, client, _):
        sim.faults.result_as_number = True
        answer = (await client.post("/mj/submit/imagine", json={"prompt": "sim:fail"})).json()
        assert isinstance(answer["result"], int)
        task_id = str(answer["result"])
        clock.advance(100)
        await _fetch(client, task_id)
        failed = await _fetch(client, task_id)
        assert failed["status"] == "FAILURE" and failed["progress"] == "100%"
        assert failed["failReason"] == "[Invalid parameter] Simulated failure"


def test_unknown_flavor_is_rejected() -> None:
    with pytest.raises(ValueError):
        SimConfig(flavor="trueai")


async def test_plus_keeps_null_fields(sim: Simulator, client: httpx.AsyncClient) -> None:
    task = await _fetch(client, await submit(client, "/mj/submit/imagine", {"prompt": "p"}))
    assert task["startTime"] is None and task["imageUrl"] is None and task["buttons"] == []
    assert task["properties"]["discordInstanceId"]
