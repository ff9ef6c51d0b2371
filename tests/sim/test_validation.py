"""Submit validation answers with the real servers' codes and texts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.sim import ManualClock
from tests.sim.helpers import png_data_url, submit

IMG = png_data_url()


async def _answer(client: httpx.AsyncClient, path: str, body: Any) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("path", "body", "code", "description"),
    [
        ("/mj/submit/imagine", {"prompt": "   "}, 4, "prompt不能为空"),
        ("/mj/submit/imagine", {}, 4, "prompt不能为空"),
        ("/mj/submit/imagine", {"prompt": "x", "base64Array": ["nope"]}, 4, "base64格式错误"),
        ("/mj/submit/shorten", {"prompt": ""}, 4, "prompt不能为空"),
        ("/mj/submit/blend", {"base64Array": [IMG]}, 4, "base64List参数错误"),
        ("/mj/submit/blend", {"base64Array": [IMG] * 6}, 4, "base64List参数错误"),
        ("/mj/submit/blend", {}, 4, "base64List参数错误"),
        ("/mj/submit/blend", {"base64Array": [IMG, "iVBORw0KGgo="]}, 4, "base64格式错误"),
        ("/mj/submit/blend", {"base64Array": [IMG, IMG], "dimensions": None}, 4, None),
        ("/mj/submit/blend", {"base64Array": [IMG, IMG], "dimensions": "WIDE"}, 4, None),
        ("/mj/submit/describe", {}, 4, "base64或link不能为空"),
        ("/mj/submit/describe", {"base64": "data:image/png;base64,@@@"}, 4, "base64格式错误"),
        ("/mj/submit/describe", {"base64": "data:text/plain;base64,aGk="}, 4, "base64格式错误"),
        (
            "/mj/submit/action",
            {"taskId": "1", "customId": "MJ::JOB::upsample::1::x"},
            3,
            "关联任务不存在或已失效",
        ),
        ("/mj/submit/modal", {"taskId": "1", "prompt": "x"}, 3, None),
    ],
)
async def test_rejections(
    client: httpx.AsyncClient, path: str, body: Any, code: int, description: str | None
) -> None:
    answer = await _answer(client, path, body)
    assert answer["code"] == code
    assert answer["result"] is None
    if description:
        assert answer["description"] == description


async def test_blend_accepts_two_to_five_images_and_sets_dimensions(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    for count in (2, 5):
        await submit(client, "/mj/submit/blend", {"base64Array": [IMG] * count})
    task_id = await submit(
        client, "/mj/submit/blend", {"base64Array": [IMG, IMG, IMG], "dimensions": "PORTRAIT"}
    )
    clock.advance(100)
    task = (await client.get(f"/mj/task/{task_id}/fetch")).json()
    assert task["action"] == "BLEND" and task["status"] == "SUCCESS"
    assert task["description"] == f"/blend {task_id} 3"
    assert task["properties"]["finalPrompt"].endswith("--ar 2:3 --v 6.1")
    assert len(task["buttons"]) == 9


async def test_action_on_unfinished_parent_and_foreign_custom_id(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    parent = await submit(client, "/mj/submit/imagine", {"prompt": "cat"})
    early = await _answer(
        client, "/mj/submit/action", {"taskId": parent, "customId": "MJ::JOB::upsample::1::x"}
    )
    assert early["code"] == 4 and early["description"] == "关联任务状态错误"
    clock.advance(100)
    foreign = await _answer(
        client, "/mj/submit/action", {"taskId": parent, "customId": "MJ::JOB::upsample::1::x"}
    )
    assert foreign["code"] == 4


async def test_malformed_json_body_is_code_4(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/mj/submit/imagine", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.json()["code"] == 4
