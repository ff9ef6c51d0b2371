"""Credits through the real pipeline: JobService, the lifecycle and the tracker against the
simulator over HTTP, on SQLite and PostgreSQL. Money is never lost, never spent twice,
and a failed image is never paid for."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

import httpx
import pytest

from bot.app import Core, build_core
from bot.core.accounts import Accounts
from bot.core.admission import Admission
from bot.core.credits import Credits
from bot.core.limits import Limits, LimitValues
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJBannedPromptError, MJTimeoutError
from bot.core.models import (
    UNCONFIRMED_REASON,
    ChargeState,
    Job,
    JobKind,
    JobStatus,
    LedgerReason,
    MessageRef,
    NewJob,
    Origin,
)
from bot.core.pricing import PriceKind, Prices, parse_prices
from bot.core.starter import JobLimits
from bot.core.storage import SqlStorage
from bot.core.validation import Rejection, RequestRejectedError
from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from tests.conftest import make_client

ADMIN = 900


def user(user_id: int, message_id: int = 1) -> Origin:
    return Origin(
        user_id=user_id, guild_id=5, message=MessageRef(channel_id=6, message_id=message_id)
    )


def make_core(
    client: MJClient,
    storage: SqlStorage,
    *,
    clock: ManualClock,
    prices: Prices | None = None,
    limits: LimitValues | None = None,
    owner_only: bool = True,
    owner_pays: bool = False,
) -> tuple[Core, Accounts]:
    credits = Credits(prices or Prices(), enabled=True, clock=clock)
    admission = Admission(
        Limits(limits or LimitValues(max_concurrent_jobs_per_user=0), clock=clock), credits
    )
    core = build_core(
        client,
        storage,
        limits=JobLimits(owner_only_buttons=owner_only, owner_pays=owner_pays),
        poll_interval=0.01,
        deadline_seconds=600,
        admission=admission,
        clock=clock,
    )
    return core, Accounts(storage, admission, admin_user_ids=frozenset({ADMIN}), clock=clock)


async def run_until_idle(core: Core, sim_clock: ManualClock, clock: ManualClock) -> None:
    for _ in range(200):
        if not core.tracker.tracked_count:
            return
        sim_clock.advance(1.0)
        clock.advance(1.0)
        await core.tracker.tick()
    raise AssertionError("jobs still tracked after 200 ticks")


class Remix(NamedTuple):
    sim: Simulator
    core: Core
    accounts: Accounts
    clock: ManualClock
    variation: Job  # a V1 press on user 7's grid, waiting in MODAL for the remix prompt


@asynccontextmanager
async def remix_waiting(
    storage: SqlStorage, sim_clock: ManualClock, http: httpx.AsyncClient, **options: bool
) -> AsyncIterator[Remix]:
    """A remix simulator where user 7 (3 credits) has a variation waiting for its prompt."""
    clock = ManualClock(1_000_000.0)
    async with running_simulator(SimConfig(step_seconds=1.0, remix=True), clock=sim_clock) as sim:
        core, accounts = make_core(make_client(sim, http), storage, clock=clock, **options)  # type: ignore[arg-type]
        await accounts.grant(ADMIN, 7, 3)
        grid = await core.jobs.imagine(user(7), "remix me")
        await run_until_idle(core, sim_clock, clock)
        v1 = next(b.index for b in await storage.buttons.list(grid.id) if b.label == "V1")
        (variation,) = await core.presses.press(user(7, 2), grid.id, v1)
        yield Remix(sim, core, accounts, clock, variation)


async def assert_ledger_balances(storage: SqlStorage, users: list[int]) -> None:
    """granted + redeemed + new-user - revoked = available + reserved + settled, per entry
    kind and per wallet; and each charge has one reserve and at most one ending."""
    totals = await storage.ledger.totals()
    given = sum(totals.get(r, (0, 0))[0] for r in (LedgerReason.GRANT, LedgerReason.REDEEM))
    given += (
        totals.get(LedgerReason.NEW_USER, (0, 0))[0] + totals.get(LedgerReason.REVOKE, (0, 0))[0]
    )
    wallets = [await storage.ledger.wallet(u) for u in users]
    available = sum(w.available for w in wallets if w)
    reserved = sum(w.reserved for w in wallets if w)
    settled = -totals.get(LedgerReason.SETTLE, (0, 0))[1]
    assert given == available + reserved + settled
    assert sum(held for _, held in totals.values()) == reserved
    assert sum(delta for delta, _ in totals.values()) == available


async def test_the_ledger_balances_after_200_mixed_concurrent_jobs(
    any_storage: SqlStorage, client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    core, accounts = make_core(client, any_storage, clock=clock)
    users = list(range(1, 11))
    for u in users:
        await accounts.grant(ADMIN, u, 30)
    rng = random.Random(7)
    prompts = [
        rng.choice(["a cat", "a dog", "sim:fail now", "a bannedword", "sim:stuck", "x"])
        for _ in range(200)
    ]

    async def one(i: int, prompt: str) -> None:
        with contextlib.suppress(MJBannedPromptError):
            await core.jobs.imagine(user(users[i % 10], i), f"{prompt} {i}")

    await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts)))
    # Some tasks are cancelled at the aggregator while they wait.
    waiting = await any_storage.jobs.list_by_status([JobStatus.WAITING])
    for job in waiting[:15]:
        assert job.task_id is not None
        await client.cancel(job.task_id)
    await assert_ledger_balances(any_storage, users)
    for _ in range(40):  # everything but the stuck ones finishes
        sim_clock.advance(1.0)
        await core.tracker.tick()
    await assert_ledger_balances(any_storage, users)
    clock.advance(601)  # the stuck ones pass their deadline
    await run_until_idle(core, sim_clock, clock)

    jobs = await any_storage.jobs.list_by_status(list(JobStatus))
    assert len(jobs) == 200 and {j.status for j in jobs} >= {
        JobStatus.SUCCESS,
        JobStatus.FAILURE,
        JobStatus.CANCEL,
    }
    for job in jobs:
        state = await any_storage.ledger.charge_state(job.id)
        expected = ChargeState.SETTLED if job.status is JobStatus.SUCCESS else ChargeState.REFUNDED
        assert state is expected, (job.id, job.status, job.fail_reason, state)
    await assert_ledger_balances(any_storage, users)
    spent = sum(1 for j in jobs if j.status is JobStatus.SUCCESS)
    wallets = [await accounts.wallet(u) for u in users]
    assert sum(w.available for w in wallets) == 300 - spent
    assert sum(w.reserved for w in wallets) == 0


async def test_twelve_concurrent_imagines_with_credits_for_five(
    any_storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core, accounts = make_core(client, any_storage, clock=ManualClock(1_000_000.0))
    await accounts.grant(ADMIN, 42, 5)
    results = await asyncio.gather(
        *(core.jobs.imagine(user(42, i), f"race {i}") for i in range(12)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, RequestRejectedError)]
    assert sim.count("submit/imagine") == 5
    assert len(refused) == 7 and all(r.reason is Rejection.NO_CREDITS for r in refused)
    assert refused[0].params["price"] == 1
    wallet = await any_storage.ledger.wallet(42)
    assert wallet is not None and (wallet.available, wallet.reserved) == (0, 5)
    # Refused requests left nothing behind: five jobs, five reservations.
    assert len(await any_storage.jobs.list_by_status(list(JobStatus))) == 5


async def test_a_code_is_redeemed_once_even_concurrently(
    any_storage: SqlStorage, client: MJClient
) -> None:
    _, accounts = make_core(client, any_storage, clock=ManualClock(1_000_000.0))
    (code,) = await accounts.make_codes(ADMIN, 1, 25, guild_id=5)
    results = await asyncio.gather(
        accounts.redeem(1, code), accounts.redeem(2, code), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, RequestRejectedError)]
    assert len(winners) == 1 and winners[0].available == 25
    assert len(losers) == 1 and losers[0].reason is Rejection.CODE_INVALID
    with pytest.raises(RequestRejectedError):
        await accounts.redeem(winners[0].user_id, code.lower())  # same code, any case
    totals = await any_storage.ledger.totals()
    assert totals[LedgerReason.REDEEM] == (25, 0)


async def test_codes_look_right_and_only_their_hashes_are_stored(
    storage: SqlStorage, client: MJClient
) -> None:
    _, accounts = make_core(client, storage, clock=ManualClock(1_000_000.0))
    codes = await accounts.make_codes(ADMIN, 20, 3, guild_id=5)
    assert len(set(codes)) == 20
    for code in codes:
        groups = code.split("-")
        assert len(code) >= 8 and all((g.isalnum() and g.isupper()) or g.isdigit() for g in groups)
        assert any(ch.isdigit() for ch in code)
    async with storage.engine.connect() as conn:
        stored = (await conn.exec_driver_sql("SELECT code_hash FROM redeem_codes")).scalars()
        assert not set(codes) & set(stored)


async def test_a_failed_banned_or_expired_job_is_refunded_and_a_success_settled(
    storage: SqlStorage, client: MJClient, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    prices = parse_prices("imagine=3")
    core, accounts = make_core(client, storage, clock=clock, prices=prices)
    await accounts.grant(ADMIN, 7, 12)
    ok = await core.jobs.imagine(user(7), "fine")
    fails = await core.jobs.imagine(user(7), "sim:fail please")
    with pytest.raises(MJBannedPromptError):
        await core.jobs.imagine(user(7), "a bannedword")
    wallet = await accounts.wallet(7)
    assert (wallet.available, wallet.reserved) == (6, 6)  # banned one refunded at once
    await run_until_idle(core, sim_clock, clock)
    assert await storage.ledger.charge_state(ok.id) is ChargeState.SETTLED
    assert await storage.ledger.charge_state(fails.id) is ChargeState.REFUNDED
    wallet = await accounts.wallet(7)
    assert (wallet.available, wallet.reserved) == (9, 0)


async def test_an_action_that_asks_first_is_charged_once(
    storage: SqlStorage, client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    prices = parse_prices("imagine=1,upscale=1,zoom=2,modal=1")
    core, accounts = make_core(client, storage, clock=clock, prices=prices)
    await accounts.grant(ADMIN, 7, 10)
    grid = await core.jobs.imagine(user(7), "a castle")
    await run_until_idle(core, sim_clock, clock)
    buttons = await storage.buttons.list(grid.id)
    u1 = next(b.index for b in buttons if b.label == "U1")
    (upscale,) = await core.presses.press(user(7, 2), grid.id, u1)
    await run_until_idle(core, sim_clock, clock)
    zoom = next(
        b.index
        for b in await storage.buttons.list(upscale.id)
        if b.custom_id.startswith("MJ::CustomZoom::")
    )
    (zoomed,) = await core.presses.press(user(7, 3), upscale.id, zoom, prompt="x --zoom 1.5")
    await run_until_idle(core, sim_clock, clock)
    assert sim.count("submit/modal") == 1
    entries = await storage.ledger.entries(7, limit=50)
    reserves = [e for e in entries if e.reason is LedgerReason.RESERVE]
    assert sorted(-e.delta for e in reserves) == [1, 1, 3]  # zoom 2 + modal 1, once
    assert (await accounts.wallet(7)).available == 10 - 5
    assert await storage.ledger.charge_state(zoomed.id) is ChargeState.SETTLED


@pytest.mark.parametrize(
    ("policy", "stranger_may", "payer"),
    [("owner", False, None), ("clicker_pays", True, "stranger"), ("owner_pays", True, "owner")],
)
async def test_who_may_press_and_who_pays(
    storage: SqlStorage,
    client: MJClient,
    sim: Simulator,
    sim_clock: ManualClock,
    policy: str,
    stranger_may: bool,
    payer: str | None,
) -> None:
    owner, stranger = 10, 20
    clock = ManualClock(1_000_000.0)
    core, accounts = make_core(
        client,
        storage,
        clock=clock,
        owner_only=policy == "owner",
        owner_pays=policy == "owner_pays",
    )
    await accounts.grant(ADMIN, owner, 5)
    await accounts.grant(ADMIN, stranger, 5)
    grid = await core.jobs.imagine(user(owner), "shared")
    await run_until_idle(core, sim_clock, clock)
    if not stranger_may:
        with pytest.raises(RequestRejectedError) as caught:
            await core.presses.press(user(stranger, 2), grid.id, 0)
        assert caught.value.reason is Rejection.NOT_OWNER
        assert sim.count("submit/action") == 0
        assert (await accounts.wallet(stranger)).available == 5
        return
    (pressed,) = await core.presses.press(user(stranger, 2), grid.id, 0)
    assert pressed.user_id == stranger  # the job, its limits and its message are the presser's
    paid_by = owner if payer == "owner" else stranger
    other = stranger if paid_by == owner else owner
    assert (await accounts.wallet(paid_by)).reserved == 1
    assert (await accounts.wallet(other)).reserved == 0


async def test_with_credits_off_nothing_is_charged(
    storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    admission = Admission(Limits(LimitValues()), Credits(Prices(), enabled=False))
    core = build_core(
        client,
        storage,
        limits=JobLimits(),
        poll_interval=0.01,
        deadline_seconds=600,
        admission=admission,
    )
    await core.jobs.imagine(user(3), "free")
    assert sim.count("submit/imagine") == 1
    assert await storage.ledger.wallet(3) is None
    assert await storage.ledger.totals() == {}


def test_a_price_table_names_its_kinds() -> None:
    prices = parse_prices("imagine=2, upscale=0")
    assert prices.of(PriceKind.IMAGINE) == 2 and prices.of(PriceKind.UPSCALE) == 0
    assert prices.of(PriceKind.PAN) == 1 and prices.of(PriceKind.MODAL) == 0
    for bad in ("imagine", "imagine=-1", "imagine=two", "fly=3"):
        with pytest.raises(ValueError, match=r"imagine|fly"):
            parse_prices(bad)


async def test_a_modal_left_unanswered_is_refunded_at_its_deadline(
    storage: SqlStorage,
    client: MJClient,
    sim_clock: ManualClock,
    http,  # type: ignore[no-untyped-def]
) -> None:
    async with remix_waiting(storage, sim_clock, http) as remix:
        _sim, core, accounts, clock, variation = remix
        assert variation.status is JobStatus.MODAL
        assert (await accounts.wallet(7)).reserved == 1
        assert await core.tracker.sweep_stale() == []  # not yet
        clock.advance(601)
        (expired,) = await core.tracker.sweep_stale()
        assert expired.id == variation.id and expired.status is JobStatus.FAILURE
        assert await storage.ledger.charge_state(variation.id) is ChargeState.REFUNDED
        wallet = await accounts.wallet(7)
        assert (wallet.available, wallet.reserved) == (2, 0)


async def test_a_stranger_cannot_answer_someone_elses_modal(
    storage: SqlStorage,
    client: MJClient,
    sim_clock: ManualClock,
    http,  # type: ignore[no-untyped-def]
) -> None:
    async with remix_waiting(storage, sim_clock, http, owner_only=False) as remix:
        sim, core, _accounts, _clock, variation = remix
        with pytest.raises(RequestRejectedError) as caught:
            await core.jobs.answer_modal(variation.id, 99, "the stranger's prompt")
        assert caught.value.reason is Rejection.NOT_OWNER
        assert sim.count("submit/modal") == 0


async def test_a_submit_that_timed_out_stays_reserved_until_its_deadline(
    storage: SqlStorage,
    client: MJClient,
    sim: Simulator,
    http,  # type: ignore[no-untyped-def]
) -> None:
    clock = ManualClock(1_000_000.0)
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        core, accounts = make_core(make_client(sim, impatient), storage, clock=clock)
        await accounts.grant(ADMIN, 7, 3)
        sim.faults.fault_scope, sim.faults.timeouts, sim.faults.timeout_seconds = "submit", 1, 0.5
        # An aggregator that cannot look a task up by state (tests/core/test_recovery.py
        # shows one that can).
        sim.faults.task_query_unsupported = sim.faults.task_list_unsupported = True
        with pytest.raises(MJTimeoutError):
            await core.jobs.imagine(user(7), "did it start?")
        (job,) = await storage.jobs.list_by_status([JobStatus.PENDING])
        assert await storage.ledger.charge_state(job.id) is ChargeState.RESERVED
        assert await core.tracker.sweep_stale() == []  # not before its deadline
        clock.advance(601)
        (swept,) = await core.tracker.sweep_stale()
    assert swept.id == job.id and swept.fail_reason == UNCONFIRMED_REASON
    assert await storage.ledger.charge_state(job.id) is ChargeState.REFUNDED
    assert (await accounts.wallet(7)).available == 3


async def test_an_answer_racing_the_modal_sweep_wins(
    storage: SqlStorage,
    client: MJClient,
    sim_clock: ManualClock,
    http,  # type: ignore[no-untyped-def]
) -> None:
    async with remix_waiting(storage, sim_clock, http) as remix:
        _sim, core, _accounts, clock, variation = remix
        seen_by_sweep = await storage.jobs.get(variation.id)  # the sweep lists it...
        answered = await core.jobs.answer_modal(variation.id, 7, "my answer")  # ...the user wins
        clock.advance(601)
        assert seen_by_sweep is not None
        assert await core.lifecycle.expire([seen_by_sweep], expected=(JobStatus.MODAL,)) == []
        assert (await storage.jobs.get(answered.id)).status is JobStatus.WAITING  # type: ignore[union-attr]
        assert await storage.ledger.charge_state(variation.id) is ChargeState.RESERVED


async def test_an_existing_task_answered_again_is_not_charged_twice(
    storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core, accounts = make_core(client, storage, clock=ManualClock(1_000_000.0))
    await accounts.grant(ADMIN, 7, 3)
    first = await core.jobs.imagine(user(7), "once")
    again = await core.lifecycle.record(NewJob(JobKind.IMAGINE, user(7, 2), prompt="once"))
    assert await storage.ledger.charge_state(again.id) is ChargeState.RESERVED
    assert first.task_id is not None
    await core.lifecycle.submitted(
        again,
        task_id=first.task_id,
        queue_position=None,
        final_prompt=None,
        needs_input=False,
        duplicate=True,  # the aggregator's "already exists" (code 21 with a status)
    )
    assert await storage.ledger.charge_state(again.id) is ChargeState.REFUNDED
    assert (await accounts.wallet(7)).available == 2  # only the first is held


async def test_under_owner_pays_a_presser_never_sees_the_owners_balance(
    storage: SqlStorage, client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(1_000_000.0)
    core, accounts = make_core(client, storage, clock=clock, owner_only=False, owner_pays=True)
    await accounts.grant(ADMIN, 10, 1)
    grid = await core.jobs.imagine(user(10), "the owner's last credit")
    await run_until_idle(core, sim_clock, clock)
    with pytest.raises(RequestRejectedError) as caught:
        await core.presses.press(user(20, 2), grid.id, 0)
    assert caught.value.reason is Rejection.OWNER_NO_CREDITS and caught.value.params == {}
    assert sim.count("submit/action") == 0


async def test_an_unconfirmed_submit_stops_holding_a_place_after_a_while(
    storage: SqlStorage, sim: Simulator
) -> None:
    clock = ManualClock(1_000_000.0)
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        core, accounts = make_core(
            make_client(sim, impatient),
            storage,
            clock=clock,
            limits=LimitValues(max_concurrent_jobs_per_user=1),
        )
        await accounts.grant(ADMIN, 7, 3)
        sim.faults.fault_scope, sim.faults.timeouts, sim.faults.timeout_seconds = "submit", 1, 0.5
        with pytest.raises(MJTimeoutError):
            await core.jobs.imagine(user(7), "lost answer")
        with pytest.raises(RequestRejectedError) as caught:
            await core.jobs.imagine(user(7), "right after")  # it may still be starting
        assert caught.value.reason is Rejection.TOO_MANY_RUNNING
        clock.advance(361)  # longer than any submit takes: it no longer holds the place
        assert (await core.jobs.imagine(user(7), "later")).status is JobStatus.WAITING
        wallet = await accounts.wallet(7)
        assert wallet.reserved == 2  # the lost one stays reserved until its deadline


async def test_a_duplicate_nobody_else_pays_for_stays_charged(
    storage: SqlStorage, client: MJClient
) -> None:
    core, accounts = make_core(client, storage, clock=ManualClock(1_000_000.0))
    await accounts.grant(ADMIN, 7, 3)
    job = await core.lifecycle.record(NewJob(JobKind.IMAGINE, user(7), prompt="retry"))
    await core.lifecycle.submitted(
        job, task_id="task-nobody-follows", queue_position=None, final_prompt=None,
        needs_input=False, duplicate=True,
    )  # fmt: skip
    assert await storage.ledger.charge_state(job.id) is ChargeState.RESERVED


async def test_a_modal_answer_that_timed_out_is_still_followed(
    storage: SqlStorage, sim_clock: ManualClock
) -> None:
    async with (
        httpx.AsyncClient(timeout=0.3) as http,
        remix_waiting(storage, sim_clock, http) as remix,
    ):
        sim, core, _accounts, clock, variation = remix
        sim.faults.fault_scope, sim.faults.timeouts, sim.faults.timeout_seconds = "submit", 1, 0.6
        with pytest.raises(MJTimeoutError):
            await core.jobs.answer_modal(variation.id, 7, "answered slowly")
        assert core.tracker.is_tracking(variation.id)
        await asyncio.sleep(0.4)  # the simulator finishes answering the modal
        await run_until_idle(core, sim_clock, clock)
        assert (await storage.jobs.get(variation.id)).status is JobStatus.SUCCESS  # type: ignore[union-attr]
        assert await storage.ledger.charge_state(variation.id) is ChargeState.SETTLED
