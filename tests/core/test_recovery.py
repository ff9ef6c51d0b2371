"""A submit whose answer was lost is found again by the `state` it carried
(`<instance>:<job id>`): at start-up and at the job's deadline, through the page query or
the task list; where the aggregator has neither, it is interrupted and refunded as before.
The simulator over real HTTP, a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.app import Core
from bot.core.accounts import Accounts
from bot.core.mj.errors import MJAnswerLostError, MJTimeoutError
from bot.core.models import (
    INTERRUPTED_REASON,
    UNCONFIRMED_REASON,
    ChargeState,
    Job,
    JobKind,
    JobStatus,
    NewJob,
)
from bot.core.storage import SqlStorage, open_storage
from bot.core.submit_state import INSTANCE_KEY
from bot.sim import ManualClock, Simulator
from bot.sim.png import encode_png
from tests.conftest import make_client
from tests.core.test_credits import ADMIN, make_core, remix_waiting, run_until_idle, user

PNG = encode_png(16, 16, lambda y: b"\x20\x80\xf0" * 16)
OTHER_PNG = encode_png(16, 16, lambda y: b"\xf0\x20\x10" * 16)
IMPATIENT = 0.3  # seconds the client waits for a submit's answer
RECORDED_ONLY = NewJob(JobKind.IMAGINE, user(7), prompt="recorded, never submitted")


@asynccontextmanager
async def bot_on(
    storage: SqlStorage, sim: Simulator, clock: ManualClock
) -> AsyncIterator[tuple[Core, Accounts]]:
    """One process of the bot: its client gives up on a submit after IMPATIENT seconds."""
    async with httpx.AsyncClient(timeout=IMPATIENT) as http:
        yield make_core(make_client(sim, http), storage, clock=clock)


async def lose_the_answer(core: Core, accounts: Accounts, sim: Simulator) -> Job:
    """User 7 (3 credits) starts an imagine; the task is made, the answer never comes."""
    await accounts.grant(ADMIN, 7, 3)
    sim.faults.lose_submit_answers = 1
    with pytest.raises(MJTimeoutError):
        await core.jobs.imagine(user(7), "answer lost")
    (job,) = await core.storage.jobs.list_by_status([JobStatus.PENDING])
    assert await core.storage.ledger.charge_state(job.id) is ChargeState.RESERVED
    return job


async def test_every_submit_carries_the_bots_instance_and_the_job_id(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        await accounts.grant(ADMIN, 7, 10)
        grid = await core.jobs.imagine(user(7), "a fox")
        short = await core.jobs.shorten(user(7), "a very long prompt about a fox")
        await run_until_idle(core, sim_clock, clock)
        u1 = next(b.index for b in await storage.buttons.list(grid.id) if b.label == "U1")
        (upscale,) = await core.presses.press(user(7, 2), grid.id, u1)
    instance = await storage.meta.get(INSTANCE_KEY)
    assert instance and len(instance) == 12
    bodies = [r.body_json for r in sim.records() if r.endpoint.startswith("submit/")]
    assert [b["state"] for b in bodies] == [f"{instance}:{j.id}" for j in (grid, short, upscale)]
    async with bot_on(storage, sim, clock) as (again, _):  # a restart keeps the instance
        await again.jobs.imagine(user(7), "after a restart")
    assert sim.records("submit/imagine")[-1].body_json["state"].startswith(f"{instance}:")


async def test_blend_describe_swapface_and_a_modal_answer_carry_it_too(
    storage: SqlStorage, sim_clock: ManualClock
) -> None:
    async with (
        httpx.AsyncClient(timeout=5) as http,
        remix_waiting(storage, sim_clock, http) as remix,
    ):
        sim, core = remix.sim, remix.core
        await core.jobs.answer_modal(remix.variation.id, 7, "the remixed prompt")
        await remix.accounts.grant(ADMIN, 7, 5)
        blended = await core.jobs.blend(user(7, 3), [PNG, PNG])
        described = await core.jobs.describe(user(7, 4), PNG)
        swapped = await core.jobs.swap_face(user(7, 5), PNG, OTHER_PNG)
    instance = await storage.meta.get(INSTANCE_KEY)
    states = {
        endpoint: [r.body_json["state"] for r in sim.records(endpoint)]
        for endpoint in ("submit/modal", "submit/blend", "submit/describe", "insight-face/swap")
    }
    assert states == {
        "submit/modal": [f"{instance}:{remix.variation.id}"],
        "submit/blend": [f"{instance}:{blended.id}"],
        "submit/describe": [f"{instance}:{described.id}"],
        "insight-face/swap": [f"{instance}:{swapped.id}"],
    }


async def test_a_lost_answer_is_found_by_state_at_start_and_settled_once(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        job = await lose_the_answer(core, accounts, sim)
    # The process dies; the next one starts on the same database.
    async with bot_on(storage, sim, clock) as (core, accounts):
        await core.tracker.resume()
        found = await storage.jobs.get(job.id)
        assert found is not None and found.status is JobStatus.WAITING and found.task_id
        assert core.tracker.is_tracking(job.id)
        await run_until_idle(core, sim_clock, clock)
        done = await storage.jobs.get(job.id)
        assert done is not None and done.status is JobStatus.SUCCESS
        assert await storage.ledger.charge_state(job.id) is ChargeState.SETTLED
        assert (await accounts.wallet(7)).available == 2
    assert sim.count("submit/imagine") == 1  # never submitted again
    assert sim.count("task/query") == 1 and sim.count("task/list") == 0


async def test_without_the_page_query_the_task_list_is_asked(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        job = await lose_the_answer(core, accounts, sim)
    sim.faults.task_query_unsupported = True
    async with bot_on(storage, sim, clock) as (core, _):
        await core.tracker.resume()
        await run_until_idle(core, sim_clock, clock)
    done = await storage.jobs.get(job.id)
    assert done is not None and done.status is JobStatus.SUCCESS
    assert (sim.count("task/query"), sim.count("task/list")) == (1, 1)


async def test_without_query_or_list_the_job_is_interrupted_and_refunded(
    storage: SqlStorage, sim: Simulator
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        job = await lose_the_answer(core, accounts, sim)
    sim.faults.task_query_unsupported = sim.faults.task_list_unsupported = True
    async with bot_on(storage, sim, clock) as (core, accounts):
        await core.tracker.resume()
        failed = await storage.jobs.get(job.id)
        assert failed is not None and failed.status is JobStatus.FAILURE
        assert failed.fail_reason == INTERRUPTED_REASON
        assert await storage.ledger.charge_state(job.id) is ChargeState.REFUNDED
        assert (await accounts.wallet(7)).available == 3
    assert sim.count("submit/imagine") == 1


async def test_a_failing_aggregator_leaves_the_job_to_its_deadline(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        job = await lose_the_answer(core, accounts, sim)
    sim.faults.fault_scope, sim.faults.http_500 = "query", 3  # every retry of the query
    async with bot_on(storage, sim, clock) as (core, _):
        await core.tracker.resume()
        waiting = await storage.jobs.get(job.id)
        assert waiting is not None and waiting.status is JobStatus.PENDING  # not refunded yet
        assert await storage.ledger.charge_state(job.id) is ChargeState.RESERVED
        clock.advance(601)  # the sweep at its deadline asks again, and finds it
        assert await core.tracker.sweep_stale() == []
        await run_until_idle(core, sim_clock, clock)
    done = await storage.jobs.get(job.id)
    assert done is not None and done.status is JobStatus.SUCCESS


async def test_the_deadline_sweep_finds_a_timed_out_submit_in_the_same_process(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        job = await lose_the_answer(core, accounts, sim)
        assert await core.tracker.sweep_stale() == []  # before its deadline: not asked
        assert sim.count("task/query") == 0
        clock.advance(601)
        await core.tracker.sweep_stale()
        assert core.tracker.is_tracking(job.id)
        await run_until_idle(core, sim_clock, clock)
        assert await storage.ledger.charge_state(job.id) is ChargeState.SETTLED


async def test_a_task_never_made_fails_unconfirmed_at_the_deadline(
    storage: SqlStorage, sim: Simulator
) -> None:
    clock = ManualClock(1_000_000.0)
    async with bot_on(storage, sim, clock) as (core, accounts):
        await accounts.grant(ADMIN, 7, 3)
        pending = await core.lifecycle.record(RECORDED_ONLY)
        clock.advance(601)
        (swept,) = await core.tracker.sweep_stale()
        assert swept.id == pending.id and swept.fail_reason == UNCONFIRMED_REASON
        assert (await accounts.wallet(7)).available == 3


async def test_a_dropped_connection_is_a_lost_answer_too(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    sim.faults.lost_answer = "drop"
    async with bot_on(storage, sim, clock) as (core, accounts):
        await accounts.grant(ADMIN, 7, 3)
        sim.faults.lose_submit_answers = 1
        with pytest.raises(MJAnswerLostError):
            await core.jobs.imagine(user(7), "hung up on")
        (job,) = await storage.jobs.list_by_status([JobStatus.PENDING])
    async with bot_on(storage, sim, clock) as (core, _):
        await core.tracker.resume()
        await run_until_idle(core, sim_clock, clock)
    assert (await storage.jobs.get(job.id)).status is JobStatus.SUCCESS  # type: ignore[union-attr]


async def test_another_bots_task_with_the_same_job_number_is_not_taken(
    storage: SqlStorage, sim: Simulator, tmp_path: Path
) -> None:
    clock = ManualClock(1_000_000.0)
    other = await open_storage(path=tmp_path / "other-bot.db")
    try:
        async with bot_on(other, sim, clock) as (core, accounts):
            await accounts.grant(ADMIN, 7, 3)
            theirs = await core.jobs.imagine(user(7), "the other bot's job")
    finally:
        await other.close()
    async with bot_on(storage, sim, clock) as (core, accounts):
        await accounts.grant(ADMIN, 7, 3)
        ours = await core.lifecycle.record(RECORDED_ONLY)  # the same number
        assert ours.id == theirs.id
        await core.tracker.resume()
    failed = await storage.jobs.get(ours.id)
    assert failed is not None and failed.fail_reason == INTERRUPTED_REASON
    assert failed.task_id is None
