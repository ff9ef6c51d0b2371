"""Answers the simulator does not give, from a scripted server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.core.mj.client import MJClient, RetryPolicy
from bot.core.mj.errors import (
    MJProtocolError,
    MJQueueFullError,
    MJSystemError,
    MJUnknownCodeError,
)
from bot.core.mj.schemas import TaskStatus


class Script:
    """Answers every request with the next scripted (status, body)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        status, body = self.answers.pop(0)
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[Script, MJClient]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with httpx.AsyncClient() as http:
        client = MJClient(
            http,
            base_url=f"http://127.0.0.1:{port}",
            api_key=SecretStr("k"),
            retry=RetryPolicy(attempts=1),
        )
        yield script, client
    await runner.cleanup()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"code": 9, "description": "系统异常"}, MJSystemError),
        ({"code": 9, "description": "提交失败，队列已满，请稍后重试"}, MJQueueFullError),
        ({"code": 5, "description": "do_request_failed"}, MJUnknownCodeError),
    ],
)
async def test_codes_the_simulator_never_sends(
    scripted: tuple[Script, MJClient], body: dict[str, Any], error: type[Exception]
) -> None:
    script, client = scripted
    script.answers.append((200, body))
    with pytest.raises(error) as caught:
        await client.imagine("cat")
    assert body["description"] in str(caught.value)


async def test_a_bare_task_with_numbers_and_no_extras(scripted: tuple[Script, MJClient]) -> None:
    script, client = scripted
    script.answers.append(
        (200, {"id": 1730621718151844, "status": None, "progress": 46, "unknown": {"x": 1}})
    )
    task = await client.fetch("1730621718151844")
    assert task is not None
    assert (task.id, task.status, task.progress) == ("1730621718151844", TaskStatus.UNKNOWN, 46)
    assert task.buttons == [] and task.image_url is None and task.final_prompt is None


async def test_aggregator_errors_in_http_400_bodies_and_21_already_exists(
    scripted: tuple[Script, MJClient],
) -> None:
    script, client = scripted
    script.answers.append((400, {"code": 4, "description": "quota_not_enough", "type": "x"}))
    with pytest.raises(Exception, match="quota_not_enough"):
        await client.imagine("cat")
    script.answers.append(
        (
            200,
            {
                "code": 21,
                "description": "任务已存在",
                "result": 12,
                "properties": {"status": "SUCCESS"},
            },
        )
    )
    existing = await client.action("11", "MJ::JOB::upsample::1::x")
    assert existing.task_id == "12" and not existing.needs_modal


_TASK = {"id": "1730621718151844", "status": "SUCCESS", "state": "inst:5", "progress": "100%"}


@pytest.mark.parametrize(
    "body",
    [
        {"content": [_TASK], "totalElements": 1, "number": 0},  # Spring page (plus)
        {"code": 1, "description": "成功", "result": {"list": [_TASK], "total": 1}},
        {"records": [_TASK, {**_TASK, "id": "2", "state": "inst:50"}]},  # a loose filter
        [_TASK],
    ],
)
async def test_the_page_query_is_read_in_the_shapes_servers_give(
    scripted: tuple[Script, MJClient], body: Any
) -> None:
    script, client = scripted
    script.answers.append((200, body))
    (task,) = await client.query_by_state("inst:5")  # only an exact state counts
    assert task.id == "1730621718151844" and task.state == "inst:5"


async def test_a_page_query_without_tasks_is_a_protocol_error(
    scripted: tuple[Script, MJClient],
) -> None:
    script, client = scripted
    script.answers.append((200, {"total": 0}))
    with pytest.raises(MJProtocolError):
        await client.query_by_state("inst:5")
