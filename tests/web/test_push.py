"""Push end to end: the real bot (web server on, PUBLIC_URL set) on the loopback Discord
fake, the simulator calling notifyHook over HTTP like a real proxy. With a 30 s poll
interval results can only arrive this fast by push; bad callbacks change nothing; no log
record holds a secret."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from aiohttp import web

from bot.core.models import Job, JobStatus
from bot.sim import SimConfig
from bot.web.push import MAX_PUSH_BYTES
from tests.e2e.harness import Harness, harness, web_settings

SLOW_POLL = {"poll_interval_seconds": 30}  # the tracker asks once at the start, then waits
PUSH_WAIT = 5.0  # generous: pushes arrive within a few tens of milliseconds


@pytest.fixture
async def pushed(tmp_path: Path) -> AsyncIterator[Harness]:
    config = SimConfig(step_seconds=0.03)
    async with harness(tmp_path, sim_config=config, **web_settings(), **SLOW_POLL) as h:
        yield h
        assert h.fake.violations == []


def hooks_sent(h: Harness) -> list[str]:
    """Every notifyHook the bot put in a submit, in order."""
    hooks = []
    for record in h.sim.records():
        body = record.body_json
        if record.endpoint.startswith("submit/") and isinstance(body, dict):
            hooks.append(body["notifyHook"])
    return hooks


def secret_of(hook: str) -> str:
    return hook.rsplit("/", 1)[1]


def pushes(h: Harness, outcome: str) -> float:
    value = h.app.metrics.registry.get_sample_value("mj_bot_pushes_total", {"outcome": outcome})
    return value or 0.0


async def wait_final(h: Harness, token: str) -> Any:
    def finished() -> bool:
        message = h.fake.original_response(token)
        if message is None or message.loading:
            return False
        return any(not b.custom_id.endswith(":c") for b in message.buttons())  # not Cancel

    await h.wait(finished, "the result, pushed", within=PUSH_WAIT)
    return h.original(token)


async def test_results_arrive_by_push_long_before_the_next_poll(pushed: Harness) -> None:
    h = pushed
    inter = await h.command("imagine", {"prompt": "a red fox at dawn"})
    grid = await wait_final(h, inter.token)
    assert [b.label for b in grid.buttons()][:4] == ["U1", "U2", "U3", "U4"]
    (job,) = await h.jobs()
    assert job.status is JobStatus.SUCCESS

    (hook,) = hooks_sent(h)
    assert hook.startswith(f"{h.settings.public_base}/push/{job.id}/")
    assert len(secret_of(hook)) >= 43
    stored = await h.storage.jobs.push_secret_of(job.id)
    assert stored == hashlib.sha256(secret_of(hook).encode()).hexdigest()
    # The first tick, and one query confirming the pushed result; no poll since.
    assert h.sim.count("task/list-by-condition") <= 2
    answers = {call.answer for call in h.sim.hooks.calls}
    assert answers <= {202, 204} and 204 in answers
    assert pushes(h, "accepted") >= 2  # progress and the result

    # A button's job (action) and a modal's answer carry hooks of their own.
    click = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id))
    upscale = await wait_final(h, click.token)
    zoom = next(b for b in upscale.buttons() if b.label == "Custom Zoom")
    await h.dispatch(h.factory.button_click(upscale, zoom.custom_id))
    modal = h.fake.last_modal
    assert modal is not None
    answer = await h.dispatch(
        h.factory.modal_submit(modal.custom_id, {"prompt": "a red fox --zoom 1.5"})
    )
    await wait_final(h, answer.token)
    assert [r.endpoint for r in h.sim.records() if r.endpoint.startswith("submit/")] == [
        "submit/imagine",
        "submit/action",
        "submit/action",
        "submit/modal",
    ]
    hooks = hooks_sent(h)
    assert len(set(hooks)) == 4  # a new secret for every submit, the modal's too
    zoom_job = max(await h.jobs(), key=lambda j: j.id)
    assert hooks[-1].startswith(f"{h.settings.public_base}/push/{zoom_job.id}/")
    assert zoom_job.status is JobStatus.SUCCESS


@pytest.mark.parametrize("dropped_by", ["relay", "fault"])
async def test_without_callbacks_polling_still_delivers(tmp_path: Path, dropped_by: str) -> None:
    config = SimConfig(step_seconds=0.03, flavor="relay" if dropped_by == "relay" else "plus")
    async with harness(
        tmp_path, sim_config=config, **web_settings(), poll_interval_seconds=0.2
    ) as h:
        h.sim.faults.drop_notify_hook = dropped_by == "fault"
        inter = await h.command("imagine", {"prompt": "a quiet lake"})
        await h.wait_final(inter.token)
        assert len(hooks_sent(h)) == 1  # the bot asked for callbacks ...
        assert h.sim.hooks.calls == []  # ... that never came
        assert pushes(h, "accepted") == 0
        assert h.sim.count("task/list-by-condition") >= 2
        (job,) = await h.jobs()
        assert job.status is JobStatus.SUCCESS


async def _stuck_job(h: Harness) -> tuple[Job, str, dict[str, Any]]:
    """A job running at 62% that never finishes; its hook and its task's JSON."""
    h.sim.faults.never_finish = True
    inter = await h.command("imagine", {"prompt": "a stuck kettle"})

    async def running() -> Job:
        await h.wait(
            lambda: "62%" in h.original(inter.token).content, "progress by push", PUSH_WAIT
        )
        (job,) = await h.jobs()
        return job

    job = await running()
    assert job.status is JobStatus.IN_PROGRESS and job.progress == 62
    (hook,) = hooks_sent(h)
    task = h.sim.engine.get(job.task_id or "")
    assert task is not None
    snapshot = h.sim.engine.snapshot(task)
    return job, hook, h.sim.view.render(task, snapshot, h.sim.base_url)


def _as(task: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**task, **changes}


async def _same(h: Harness, job: Job, edits: int) -> None:
    now = await h.storage.jobs.get(job.id)
    assert now is not None
    assert (now.status, now.progress, now.image_url) == (job.status, job.progress, job.image_url)
    message = h.fake.message(job.message.message_id or 0)
    assert message.edits == edits and not [b for b in message.buttons() if b.label == "U1"]


async def test_forged_wrong_oversized_and_malformed_pushes_change_nothing(
    pushed: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = pushed
    job, hook, task = await _stuck_job(h)
    success = _as(task, status="SUCCESS", progress="100%", buttons=[])
    edits = h.fake.message(job.message.message_id or 0).edits
    base = f"{h.web_url}/push"
    forged = f"{base}/{job.id}/{'x' * 43}"
    unknown = f"{base}/{job.id + 1000}/{secret_of(hook)}"
    url = f"{base}/{job.id}/{secret_of(hook)}"  # the real hook, on the bot's own address
    oversized = json.dumps(_as(success, padding="x" * MAX_PUSH_BYTES)).encode()

    caplog.set_level(logging.WARNING, logger="bot.core.push")
    async with httpx.AsyncClient() as http:
        answers = [
            (await http.post(forged, json=success)).status_code,
            (await http.post(forged, json=success)).status_code,
            (await http.post(unknown, json=success)).status_code,
            (await http.post(f"{base}/not-a-job/{secret_of(hook)}", json=success)).status_code,
            (await http.post(url, json=_as(success, id="1" + str(task["id"])))).status_code,
            (await http.post(url, content=oversized)).status_code,
            (await http.post(url, content=b"{not json")).status_code,
            (await http.post(url, json=[success])).status_code,
            (await http.post(url, json={"status": "SUCCESS"})).status_code,
        ]
        bodies = {(await http.post(u, json=success)).text for u in (forged, unknown)}
    assert answers == [404, 404, 404, 404, 409, 413, 400, 400, 400]
    assert len(bodies) == 1  # an unknown job and a wrong secret look the same
    await _same(h, job, edits)
    assert (pushes(h, "forged"), pushes(h, "unknown_job")) == (3, 3)
    assert (pushes(h, "wrong_task"), pushes(h, "too_large"), pushes(h, "malformed")) == (1, 1, 3)
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.core.push"]
    assert refusals == [  # before a valid secret (forged, unknown, too large): one kind
        "push without a valid secret refused: forged (further ones summed up)",
        f"push for job {job.id} refused: wrong_task (further ones summed up)",
        f"push for job {job.id} refused: malformed (further ones summed up)",
    ]
    await _same(h, job, edits)


async def test_a_pushed_result_is_taken_from_the_aggregator_not_from_the_push(
    pushed: Harness,
) -> None:
    """Whoever learns a hook's URL cannot finish the job with an image of their own
    (which the bot would download, and charge for) nor fail it (a refund)."""
    h = pushed
    job, hook, task = await _stuck_job(h)
    edits = h.fake.message(job.message.message_id or 0).edits
    asked: list[str] = []  # the attacker's server: the bot must never ask it anything

    async def evil(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(body=b"\x89PNG", content_type="image/png")

    app = web.Application()
    app.add_routes([web.get("/{name}", evil)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    evil_image = f"http://127.0.0.1:{runner.addresses[0][1]}/internal.png"
    try:
        forged_success = _as(
            task,
            status="SUCCESS",
            progress="100%",
            imageUrl=evil_image,
            buttons=task_buttons(h, job),
        )
        forged_failure = _as(task, status="FAILURE", failReason="refund me")
        queries = h.sim.count("task/list-by-condition")
        async with httpx.AsyncClient() as http:  # the real hook, a forged body
            assert (await http.post(hook, json=forged_success)).status_code == 204
            assert (await http.post(hook, json=forged_failure)).status_code == 204
        # Answered at once; the aggregator is asked instead, after the answers.
        await h.wait(lambda: h.sim.count("task/list-by-condition") > queries, "a query")
        await asyncio.sleep(0.3)  # time for any (wrong) edit or download
        await _same(h, job, edits)
        assert asked == []

        # The aggregator really finishes: its own push (and its own image) wins.
        sim_task = h.sim.engine.get(job.task_id or "")
        assert sim_task is not None
        sim_task.stuck = False
        done = await h.wait_job(job.id, JobStatus.SUCCESS, within=PUSH_WAIT)
        await shown_final(h, job)
        assert done.progress == 100 and done.image_url and done.image_url != evil_image
        assert done.image_url.startswith(h.sim.base_url)
        message = h.fake.message(job.message.message_id or 0)
        assert message.attachments and evil_image not in json.dumps(message.embeds)
        assert asked == []
    finally:
        await runner.cleanup()


async def shown_final(h: Harness, job: Job) -> None:
    """Until the publisher has delivered the job's final state."""
    deadline = asyncio.get_running_loop().time() + PUSH_WAIT
    while (now := await h.storage.jobs.get(job.id)) is None or now.shown_status != now.status:
        assert asyncio.get_running_loop().time() < deadline, "the final state was not shown"
        await asyncio.sleep(0.02)


def task_buttons(h: Harness, job: Job) -> list[dict[str, Any]]:
    task = h.sim.engine.get(job.task_id or "")
    assert task is not None
    return task.buttons


async def test_an_older_push_after_a_newer_one_changes_nothing(pushed: Harness) -> None:
    h = pushed
    job, hook, task = await _stuck_job(h)
    edits = h.fake.message(job.message.message_id or 0).edits
    async with httpx.AsyncClient() as http:

        async def push(**changes: Any) -> int:
            return (await http.post(hook, json=_as(task, **changes))).status_code

        assert await push(progress="31%") == 204  # authentic, but older: ignored
        assert await push(status="SUBMITTED", progress="0%") == 204
        assert await push(status="NOT_START", progress="0%") == 204
        assert await push() == 204  # the same again: idempotent
        await _same(h, job, edits)

        final = {"status": "SUCCESS", "progress": "100%", "buttons": task_buttons(h, job)}
        assert await push(**final) == 204  # not so: the aggregator, asked, says 62%
        await asyncio.sleep(0.2)
        await _same(h, job, edits)
        sim_task = h.sim.engine.get(job.task_id or "")
        assert sim_task is not None
        sim_task.stuck = False  # now it is so (the simulator pushes it too)
        assert await push(**final) == 204
        await h.wait_job(job.id, JobStatus.SUCCESS, within=PUSH_WAIT)
        await shown_final(h, job)
        shown = h.fake.message(job.message.message_id or 0).edits
        assert await push(**final) == 204  # a duplicate final push
        assert await push(status="IN_PROGRESS", progress="93%") == 204  # late and older
        assert await push(status="FAILURE", failReason="late") == 204  # final stays final
        await asyncio.sleep(0.2)  # time for any (wrong) edit to be sent
    finished = await h.storage.jobs.get(job.id)
    assert finished is not None
    assert (finished.status, finished.progress, finished.fail_reason) == (
        JobStatus.SUCCESS,
        100,
        None,
    )
    assert h.fake.message(job.message.message_id or 0).edits == shown


async def test_no_log_record_and_no_message_holds_a_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = SimConfig(step_seconds=0.03)
    async with harness(tmp_path, sim_config=config, **web_settings(), **SLOW_POLL) as h:
        inter = await h.command("imagine", {"prompt": "a secretive owl"})
        grid = await wait_final(h, inter.token)
        click = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id))
        await wait_final(h, click.token)
        refused = await h.command("imagine", {"prompt": "a bannedword owl"})  # submit refused
        await h.wait(lambda: len(hooks_sent(h)) == 3, "the refused submit")
        await h.wait_job(3, JobStatus.FAILURE)
        await h.wait(lambda: not h.original(refused.token).loading, "the refusal shown")
        hooks = hooks_sent(h)
        # Refusals are logged, without the secret. (aiohttp, as the proxies' own HTTP
        # clients, logs no URLs: httpx would, at INFO, for this test's own requests.)
        async with aiohttp.ClientSession() as http:
            for hook in hooks:
                async with http.post(hook, data=b"garbage") as answer:
                    assert answer.status == 400
                async with http.post(hook.replace("/push/", "/push/9"), json={"id": "1"}) as a:
                    assert a.status == 404
        messages = [
            json.dumps([m.content, m.embeds, m.components]) for m in h.fake.messages.values()
        ]
    secrets = [secret_of(hook) for hook in hooks]
    assert len(secrets) == 3 and all(len(s) >= 43 for s in secrets)
    access = [r.getMessage() for r in caplog.records if r.name == "bot.web.access"]
    assert any(line.startswith("POST /push/{job}/{secret} 204") for line in access)
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        for secret in secrets:
            assert secret not in text, f"{record.name}: {text[:200]}"
    for secret in secrets:
        assert not any(secret in text for text in messages)
