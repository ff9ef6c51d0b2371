"""/mjadmin through the real bot: who may use it, credits, codes, bans, per-server limits
and the ledger's pager (which survives a restart). Every answer is private."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.core.limits import LimitSetting
from bot.core.models import LedgerReason
from tests.e2e.harness import Harness, harness
from tests.e2e.test_account import ADMIN, me, private_reply
from tests.fakes import FakeMessage
from tests.fakes.payloads import MEMBER_PERMISSIONS

MANAGER = 616_161
OTHER = 717_171
MANAGES_SERVER = MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True)
CODE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4})+$")
SUBCOMMANDS = {"grant", "revoke", "balance", "codes", "ban", "unban", "limits", "ledger", "stats"}


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(
        tmp_path, credits_enabled=True, new_user_credits=5, admin_user_ids=str(ADMIN)
    ) as running:
        yield running
        assert running.fake.violations == [], "the bot sent a payload Discord would refuse"


async def admin(h: Harness, sub: str, options: dict[str, object], **kwargs: object) -> str:
    """/mjadmin <sub> by the bot operator; its private answer."""
    kwargs.setdefault("user_id", ADMIN)
    return private_reply(h, await h.command(f"mjadmin {sub}", options, **kwargs))


async def available(h: Harness, user_id: int | None = None) -> int:
    text = private_reply(h, await h.command("balance", {}, user_id=user_id))
    (amount,) = re.findall(r"Available: \*\*(\d+)\*\*", text)
    return int(amount)


async def test_mjadmin_is_one_guild_only_group_for_server_managers(h: Harness) -> None:
    (sync,) = h.fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    synced = {c["name"]: c for c in sync.json}  # exactly what the bot sent
    assert {"balance", "redeem", "mjadmin"} <= set(synced)
    mjadmin = synced["mjadmin"]
    assert int(mjadmin["default_member_permissions"]) == 0x20  # Manage Server
    assert mjadmin["contexts"] == [0] and mjadmin["integration_types"] == [0]
    assert {o["name"] for o in mjadmin["options"]} == SUBCOMMANDS
    assert all(o["type"] == 1 for o in mjadmin["options"])
    assert "zh-CN" in mjadmin["description_localizations"]
    limits = next(o for o in mjadmin["options"] if o["name"] == "limits")
    (setting, value) = limits["options"]
    assert [c["value"] for c in setting["choices"]] == [s.value for s in LimitSetting]
    assert not setting.get("required") and not value.get("required")
    assert synced["balance"].get("default_member_permissions") is None


async def test_grant_and_revoke_change_the_balance_and_name_the_admin(h: Harness) -> None:
    user = me(h)
    assert await available(h) == 5
    granted = await admin(h, "grant", {"user": user, "amount": 10})
    assert f"Gave **10** credits to <@{user}>. Available now: **15**" in granted
    assert await available(h) == 15
    revoked = await admin(h, "revoke", {"user": user, "amount": 20})
    assert "Took **15** credits" in revoked and "15 of the 20 asked" in revoked
    assert await available(h) == 0
    entries = list(reversed(await h.storage.ledger.entries(user, limit=10)))
    assert [(e.reason, e.delta, e.admin_id) for e in entries] == [
        (LedgerReason.NEW_USER, 5, None),
        (LedgerReason.GRANT, 10, ADMIN),
        (LedgerReason.REVOKE, -15, ADMIN),
    ]
    shown = await admin(h, "balance", {"user": user})
    assert f"Balance of <@{user}>" in shown and "Available: **0** credits" in shown


async def test_codes_are_listed_and_attached_and_each_credits_once(h: Harness) -> None:
    inter = await h.command("mjadmin codes", {"count": 3, "credits": 4}, user_id=ADMIN)
    text = private_reply(h, inter)
    codes = [line for line in text.splitlines() if CODE.match(line)]
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(any(ch.isdigit() for ch in code) for code in codes)
    (attached,) = h.original(inter.token).attachments
    assert attached.filename == "codes.txt"
    assert attached.content.decode().split() == codes

    first = private_reply(h, await h.command("redeem", {"code": codes[0]}))
    assert "Available now: **9** credits" in first
    again = private_reply(h, await h.command("redeem", {"code": codes[0]}))
    assert "not valid or was already used" in again
    stolen = private_reply(h, await h.command("redeem", {"code": codes[0]}, user_id=OTHER))
    assert "not valid or was already used" in stolen
    assert await available(h) == 9 and await available(h, OTHER) == 5
    typed = private_reply(h, await h.command("redeem", {"code": codes[1].lower()}, user_id=OTHER))
    assert "Available now: **9** credits" in typed  # case does not matter

    most = await admin(h, "codes", {"count": 100, "credits": 1})  # still fits one message
    assert len([line for line in most.splitlines() if CODE.match(line)]) == 100


async def test_a_banned_user_cannot_imagine_until_unbanned(h: Harness) -> None:
    user = me(h)
    assert f"<@{user}> is banned" in await admin(h, "ban", {"user": user})
    assert "already banned" in await admin(h, "ban", {"user": user})
    refused = await h.command("imagine", {"prompt": "a banned fox"})
    assert await h.refusal(refused) == "You are not allowed to use this bot."
    assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []

    assert "no longer banned" in await admin(h, "unban", {"user": user})
    assert "was not banned" in await admin(h, "unban", {"user": user})
    allowed = await h.command("imagine", {"prompt": "a free fox"})
    assert (await h.wait_final(allowed.token)).buttons()
    assert h.sim.count("submit/imagine") == 1


async def test_banning_an_operator_says_it_has_no_effect(h: Harness) -> None:
    text = await admin(h, "ban", {"user": ADMIN})
    assert "is banned" in text and "exempt from bans and limits" in text


async def test_limits_show_their_source_and_a_server_limit_applies_there_only(
    h: Harness,
) -> None:
    listed = await admin(h, "limits", {})
    for setting in LimitSetting:
        (line,) = [x for x in listed.splitlines() if x.startswith(f"`{setting.value}` = ")]
        assert line.endswith("· settings")
    changed = await admin(h, "limits", {"setting": "daily_jobs_per_user", "value": "1"})
    assert "`daily_jobs_per_user` is now 1 in this server." in changed
    assert "`daily_jobs_per_user` = 1 · this server" in changed
    assert "`cooldown_seconds` = none · settings" in changed

    first = await h.command("imagine", {"prompt": "the only one today"})
    await h.wait_final(first.token)
    second = await h.command("imagine", {"prompt": "one too many"})
    assert "You reached today's limit of 1 jobs" in await h.refusal(second)
    assert h.sim.count("submit/imagine") == 1
    assert "Jobs today: **1** of 1" in private_reply(h, await h.command("balance", {}))

    elsewhere = h.fake.add_guild(name="Another server")
    there = await h.command("imagine", {"prompt": "another server"}, guild_id=elsewhere)
    assert (await h.wait_final(there.token)).buttons()  # the limit is this server's


async def test_a_channel_limit_is_shown_and_applies(h: Harness) -> None:
    studio = h.fake.add_channel(h.fake.guild_id, name="studio")
    text = await admin(h, "limits", {"setting": "allowed_channel_ids", "value": str(studio)})
    assert f"`allowed_channel_ids` = <#{studio}> · this server" in text
    elsewhere = await h.command("imagine", {"prompt": "in general"})
    assert "cannot be started in this channel" in await h.refusal(elsewhere)
    inside = await h.command("imagine", {"prompt": "in the studio"}, channel_id=studio)
    assert (await h.wait_final(inside.token)).buttons()
    assert h.sim.count("submit/imagine") == 1


async def test_limits_refuse_a_bad_value_and_half_an_order(h: Harness) -> None:
    bad = await admin(h, "limits", {"setting": "daily_jobs_per_user", "value": "lots"})
    assert "That is not a value for daily_jobs_per_user" in bad
    half = await admin(h, "limits", {"setting": "cooldown_seconds"})
    assert "give both `setting` and `value`" in half
    assert "give both" in await admin(h, "limits", {"value": "3"})
    assert await h.storage.policy.guild_limits(h.fake.guild_id) == {}
    chinese = await admin(h, "limits", {}, locale="zh-CN")
    assert "本服务器的限制" in chinese and "· 配置文件" in chinese


async def test_anyone_else_is_refused_and_nothing_changes(h: Harness) -> None:
    user = me(h)
    orders: list[tuple[str, dict[str, object]]] = [
        ("grant", {"user": user, "amount": 100}),
        ("revoke", {"user": OTHER, "amount": 1}),
        ("balance", {"user": OTHER}),
        ("codes", {"count": 1, "credits": 100}),
        ("ban", {"user": OTHER}),
        ("unban", {"user": OTHER}),
        ("limits", {}),
        ("limits", {"setting": "daily_jobs_per_user", "value": "0"}),
        ("ledger", {"user": OTHER}),
    ]
    for sub, options in orders:
        text = await admin(h, sub, options, user_id=user)
        assert text == "Only server managers and the bot's operators can use /mjadmin.", sub
    chinese = await admin(h, "grant", {"user": user, "amount": 1}, user_id=user, locale="zh-CN")
    assert "只有服务器管理员和机器人运营者" in chinese
    assert await available(h) == 5
    assert [e.reason for e in await h.storage.ledger.entries(user, limit=10)] == [
        LedgerReason.NEW_USER
    ]
    assert await h.storage.ledger.wallet(OTHER) is None
    assert not await h.storage.policy.is_banned(OTHER)
    assert await h.storage.policy.guild_limits(h.fake.guild_id) == {}


async def test_a_server_manager_runs_their_server_but_not_the_operators_money(
    h: Harness,
) -> None:
    """With ADMIN_USER_IDS set, Manage Server is enough for this server's limits and
    for looking, not for what counts in every server (credits, codes, bans)."""
    user = me(h)
    await available(h)
    limits = await admin(
        h,
        "limits",
        {"setting": LimitSetting.DAILY_JOBS_PER_USER.value, "value": "4"},
        user_id=MANAGER,
        member_permissions=MANAGES_SERVER,
    )
    assert "daily_jobs_per_user" in limits
    looked = await admin(
        h, "balance", {"user": user}, user_id=MANAGER, member_permissions=MANAGES_SERVER
    )
    assert "Available: **5**" in looked
    for sub, options in (
        ("grant", {"user": user, "amount": 3}),
        ("codes", {"count": 1, "credits": 5}),
        ("ban", {"user": user}),
    ):
        refused = await admin(h, sub, options, user_id=MANAGER, member_permissions=MANAGES_SERVER)
        assert "Only the bot's operators (ADMIN_USER_IDS)" in refused, sub
    assert await available(h) == 5 and not await h.storage.policy.is_banned(user)
    refused = await admin(h, "balance", {"user": user}, user_id=MANAGER)
    assert "Only server managers" in refused  # the same person, without the permission


async def test_without_operators_a_server_manager_may_grant(tmp_path: Path) -> None:
    async with harness(tmp_path, credits_enabled=True, new_user_credits=5) as h:
        user = me(h)
        assert await available(h) == 5
        text = await admin(
            h,
            "grant",
            {"user": user, "amount": 3},
            user_id=MANAGER,
            member_permissions=MANAGES_SERVER,
        )
        assert "Gave **3** credits" in text and "Available now: **8**" in text
        (grant, _) = await h.storage.ledger.entries(user, limit=10)
        assert grant.reason is LedgerReason.GRANT and grant.admin_id == MANAGER
        assert h.fake.violations == []


def pager(message: FakeMessage) -> list[tuple[str | None, str | None, bool]]:
    return [
        (b.label, b.custom_id, bool((message.component(b.custom_id or "") or {}).get("disabled")))
        for b in message.buttons()
    ]


async def test_the_ledger_pages_with_buttons_that_survive_a_restart(h: Harness) -> None:
    for n in range(1, 26):  # 25 entries: pages of 10, 10 and 5, newest first
        await h.storage.ledger.grant(OTHER, n, admin_id=ADMIN, at=1_700_000_000 + n)
    inter = await h.command("mjadmin ledger", {"user": OTHER}, user_id=ADMIN)
    first = private_reply(h, inter)
    assert f"**Ledger of <@{OTHER}>: page 1 of 3**" in first
    lines = first.splitlines()[1:]
    assert len(lines) == 10
    assert lines[0] == f"<t:1700000025:f> · **grant** +25 · held +0 · by <@{ADMIN}>"
    message = h.original(inter.token)
    assert pager(message) == [
        ("◀ Previous", f"mj:v1:ledger:{OTHER}:0", True),
        ("Next ▶", f"mj:v1:ledger:{OTHER}:1", False),
    ]

    click = await h.dispatch(
        h.factory.button_click(message, f"mj:v1:ledger:{OTHER}:1", user_id=ADMIN)
    )
    assert click.callback_type == 7  # the same message shows the next page
    message = h.fake.message(message.id)
    assert "page 2 of 3" in message.content and "+15 ·" in message.content

    await h.stop_bot()
    await h.start_bot()
    click = await h.dispatch(
        h.factory.button_click(message, f"mj:v1:ledger:{OTHER}:2", user_id=ADMIN, locale="zh-CN")
    )
    assert click.callback_type == 7
    message = h.fake.message(message.id)
    assert "第 3 页，共 3 页" in message.content and len(message.content.splitlines()) == 6
    assert pager(message)[1] == ("下一页 ▶", f"mj:v1:ledger:{OTHER}:2", True)

    stranger = await h.dispatch(
        h.factory.button_click(message, f"mj:v1:ledger:{OTHER}:1", user_id=OTHER)
    )
    assert "Only server managers" in private_reply(h, stranger)
    assert "第 3 页" in h.fake.message(message.id).content  # unchanged


async def test_the_ledger_shows_jobs_and_a_single_page_has_no_buttons(h: Harness) -> None:
    user = me(h)
    inter = await h.command("imagine", {"prompt": "a paid fox"})
    await h.wait_final(inter.token)
    (job,) = await h.jobs()
    ledger = await h.command("mjadmin ledger", {"user": user}, user_id=ADMIN)
    lines = private_reply(h, ledger).splitlines()
    assert lines[0] == f"**Ledger of <@{user}>: page 1 of 1**"
    assert f"**settle** +0 · held -1 · job #{job.id}" in lines[1]
    assert f"**reserve** -1 · held +1 · job #{job.id}" in lines[2]
    assert "**new user** +5 · held +0" in lines[3]
    assert h.original(ledger.token).buttons() == []
    empty = await admin(h, "ledger", {"user": OTHER})
    assert empty == f"<@{OTHER}> has no ledger entries yet."


async def test_stats_for_the_operator_and_for_a_server_manager(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a lighthouse"}, user_id=OTHER)
    await h.wait_final(inter.token)
    operator = await stats_reply(h, user_id=ADMIN)
    assert "Usage statistics (UTC)" in operator and "Aggregator quota" in operator
    assert "USD left of" in operator  # the simulator answers the billing endpoints
    assert f"<@{OTHER}>" in operator and "spent 1" in operator  # top users, credits
    manager = await stats_reply(h, user_id=MANAGER, member_permissions=MANAGES_SERVER)
    assert "Usage statistics (UTC)" in manager and "Aggregator quota" not in manager
    chinese = await stats_reply(h, user_id=ADMIN, locale="zh-CN")
    assert "使用统计" in chinese


async def stats_reply(h: Harness, **kwargs: object) -> str:
    inter = await h.command("mjadmin stats", {}, **kwargs)
    await h.wait(lambda: inter.followup_ids, "the statistics")
    replies = [h.fake.message(i) for i in inter.followup_ids]
    assert all(r.ephemeral for r in replies)
    return "\n".join(r.content for r in replies)
