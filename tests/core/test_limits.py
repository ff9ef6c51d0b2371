"""Every limit refuses with its reason, submits nothing and charges nothing; admins in
ADMIN_USER_IDS are exempt; button presses count like commands."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.app import Core, build_core
from bot.core.accounts import Accounts
from bot.core.admission import Admission
from bot.core.credits import Credits
from bot.core.limits import Limits, LimitSetting, LimitValues, Source, next_utc_midnight
from bot.core.mj.client import MJClient
from bot.core.models import JobStatus, MessageRef, Origin
from bot.core.pricing import Prices
from bot.core.starter import JobLimits
from bot.core.storage import SqlStorage
from bot.core.validation import Rejection, RequestRejectedError
from bot.sim import ManualClock, Simulator
from bot.sim.png import encode_png

ADMIN = 900
PNG = encode_png(8, 8, lambda y: b"\x10\x20\x30" * 8)
NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def asked(
    user_id: int = 1,
    *,
    channel: int = 6,
    guild: int | None = 5,
    roles: frozenset[int] = frozenset(),
    message: int = 1,
) -> Origin:
    return Origin(
        user_id=user_id,
        guild_id=guild,
        message=MessageRef(channel_id=channel, message_id=message),
        role_ids=roles,
    )


def make_core(
    client: MJClient, storage: SqlStorage, limits: LimitValues, clock: ManualClock
) -> Core:
    admission = Admission(
        Limits(limits, exempt_user_ids=frozenset({ADMIN}), clock=clock),
        Credits(Prices(), enabled=True, new_user_credits=100, clock=clock),
    )
    return build_core(
        client,
        storage,
        limits=JobLimits(owner_only_buttons=False),
        poll_interval=0.01,
        queued_poll_interval=0.0,  # every step seen: the tracker's clock stands still
        deadline_seconds=600,
        admission=admission,
        clock=clock,
    )


async def refused(core: Core, origin: Origin, reason: Rejection) -> RequestRejectedError:
    with pytest.raises(RequestRejectedError) as caught:
        await core.jobs.imagine(origin, "refused")
    assert caught.value.reason is reason
    return caught.value


async def assert_nothing_happened(storage: SqlStorage, sim: Simulator, jobs: int) -> None:
    assert sim.count("submit/imagine") == jobs
    assert len(await storage.jobs.list_by_status(list(JobStatus))) == jobs


OPEN = LimitValues(max_concurrent_jobs_per_user=0)


@pytest.mark.parametrize(
    ("limits", "origin", "reason"),
    [
        (
            replace(OPEN, allowed_channel_ids=frozenset({99})),
            asked(),
            Rejection.CHANNEL_NOT_ALLOWED,
        ),
        (replace(OPEN, allowed_role_ids=frozenset({77})), asked(), Rejection.ROLE_NOT_ALLOWED),
    ],
)
async def test_channels_and_roles(
    storage: SqlStorage,
    client: MJClient,
    sim: Simulator,
    limits: LimitValues,
    origin: Origin,
    reason: Rejection,
) -> None:
    core = make_core(client, storage, limits, ManualClock(NOW))
    await refused(core, origin, reason)
    await assert_nothing_happened(storage, sim, 0)
    # The right channel / role is let through.
    allowed = asked(channel=99, roles=frozenset({77}))
    assert (await core.jobs.imagine(allowed, "allowed")).status is JobStatus.WAITING
    wallet = await storage.ledger.wallet(1)
    assert wallet is not None and wallet.available == 99  # only the admitted job is charged


async def test_cooldown_names_when_the_next_job_may_start(
    storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    clock = ManualClock(NOW)
    core = make_core(client, storage, replace(OPEN, cooldown_seconds=30), clock)
    await core.jobs.imagine(asked(), "first")
    clock.advance(10)
    error = await refused(core, asked(), Rejection.COOLDOWN)
    assert error.params == {"seconds": "30", "at": int(NOW) + 30}
    await assert_nothing_happened(storage, sim, 1)
    clock.advance(21)
    await core.jobs.imagine(asked(), "after the cooldown")
    await core.jobs.imagine(asked(ADMIN), "admins are exempt")
    await core.jobs.imagine(asked(ADMIN), "even twice")


async def test_running_jobs_per_user(storage: SqlStorage, client: MJClient, sim: Simulator) -> None:
    core = make_core(client, storage, LimitValues(max_concurrent_jobs_per_user=2), ManualClock(NOW))
    await core.jobs.imagine(asked(), "one")
    await core.jobs.imagine(asked(), "two")
    error = await refused(core, asked(), Rejection.TOO_MANY_RUNNING)
    assert error.params == {"max": 2}
    await core.jobs.imagine(asked(2), "someone else is not held up")
    await assert_nothing_happened(storage, sim, 3)


async def test_daily_limits_per_user_and_server_reset_at_utc_midnight(
    storage: SqlStorage, client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(NOW)
    limits = replace(OPEN, daily_jobs_per_user=2, daily_jobs_per_server=3)
    core = make_core(client, storage, limits, clock)
    await core.jobs.imagine(asked(1), "a")
    failed = await core.jobs.imagine(asked(1), "sim:fail this one")
    for _ in range(20):  # let the failure happen: failed jobs do not count
        sim_clock.advance(1.0)
        await core.tracker.tick()
    assert (await storage.jobs.get(failed.id)).status is JobStatus.FAILURE  # type: ignore[union-attr]
    await core.jobs.imagine(asked(1), "b")
    error = await refused(core, asked(1), Rejection.DAILY_LIMIT)
    midnight = int(next_utc_midnight(NOW))
    assert error.params == {"max": 2, "at": midnight}
    await core.jobs.imagine(asked(2), "c")  # the server's third counted job
    error = await refused(core, asked(3), Rejection.SERVER_DAILY_LIMIT)
    assert error.params == {"max": 3, "at": midnight}
    await core.jobs.imagine(asked(3, guild=None), "in DMs no server budget applies")
    clock.advance(midnight - NOW + 1)  # a new UTC day
    await core.jobs.imagine(asked(1), "tomorrow")


async def test_a_ban_refuses_everything_until_lifted(
    storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core = make_core(client, storage, OPEN, ManualClock(NOW))
    assert await storage.policy.ban(1, admin_id=ADMIN, at=NOW)
    await refused(core, asked(1), Rejection.BANNED)
    await assert_nothing_happened(storage, sim, 0)
    assert await storage.policy.unban(1)
    await core.jobs.imagine(asked(1), "welcome back")


async def test_a_server_override_wins_and_says_where_it_comes_from(
    storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core = make_core(client, storage, LimitValues(max_concurrent_jobs_per_user=5), ManualClock(NOW))
    await storage.policy.set_guild_limit(
        5, LimitSetting.MAX_CONCURRENT_JOBS_PER_USER.value, "1", admin_id=ADMIN, at=NOW
    )
    assert core.admission is not None
    effective = await core.admission.limits.effective(storage.policy, 5)
    assert effective.values.max_concurrent_jobs_per_user == 1
    assert effective.sources[LimitSetting.MAX_CONCURRENT_JOBS_PER_USER] is Source.SERVER
    assert effective.sources[LimitSetting.COOLDOWN_SECONDS] is Source.SETTINGS
    await core.jobs.imagine(asked(), "one")
    await refused(core, asked(), Rejection.TOO_MANY_RUNNING)
    await core.jobs.imagine(asked(guild=8), "another server keeps the default")


async def test_button_presses_count_as_jobs(
    storage: SqlStorage, client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(NOW)
    core = make_core(client, storage, replace(OPEN, daily_jobs_per_user=1), clock)
    grid = await core.jobs.imagine(asked(1), "one a day")
    for _ in range(20):
        sim_clock.advance(1.0)
        await core.tracker.tick()
    with pytest.raises(RequestRejectedError) as caught:
        await core.presses.press(asked(1), grid.id, 0)
    assert caught.value.reason is Rejection.DAILY_LIMIT
    assert sim.count("submit/action") == 0


async def test_racing_requests_cannot_pass_the_running_limit(
    any_storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core = make_core(
        client, any_storage, LimitValues(max_concurrent_jobs_per_user=3), ManualClock(NOW)
    )
    results = await asyncio.gather(
        *(core.jobs.imagine(asked(), f"race {i}") for i in range(10)), return_exceptions=True
    )
    refusals = [r for r in results if isinstance(r, RequestRejectedError)]
    assert len(refusals) == 7 and sim.count("submit/imagine") == 3


async def test_the_server_budget_holds_when_many_users_race(
    any_storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core = make_core(client, any_storage, replace(OPEN, daily_jobs_per_server=1), ManualClock(NOW))
    results = await asyncio.gather(
        *(core.jobs.imagine(asked(100 + i), f"race {i}") for i in range(8)),
        return_exceptions=True,
    )
    refusals = [r for r in results if isinstance(r, RequestRejectedError)]
    assert len(refusals) == 7 and all(r.reason is Rejection.SERVER_DAILY_LIMIT for r in refusals)
    assert sim.count("submit/imagine") == 1


async def test_roles_are_required_in_dms_too(
    storage: SqlStorage, client: MJClient, sim: Simulator
) -> None:
    core = make_core(
        client, storage, replace(OPEN, allowed_role_ids=frozenset({77})), ManualClock(NOW)
    )
    await refused(core, asked(guild=None), Rejection.ROLE_NOT_ALLOWED)  # no roles outside a server
    await assert_nothing_happened(storage, sim, 0)


async def test_imagine_all_is_one_press_for_the_cooldown(
    storage: SqlStorage, client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    clock = ManualClock(NOW)
    core = make_core(client, storage, replace(OPEN, cooldown_seconds=30), clock)
    described = await core.jobs.describe(asked(), PNG)
    for _ in range(20):
        sim_clock.advance(1.0)
        await core.tracker.tick()
    clock.advance(31)
    everything = next(
        b.index
        for b in await storage.buttons.list(described.id)
        if b.custom_id == "MJ::Job::PicReader::all"
    )
    messages = iter(range(100, 110))

    async def more() -> Origin:
        return asked(message=next(messages))

    started = await core.presses.press(asked(), described.id, everything, more_origins=more)
    assert len(started) == 4 and sim.count("submit/imagine") == 4
    await refused(core, asked(), Rejection.COOLDOWN)  # the next request waits again


async def test_a_server_manager_may_only_make_the_operators_limits_stricter(
    storage: SqlStorage, client: MJClient
) -> None:
    defaults = LimitValues(max_concurrent_jobs_per_user=3, cooldown_seconds=10)
    core = make_core(client, storage, defaults, ManualClock(NOW))
    assert core.admission is not None
    accounts = Accounts(storage, core.admission, admin_user_ids=frozenset({ADMIN}))
    setting = LimitSetting.MAX_CONCURRENT_JOBS_PER_USER
    for looser in ("0", "5"):
        with pytest.raises(RequestRejectedError) as caught:
            await accounts.set_limit(77, 5, setting, looser, operator=False)
        assert caught.value.reason is Rejection.LIMIT_LOOSER
    with pytest.raises(RequestRejectedError):
        await accounts.set_limit(77, 5, LimitSetting.COOLDOWN_SECONDS, "1", operator=False)
    stricter = await accounts.set_limit(77, 5, setting, "1", operator=False)
    assert stricter.values.max_concurrent_jobs_per_user == 1
    back = await accounts.set_limit(77, 5, setting, "default", operator=False)
    assert back.values.max_concurrent_jobs_per_user == 3  # their own override, undone
    assert back.sources[setting] is Source.SETTINGS
    # What an operator sets for the server is theirs: its managers leave it alone.
    await accounts.set_limit(ADMIN, 5, setting, "2", operator=True)
    for change in ("3", "1", "default"):
        with pytest.raises(RequestRejectedError) as caught:
            await accounts.set_limit(77, 5, setting, change, operator=False)
        assert caught.value.reason is Rejection.LIMIT_SET_BY_OPERATOR
        assert caught.value.params["value"] == "2"
    loosened = await accounts.set_limit(ADMIN, 5, setting, "0", operator=True)
    assert loosened.values.max_concurrent_jobs_per_user == 0
