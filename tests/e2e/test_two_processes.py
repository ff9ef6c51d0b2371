"""Two bot processes sharing one PostgreSQL (tests/e2e/processes.py): every in-flight job
followed by one of them through its lease, one of them dying under load and the other
finishing its jobs on their own messages, and button presses handled by the process
that does not follow the job."""

from __future__ import annotations

import asyncio
from collections import Counter
from itertools import pairwise
from pathlib import Path

from bot.core.models import Job, JobStatus
from tests.e2e.harness import free_port
from tests.e2e.processes import LEASE, POLL, Pair, assert_each_settled_once, two_processes
from tests.fakes import FakeDiscord, FakeMessage, dispatch

JOBS = 100
USERS = [7100 + n for n in range(10)]  # ten jobs each, from both processes
CREDITS = 12
# Generous: a takeover is due within LEASE + POLL; the rest is a loaded test machine.
TAKEOVER_BOUND = LEASE + POLL + 10.0


def uploads(fake: FakeDiscord, token: str) -> int:
    """Edits with a file Discord accepted for this interaction's message (the result
    picture), through its token or the bot token."""
    message = fake.original_response(token)
    assert message is not None
    return sum(
        1
        for r in fake.requests
        if r.method == "PATCH"
        and r.files
        and r.status == 200
        and (r.token == token or r.path.endswith(f"/messages/{message.id}"))
    )


def has_u1(message: FakeMessage | None) -> bool:
    return message is not None and any(b.label == "U1" for b in message.buttons())


def button(message: FakeMessage, label: str) -> str:
    return next(b.custom_id for b in message.buttons() if (b.label or b.emoji) == label)


async def every_job(pair: Pair, count: int, done: object) -> list[Job]:
    """Until `count` jobs exist and `done(job)` holds for each; the jobs."""
    found: list[Job] = []

    async def check() -> bool:
        nonlocal found
        found = await pair.jobs()
        return len(found) == count and all(done(job) for job in found)  # type: ignore[operator]

    deadline = asyncio.get_running_loop().time() + 60.0
    while not await check():
        statuses = Counter(job.status.value for job in found)
        assert asyncio.get_running_loop().time() < deadline, f"{len(found)} jobs: {statuses}"
        await asyncio.sleep(0.05)
    return found


async def test_a_process_dies_under_load_and_the_other_finishes_its_jobs(
    tmp_path: Path, postgres_url: str
) -> None:
    settings = {
        "credits_enabled": True,
        "new_user_credits": CREDITS,
        "max_concurrent_jobs_per_user": 10,
    }
    async with two_processes(tmp_path, postgres_url, **settings) as pair:
        dying, surviving = pair[0], pair[1]
        tokens = {}
        for n in range(JOBS):
            process = pair[n % 2]
            inter = await process.command(
                "imagine", {"prompt": f"shared work {n}"}, user_id=USERS[n // 10]
            )
            tokens[inter.token] = process.number
        await every_job(pair, JOBS, lambda job: job.task_id is not None)
        pair.sim_clock.advance(2.5)  # every task is running at the aggregator
        jobs = await every_job(pair, JOBS, lambda job: job.status is JobStatus.IN_PROGRESS)
        ids = [job.id for job in jobs]
        held = await dying.storage.leases.mine(ids)
        assert held and held.isdisjoint(await surviving.storage.leases.mine(ids))
        assert len(held) == JOBS // 2  # each follows the jobs it started

        polls_before = len(pair.polls)
        died_at = asyncio.get_running_loop().time()
        await dying.crash()
        pair.sim_clock.advance(100.0)  # and every one of them finishes there
        jobs = await every_job(
            pair, JOBS, lambda job: job.status.is_terminal and job.shown_status is job.status
        )

        # Every job ended once, with its result, on the message it was started on.
        assert {job.status for job in jobs} == {JobStatus.SUCCESS}
        for token in tokens:
            message = pair.fake.original_response(token)
            assert message is not None and not message.loading
            assert uploads(pair.fake, token) == 1, message
            assert any(b.label == "U1" for b in message.buttons())
        assert pair.sim.count("submit/imagine") == JOBS

        # The survivor took over the dead one's tasks within the lease time, and no task
        # was ever asked about by both: each by one process, then (if it was the dead
        # one's) by the survivor only.
        task_of = {job.id: job.task_id for job in jobs}
        taken = {task_of[job_id] for job_id in held}
        for job in jobs:
            assert job.task_id is not None
            owners = pair.polled_by(job.task_id)
            switches = sum(1 for a, b in pairwise(owners) if a != b)
            if job.task_id in taken:
                assert owners[0] == dying.number and owners[-1] == surviving.number
                assert switches == 1, f"task {job.task_id} polled by {owners}"
            else:
                assert set(owners) == {surviving.number}, f"task {job.task_id}: {owners}"
        first_after = {}
        for poll in pair.polls[polls_before:]:
            if poll.process == surviving.number and poll.task_id in taken:
                first_after.setdefault(poll.task_id, poll.at)
        assert first_after.keys() == taken
        assert max(first_after.values()) - died_at < TAKEOVER_BOUND

        await assert_each_settled_once(pair.storage, jobs, USERS, CREDITS - 10)
        assert pair.fake.violations == []


USER = 7201


async def test_buttons_are_handled_by_the_process_that_does_not_follow_the_job(
    tmp_path: Path, postgres_url: str
) -> None:
    settings = {"credits_enabled": True, "new_user_credits": 10}
    async with two_processes(tmp_path, postgres_url, **settings) as pair:
        first, second = pair[0], pair[1]
        # One sync for the deployment: by the process that runs shard 0.
        assert (first.app.bot.command_sync.synced, second.app.bot.command_sync.synced) == (1, 0)
        assert (first.app.bot.shard_ids, second.app.bot.shard_ids) == ([0], [1])

        # Cancel, pressed where the job is not followed: cancelled once, refunded once,
        # and the follower lets go of it.
        inter = await first.command("imagine", {"prompt": "stopped elsewhere"}, user_id=USER)
        (job,) = await every_job(pair, 1, lambda job: job.task_id is not None)
        pair.sim_clock.advance(2.5)
        await pair.wait(lambda: "%" in str(pair.fake.original_response(inter.token)), "progress")
        assert first.app.core.tracker.is_tracking(job.id)
        assert not second.app.core.tracker.is_tracking(job.id)
        running = pair.fake.original_response(inter.token)
        assert running is not None
        click = second.factory.button_click(running, button(running, "Cancel"), user_id=USER)
        await dispatch(second.app.bot, click)
        await pair.wait(lambda: "Cancelled" in str(running.embeds), "the cancel shown")
        assert (await pair.storage.jobs.get(job.id)).status is JobStatus.CANCEL  # type: ignore[union-attr]
        await pair.wait(lambda: not first.app.core.tracker.is_tracking(job.id), "let go")
        wallet = await pair.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (10, 0)

        # U1 of a result the first process delivered, pressed in both at once: one
        # upscale, followed and delivered by the process whose press counted.
        inter = await first.command("imagine", {"prompt": "pressed twice"}, user_id=USER)
        await every_job(pair, 2, lambda job: job.task_id is not None)
        pair.sim_clock.advance(100.0)
        await pair.wait(lambda: has_u1(pair.fake.original_response(inter.token)), "the grid")
        grid = pair.fake.original_response(inter.token)
        assert grid is not None
        u1 = button(grid, "U1")
        clicks = [p.factory.button_click(grid, u1, user_id=USER) for p in (first, second)]
        answered = await asyncio.gather(
            dispatch(first.app.bot, clicks[0]), dispatch(second.app.bot, clicks[1])
        )
        jobs = await every_job(pair, 3, lambda job: job.task_id is not None)
        upscales = [j for j in jobs if j.parent_job_id is not None]
        assert len(upscales) == 1 and pair.sim.count("submit/action") == 1
        refused = [a for a in answered if pair.fake.original_response(a.token).ephemeral]  # type: ignore[union-attr]
        assert len(refused) == 1
        (upscale,) = upscales
        pair.sim_clock.advance(100.0)
        await every_job(
            pair, 3, lambda job: job.status.is_terminal and job.shown_status is job.status
        )
        upscaled = await pair.storage.jobs.get(upscale.id)
        assert upscaled is not None and upscaled.status is JobStatus.SUCCESS
        assert upscaled.task_id is not None
        (pressed,) = [p for p, a in zip((first, second), answered, strict=True) if a not in refused]
        assert set(pair.polled_by(upscaled.task_id)) == {pressed.number}
        assert uploads(pair.fake, next(a.token for a in answered if a not in refused)) == 1
        assert pair.fake.violations == []


async def test_a_push_to_the_process_that_does_not_follow_the_job_finishes_it_once(
    tmp_path: Path, postgres_url: str
) -> None:
    """Both processes behind one PUBLIC_URL (here: the second's web server): the first
    follows the job, polling seldom; the second gets the aggregator's pushes, confirms
    the final one and writes it, once."""
    ports = free_port(), free_port()
    public = f"http://127.0.0.1:{ports[1]}"
    each = (
        {"web_listen": f"127.0.0.1:{ports[0]}", "poll_interval_seconds": 30.0},
        {"web_listen": f"127.0.0.1:{ports[1]}"},
    )
    async with two_processes(tmp_path, postgres_url, each=each, public_url=public) as pair:
        follower, receiver = pair[0], pair[1]
        inter = await follower.command("imagine", {"prompt": "pushed elsewhere"}, user_id=USER)
        (job,) = await every_job(pair, 1, lambda job: job.task_id is not None)
        assert follower.app.core.tracker.is_tracking(job.id)
        # The follower's first poll answered (the simulator counts what it answered).
        await pair.wait(lambda: pair.sim.count("task/list-by-condition") == 1, "a first poll")
        asked = len(pair.polled_by(job.task_id or ""))
        pair.sim_clock.advance(100.0)  # the aggregator pushes the result to the receiver
        await pair.wait(lambda: has_u1(pair.fake.original_response(inter.token)), "the result")
        (job,) = await every_job(pair, 1, lambda job: job.shown_status is JobStatus.SUCCESS)
        assert job.task_id is not None
        # The follower asked nothing more; the receiver fetched the task to confirm the
        # push, wrote the final state (and so holds the lease) and delivered it.
        polled = pair.polled_by(job.task_id)
        assert polled[:asked] == [follower.number] * asked
        assert polled[asked:] == [receiver.number]
        assert await receiver.storage.leases.mine([job.id]) == {job.id}
        assert uploads(pair.fake, inter.token) == 1
        assert pair.fake.violations == []


async def test_a_final_state_the_dead_process_did_not_deliver_is_sent_by_the_other(
    tmp_path: Path, postgres_url: str
) -> None:
    async with two_processes(tmp_path, postgres_url) as pair:
        dying, surviving = pair[0], pair[1]
        inter = await dying.command("imagine", {"prompt": "written, never shown"}, user_id=USER)
        (job,) = await every_job(pair, 1, lambda job: job.task_id is not None)
        await dying.crash()
        # What the dead process did last: the job's end written (and so leased to it for
        # its delivery), then it died before Discord heard of it.
        finished = await dying.storage.jobs.finish(
            job.id, status=JobStatus.FAILURE, progress=0, image_url=None, final_prompt=None,
            fail_reason="timed out: the aggregator did not finish the task in time", at=2e9,
        )  # fmt: skip
        assert finished is not None and finished.shown_status is None
        await every_job(pair, 1, lambda job: job.shown_status is JobStatus.FAILURE)
        message = pair.fake.original_response(inter.token)
        assert message is not None and "did not finish in time" in str(message.embeds)
        assert await surviving.storage.leases.mine([job.id]) == {job.id}
        assert not surviving.app.core.tracker.is_tracking(job.id)
        assert pair.fake.violations == []
