"""/balance and /redeem through the real bot: new-user credits once, the limits that apply
here and when they reset, private answers in the user's language."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.core.limits import next_utc_midnight
from bot.core.models import LedgerReason
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeInteraction

ADMIN = 424_242_424_242
STRANGER = 515_151


@pytest.fixture
async def paid(tmp_path: Path) -> AsyncIterator[Harness]:
    """Credits on, 5 for every new user, one bot operator."""
    async with harness(
        tmp_path, credits_enabled=True, new_user_credits=5, admin_user_ids=str(ADMIN)
    ) as running:
        yield running
        assert running.fake.violations == [], "the bot sent a payload Discord would refuse"


def me(h: Harness) -> int:
    return int(h.fake.user["id"])


def private_reply(h: Harness, inter: FakeInteraction) -> str:
    """The interaction was answered at once with an ephemeral message."""
    assert inter.callback_type == 4
    message = h.original(inter.token)
    assert message.ephemeral
    return message.content


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 5.0
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_balance_shows_new_user_credits_once(paid: Harness) -> None:
    h = paid
    first = private_reply(h, await h.command("balance", {}))
    assert "**Your balance**" in first
    assert "Available: **5** credits · reserved by running jobs: **0**" in first
    assert "Jobs today: **0**" in first
    second = private_reply(h, await h.command("balance", {}))
    assert "Available: **5** credits" in second
    entries = await h.storage.ledger.entries(me(h), limit=10)
    assert [e.reason for e in entries] == [LedgerReason.NEW_USER]


async def test_balance_lists_the_limits_here_and_when_they_reset(paid: Harness) -> None:
    h = paid
    text = private_reply(h, await h.command("balance", {}))
    assert "**Limits that apply here**" in text
    assert "• Jobs running at once: 10" in text  # the harness's setting
    assert "• Jobs per day (per user): 0 (unlimited)" in text
    assert "• Time between two jobs: none" in text
    assert "• Channels: every channel" in text and "• Roles: everyone" in text
    (reset,) = re.findall(r"Daily limits reset <t:(\d+):R>", text)
    assert int(reset) == int(next_utc_midnight(time.time()))


async def test_balance_of_a_bot_operator_says_exempt(paid: Harness) -> None:
    text = private_reply(paid, await paid.command("balance", {}, user_id=ADMIN))
    assert "exempt" in text and "Available: **5**" in text


async def test_balance_counts_todays_jobs_and_reserved_credits(paid: Harness) -> None:
    h = paid
    h.sim.faults.never_finish = True
    await h.command("imagine", {"prompt": "a slow fox"})

    async def reserved() -> bool:
        wallet = await h.storage.ledger.wallet(me(h))
        return wallet is not None and wallet.reserved == 1

    await eventually(reserved, "the job's reservation")
    text = private_reply(h, await h.command("balance", {}))
    assert "Available: **4** credits · reserved by running jobs: **1**" in text
    assert "Jobs today: **1**" in text


async def test_balance_in_chinese(paid: Harness) -> None:
    text = private_reply(paid, await paid.command("balance", {}, locale="zh-CN"))
    assert "你的余额" in text and "可用：**5** 点" in text and "每日限额将于<t:" in text
    assert "• 同时进行的任务：10" in text and "• 每人每日任务数：0（不限）" in text


async def test_balance_in_community_mode_says_credits_are_off(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        text = private_reply(h, await h.command("balance", {}))
        assert "Credits are off on this bot" in text and "Available" not in text
        assert await h.storage.ledger.wallet(me(h)) is None
        refusal = private_reply(h, await h.command("redeem", {"code": "MJ7K-3QXP-9ZTA"}))
        assert "Credits are not used on this bot" in refusal
        assert h.fake.violations == []


async def test_a_bad_code_is_refused_privately(paid: Harness) -> None:
    h = paid
    refusal = private_reply(h, await h.command("redeem", {"code": "NOPE-1234-ZZZZ"}))
    assert refusal == "That code is not valid or was already used."
    chinese = private_reply(h, await h.command("redeem", {"code": "X1"}, locale="zh-CN"))
    assert "兑换码无效" in chinese
    assert (await h.storage.ledger.wallet(me(h))) is not None  # seen, nothing added
    entries = await h.storage.ledger.entries(me(h), limit=10)
    assert [e.reason for e in entries] == [LedgerReason.NEW_USER]


async def test_any_first_interaction_gives_the_new_user_credits(paid: Harness) -> None:
    """A button press that is refused is still the user's first interaction."""
    h = paid
    inter = await h.command("imagine", {"prompt": "mine alone"})
    grid = await h.wait_final(inter.token)
    assert await h.storage.ledger.wallet(STRANGER) is None
    click = await h.dispatch(
        h.factory.button_click(grid, grid.buttons()[0].custom_id, user_id=STRANGER)
    )
    assert "can use these buttons" in private_reply(h, click)

    async def has_wallet() -> bool:
        wallet = await h.storage.ledger.wallet(STRANGER)
        return wallet is not None and wallet.available == 5

    await eventually(has_wallet, "the stranger's wallet")
    entries = await h.storage.ledger.entries(STRANGER, limit=10)
    assert [e.reason for e in entries] == [LedgerReason.NEW_USER]


async def test_a_grant_before_the_first_interaction_keeps_the_new_user_credits(
    paid: Harness,
) -> None:
    h = paid
    granted = private_reply(
        h, await h.command("mjadmin grant", {"user": STRANGER, "amount": 3}, user_id=ADMIN)
    )
    assert "Gave **3** credits" in granted
    text = private_reply(h, await h.command("balance", {}, user_id=STRANGER))
    assert "Available: **8** credits" in text
