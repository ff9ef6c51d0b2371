"""Push without the web server: secrets and hooks, the inbox's checks, ordering, the
tracker's slower polling of pushed jobs, and the client's notifyHook (both backends where
storage is involved; the simulator over real HTTP)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import Any

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.app import Core, build_core
from bot.core.metrics import BotMetrics
from bot.core.mj.client import MJClient, NotifyHook, notify_hook
from bot.core.mj.errors import MJError, MJValidationError
from bot.core.mj.schemas import Task, TaskStatus
from bot.core.models import Job, JobKind, JobStatus, MessageRef, NewJob, Origin, TaskUpdate
from bot.core.push import (
    PushInbox,
    PushOutcome,
    moves_back,
    new_secret,
    secret_hash,
    secret_matches,
)
from bot.core.starter import JobLimits
from bot.core.storage import SqlStorage
from bot.sim import ManualClock, Simulator

ORIGIN = Origin(user_id=1, guild_id=3, message=MessageRef(channel_id=2, message_id=4))
BASE = "https://bot.example.test"


def test_secrets_are_random_long_and_stored_only_as_their_hash() -> None:
    secrets_ = {new_secret() for _ in range(100)}
    assert len(secrets_) == 100
    assert all(len(s) >= 43 for s in secrets_)  # 32 random bytes, url-safe
    secret = secrets_.pop()
    stored = secret_hash(secret)
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored
    assert secret_matches(secret, stored)
    assert not secret_matches(secret[:-1] + ("A" if secret[-1] != "A" else "B"), stored)
    assert not secret_matches(secret, None) and not secret_matches("", None)


def _job(status: JobStatus, progress: int) -> Job:
    return Job.model_validate(
        {
            "id": 1,
            "task_id": "t",
            "kind": "IMAGINE",
            "status": status,
            "prompt": "p",
            "options": {},
            "user_id": 1,
            "guild_id": None,
            "locale": "en-US",
            "message": MessageRef(channel_id=2),
            "progress": progress,
            "queue_position": None,
            "image_url": None,
            "final_prompt": None,
            "fail_reason": None,
            "shown_status": None,
            "parent_job_id": None,
            "button_index": None,
            "created_at": 0.0,
            "updated_at": 0.0,
            "submitted_at": 0.0,
            "finished_at": None,
        }
    )


@pytest.mark.parametrize(
    ("status", "progress", "update", "back"),
    [
        (JobStatus.WAITING, 0, TaskUpdate(JobStatus.IN_PROGRESS, 10), False),
        (JobStatus.WAITING, 0, TaskUpdate(JobStatus.MODAL), False),  # remix: wants input
        (JobStatus.IN_PROGRESS, 46, TaskUpdate(JobStatus.IN_PROGRESS, 62), False),
        (JobStatus.IN_PROGRESS, 46, TaskUpdate(JobStatus.IN_PROGRESS, 46), False),
        (JobStatus.IN_PROGRESS, 46, TaskUpdate(JobStatus.IN_PROGRESS, None), False),
        (JobStatus.IN_PROGRESS, 46, TaskUpdate(JobStatus.SUCCESS, 100), False),
        (JobStatus.IN_PROGRESS, 46, TaskUpdate(JobStatus.FAILURE), False),
        (JobStatus.IN_PROGRESS, 62, TaskUpdate(JobStatus.IN_PROGRESS, 31), True),
        (JobStatus.IN_PROGRESS, 62, TaskUpdate(JobStatus.WAITING, 0), True),
        (JobStatus.IN_PROGRESS, 62, TaskUpdate(JobStatus.MODAL), True),
        (JobStatus.SUCCESS, 100, TaskUpdate(JobStatus.IN_PROGRESS, 93), True),
        (JobStatus.SUCCESS, 100, TaskUpdate(JobStatus.SUCCESS, 100), True),
        (JobStatus.FAILURE, 50, TaskUpdate(JobStatus.SUCCESS, 100), True),
    ],
)
def test_status_and_progress_never_go_back(
    status: JobStatus, progress: int, update: TaskUpdate, back: bool
) -> None:
    assert moves_back(_job(status, progress), update) is back


# ---------------------------------------------------------------- with storage and the sim


def _core(client: MJClient, storage: SqlStorage, clock: ManualClock) -> Core:
    return build_core(
        client,
        storage,
        limits=JobLimits(),
        poll_interval=0.01,
        deadline_seconds=3600,
        public_base=BASE + "/",
        clock=clock,
    )


def _hook_of(sim: Simulator, endpoint: str = "submit/imagine") -> str:
    body = sim.records(endpoint)[-1].body_json
    assert isinstance(body, dict)
    hook = body["notifyHook"]
    assert isinstance(hook, str)
    return hook


def _body(task: Task | dict[str, Any]) -> bytes:
    data = task.model_dump(by_alias=True) if isinstance(task, Task) else task
    return json.dumps(data).encode()


async def test_each_submit_carries_a_new_hook_whose_hash_alone_is_stored(
    any_storage: SqlStorage, sim: Simulator, client: MJClient
) -> None:
    core = _core(client, any_storage, ManualClock(0.0))
    job = await core.jobs.imagine(ORIGIN, "a lighthouse")
    hook = _hook_of(sim)
    prefix = f"{BASE}/push/{job.id}/"
    assert hook.startswith(prefix)
    secret = hook[len(prefix) :]
    assert len(secret) >= 43
    assert await any_storage.jobs.push_secret_of(job.id) == secret_hash(secret)
    assert sim.engine.get(job.task_id or "").notify_hook == hook  # type: ignore[union-attr]

    other = await core.jobs.imagine(ORIGIN, "a second lighthouse")
    assert _hook_of(sim) != hook and (await any_storage.jobs.push_secret_of(other.id)) not in (
        None,
        secret_hash(secret),
    )


async def test_without_public_url_no_hook_is_sent_and_none_is_stored(
    storage: SqlStorage, sim: Simulator, client: MJClient
) -> None:
    core = build_core(client, storage, limits=JobLimits(), poll_interval=1, deadline_seconds=60)
    job = await core.jobs.imagine(ORIGIN, "plain")
    body = sim.records("submit/imagine")[-1].body_json
    assert isinstance(body, dict) and "notifyHook" not in body
    assert await storage.jobs.push_secret_of(job.id) is None


async def test_the_inbox_checks_secret_body_and_task_and_logs_each_refusal_once(
    any_storage: SqlStorage,
    sim: Simulator,
    sim_clock: ManualClock,
    client: MJClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    core = _core(client, any_storage, ManualClock(0.0))
    metrics = BotMetrics()
    inbox = PushInbox(any_storage.jobs, core.tracker, metrics=metrics)
    job = await core.jobs.imagine(ORIGIN, "a harbour")
    other = await core.jobs.imagine(ORIGIN, "another harbour")
    secret = _hook_of(sim, "submit/imagine").rsplit("/", 1)[1]  # the second job's
    first_secret = sim.records("submit/imagine")[0].body_json["notifyHook"].rsplit("/", 1)[1]
    sim_clock.advance(3.0)
    task = await client.fetch(job.task_id or "")
    assert task is not None and task.status.value == "IN_PROGRESS"

    with caplog.at_level(logging.INFO, logger="bot.core.push"):
        assert await inbox.receive(job.id, secret, _body(task)) is PushOutcome.FORGED
        assert await inbox.receive(job.id, secret, _body(task)) is PushOutcome.FORGED
        assert await inbox.receive(10_000, secret, _body(task)) is PushOutcome.UNKNOWN_JOB
        assert await inbox.receive(None, secret, _body(task)) is PushOutcome.UNKNOWN_JOB
        assert await inbox.receive(job.id, first_secret, b"{") is PushOutcome.MALFORMED
        assert await inbox.receive(job.id, first_secret, b"[]") is PushOutcome.MALFORMED
        no_id = {"status": "SUCCESS"}
        assert await inbox.receive(job.id, first_secret, _body(no_id)) is PushOutcome.MALFORMED
        # The other job's own (authentic) task is not this job's.
        other_task = await client.fetch(other.task_id or "")
        assert other_task is not None
        wrong = await inbox.receive(job.id, first_secret, _body(other_task))
        assert wrong is PushOutcome.WRONG_TASK
        unchanged = await any_storage.jobs.get(job.id)
        assert unchanged is not None and unchanged.status is JobStatus.WAITING

        assert await inbox.receive(job.id, first_secret, _body(task)) is PushOutcome.ACCEPTED
        assert await inbox.receive(job.id, first_secret, _body(task)) is PushOutcome.ACCEPTED
        await core.tracker.pushes_applied()  # answered at once, applied with the batch

    moved = await any_storage.jobs.get(job.id)
    assert moved is not None and moved.status is JobStatus.IN_PROGRESS
    assert moved.progress == task.progress
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [  # before a valid secret: one kind, whatever the job and reason
        "push without a valid secret refused: forged (further ones summed up)",
        f"push for job {job.id} refused: malformed (further ones summed up)",
        f"push for job {job.id} refused: wrong_task (further ones summed up)",
    ]
    for record in caplog.records:
        assert secret not in record.getMessage() and first_secret not in record.getMessage()

    def count(outcome: str) -> float | None:
        return metrics.registry.get_sample_value("mj_bot_pushes_total", {"outcome": outcome})

    assert (count("forged"), count("unknown_job"), count("malformed")) == (2, 2, 3)
    assert (count("wrong_task"), count("accepted")) == (1, 2)


async def test_refusals_are_logged_sparingly_and_summed_up_once_a_window(
    storage: SqlStorage, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = PushInbox(storage.jobs, _Nobody(), log_window=0.2)
    with caplog.at_level(logging.INFO, logger="bot.core.push"):
        # Before a valid secret the job id is anybody's: a flood of them is one kind.
        for job_id in range(1, 1001):
            inbox.refused(job_id, PushOutcome.UNKNOWN_JOB)
        for job_id in range(1, 11):
            inbox.refused(job_id, PushOutcome.TOO_LARGE)
            inbox.refused(job_id, PushOutcome.FORGED)
        assert await inbox.receive(None, "x" * 43, b"{}") is PushOutcome.UNKNOWN_JOB
        # After one, once per job and reason, but only a few lines in a window.
        for job_id in range(1, 21):
            inbox.refused(job_id, PushOutcome.MALFORMED)
        lines = [r.getMessage() for r in caplog.records]
        assert lines == [
            "push without a valid secret refused: unknown_job (further ones summed up)",
            *(f"push for job {n} refused: malformed (further ones summed up)" for n in range(1, 5)),
        ]
        await asyncio.sleep(0.35)  # the window is over: one line sums up the rest
        assert [r.getMessage() for r in caplog.records][len(lines) :] == [
            "1036 pushes refused in the last 0.2 s, not logged one by one: "
            "forged 10, malformed 16, too_large 10, unknown_job 1000"
        ]
        inbox.refused(21, PushOutcome.MALFORMED)  # a new window: a new job's line again
        inbox.refused(5, PushOutcome.FORGED)
        await asyncio.sleep(0.35)
    assert [r.getMessage() for r in caplog.records][len(lines) + 1 :] == [
        "push for job 21 refused: malformed (further ones summed up)",
        "1 pushes refused in the last 0.2 s, not logged one by one: forged 1",
    ]


class _Nobody:
    def follows(self, job_id: int, task_id: str) -> bool:
        raise AssertionError("nothing authentic was pushed")

    def push(self, task: Task) -> asyncio.Future[bool]:
        raise AssertionError("nothing authentic was pushed")


async def test_a_pushed_end_is_what_the_aggregator_says_not_what_was_pushed(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    core = _core(client, storage, ManualClock(0.0))
    job = await core.jobs.imagine(ORIGIN, "a lighthouse at night")
    assert job.task_id is not None
    sim_clock.advance(3.0)
    running = await client.fetch(job.task_id)
    assert running is not None and running.status is TaskStatus.IN_PROGRESS
    evil = "http://169.254.169.254/latest/meta-data/x.png"
    ends = [
        {"status": TaskStatus.SUCCESS, "progress": 100, "image_url": evil},
        {"status": TaskStatus.FAILURE, "fail_reason": "forged: refund me"},
        {"status": TaskStatus.CANCEL},
        {"status": TaskStatus.MODAL},
    ]
    asked = sim.count("task/list-by-condition")
    for end in ends:  # each only wakes the tracker, which asks the aggregator
        assert await core.tracker.apply_pushed(running.model_copy(update=end))
    assert sim.count("task/list-by-condition") == asked + len(ends)
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.IN_PROGRESS
    assert stored.image_url != evil and stored.fail_reason is None
    assert core.tracker.is_tracking(job.id)

    # Progress is applied as pushed (nothing is downloaded for it).
    ahead = running.model_copy(update={"progress": (running.progress or 0) + 1})
    assert await core.tracker.apply_pushed(ahead)
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.progress == ahead.progress

    sim_clock.advance(60.0)  # it really finished: the push, forged image or not, says so
    assert await core.tracker.apply_pushed(running.model_copy(update=ends[0]))
    done = await storage.jobs.get(job.id)
    real = await client.fetch(job.task_id)
    assert done is not None and real is not None and real.image_url
    assert done.status is JobStatus.SUCCESS and done.image_url == real.image_url != evil


async def test_a_burst_of_pushed_ends_asks_the_aggregator_once(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    core = _core(client, storage, ManualClock(0.0))
    job = await core.jobs.imagine(ORIGIN, "a flock of starlings")
    assert job.task_id is not None
    sim_clock.advance(3.0)
    running = await client.fetch(job.task_id)
    assert running is not None
    asked, fetched = sim.count("task/list-by-condition"), sim.count("task/fetch")
    forged = running.model_copy(update={"status": TaskStatus.FAILURE})
    await asyncio.gather(*(core.tracker.apply_pushed(forged) for _ in range(50)))
    assert sim.count("task/list-by-condition") - asked == 1  # one for all of them
    assert sim.count("task/fetch") == fetched
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.IN_PROGRESS


async def test_a_push_before_the_submit_is_recorded_changes_nothing(
    storage: SqlStorage, sim: Simulator, client: MJClient
) -> None:
    core = _core(client, storage, ManualClock(0.0))
    pending = await core.lifecycle.record(NewJob(JobKind.IMAGINE, ORIGIN, prompt="p"))
    secret = "s" * 43
    await storage.jobs.set_push_secret(pending.id, secret_hash(secret))
    task = {"id": "1234", "status": "IN_PROGRESS", "progress": "31%"}
    inbox = PushInbox(storage.jobs, core.tracker)
    assert await inbox.receive(pending.id, secret, _body(task)) is PushOutcome.EARLY
    still = await storage.jobs.get(pending.id)
    assert still is not None and still.status is JobStatus.PENDING


async def test_a_pushed_task_is_polled_only_every_thirty_seconds_but_still_polled(
    any_storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    clock = ManualClock(1_000.0)
    core = _core(client, any_storage, clock)
    tracker = core.tracker
    job = await core.jobs.imagine(ORIGIN, "a slow sunrise")
    assert job.task_id is not None
    await tracker.tick()
    assert sim.listed_ids() == [[job.task_id]]

    sim_clock.advance(3.0)
    task = await client.fetch(job.task_id)
    assert task is not None
    assert await tracker.apply_pushed(task)
    pushed = await any_storage.jobs.get(job.id)
    assert pushed is not None and pushed.status is JobStatus.IN_PROGRESS

    for _ in range(9):  # 27 s of ticks: the pushed task is not asked about
        clock.advance(3.0)
        await tracker.tick()
    assert len(sim.listed_ids()) == 1
    clock.advance(3.0)  # 30 s after the push: polled again (a push can be lost)
    await tracker.tick()
    assert sim.listed_ids()[-1] == [job.task_id]
    clock.advance(3.0)
    await tracker.tick()
    assert len(sim.listed_ids()) == 2

    sim_clock.advance(60.0)  # it finished; no push came: the safety-net poll finds it
    clock.advance(30.0)
    await tracker.tick()
    done = await any_storage.jobs.get(job.id)
    assert done is not None and done.status is JobStatus.SUCCESS
    assert tracker.tracked_count == 0
    assert not await tracker.apply_pushed(task)  # nobody follows it any more


async def test_an_older_polled_answer_applied_after_a_push_changes_nothing(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    core = _core(client, storage, ManualClock(0.0))
    job = await core.jobs.imagine(ORIGIN, "a tide")
    assert job.task_id is not None
    sim_clock.advance(3.0)
    older = await client.fetch(job.task_id)
    sim_clock.advance(2.0)
    newer = await client.fetch(job.task_id)
    assert older is not None and newer is not None
    assert (older.progress or 0) < (newer.progress or 0)

    await core.tracker.apply_pushed(newer)
    await core.tracker.apply_pushed(older)
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.progress == newer.progress


async def test_the_client_sends_the_hook_only_inside_its_context_and_never_shows_it() -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        echo = body.get("notifyHook", "")
        return httpx.Response(200, json={"code": 4, "description": f"bad notifyHook {echo}"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = MJClient(http, base_url="http://agg.test", api_key=SecretStr("k"))
        secret = new_secret()
        hook = NotifyHook(f"{BASE}/push/7/{secret}", secret)
        assert secret not in repr(hook)
        with notify_hook(hook), pytest.raises(MJValidationError) as raised:
            await client.imagine("a cat")
        assert seen[-1]["notifyHook"] == hook.url
        assert secret not in str(raised.value) and secret not in raised.value.description
        assert "***" in raised.value.description
        with pytest.raises(MJValidationError):
            await client.imagine("a cat")
        assert "notifyHook" not in seen[-1]


@pytest.mark.parametrize("left", [1, 4, 20, 42])  # characters of the secret before the cut
@pytest.mark.parametrize("echo", ["url", "secret"])
async def test_a_hook_echoed_and_cut_short_shows_no_part_of_its_secret(
    left: int, echo: str
) -> None:
    """Server texts are clipped (200 characters) before the secret is blanked: what is
    left of it, after the hook's path or at the very end, is blanked too."""
    secret = new_secret()
    hook = NotifyHook(f"{BASE}/push/7/{secret}", secret)
    before = len(hook.url) - len(secret) if echo == "url" else 0

    def answer(request: httpx.Request) -> httpx.Response:
        padding = 200 - 1 - before - left
        text = "x" * padding + " " + (hook.url if echo == "url" else secret) + " is bad"
        return httpx.Response(400, json={"error": {"message": text}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = MJClient(http, base_url="http://agg.test", api_key=SecretStr("k"))
        with notify_hook(hook), pytest.raises(MJError) as raised:
            await client.imagine("a cat")
    text = str(raised.value)
    if echo == "url" or left >= 4:  # fewer than 4 characters alone tell nothing
        assert text.endswith("***"), text
    assert not any(secret[i : i + 4] in text for i in range(len(secret) - 3)), text


async def test_the_simulator_calls_the_hook_on_each_change_like_a_proxy(
    sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.add_routes([web.post("/hook/{n}", hook)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        with notify_hook(NotifyHook(f"{url}/1", "1")):
            first = await client.imagine("a kite")
        await asyncio.sleep(0.1)
        assert received == []  # nothing for the state the submit answered with

        async def step(until: int) -> None:
            sim_clock.advance(1.0)
            for _ in range(200):
                if len(received) >= until:
                    return
                await asyncio.sleep(0.01)
            raise AssertionError(f"{len(received)} callbacks, wanted {until}")

        for n in range(1, 10):
            await step(n)
        assert [(t["status"], t["progress"]) for t in received] == [
            ("SUBMITTED", "0%"),
            *(("IN_PROGRESS", f"{p}%") for p in (0, 15, 31, 46, 62, 78, 93)),
            ("SUCCESS", "100%"),
        ]
        task = sim.engine.get(first.task_id)
        assert task is not None  # the body is what fetch answers
        assert received[-1] == sim.view.render(task, sim.engine.snapshot(task), sim.base_url)
        assert all(call.answer == 204 for call in sim.hooks.calls)

        sim.faults.drop_notify_hook = True  # lost callbacks: none is made
        with notify_hook(NotifyHook(f"{url}/2", "2")):
            await client.imagine("a second kite")
        for _ in range(10):
            sim_clock.advance(1.0)
            await asyncio.sleep(0.02)
        assert len(received) == 9
    finally:
        await runner.cleanup()
