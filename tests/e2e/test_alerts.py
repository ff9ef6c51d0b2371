"""Operator alerts end to end: a refused key reaches ADMIN_LOG_CHANNEL_ID while the user
is told so, the daily summary is posted there, an unreachable aggregator is noticed. The
alert parts are wired here as the composition root would wire them (AggregatorHealth
observing the client, OperatorAlerts, AlertSender's loop)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.core.health import AggregatorHealth, AlertKind, OperatorAlerts
from bot.core.mj.errors import MJTransportError
from bot.core.stats import StatsService
from bot.sim import ManualClock, SimConfig, running_simulator
from bot.ui.alerts import AlertSender, split_message
from tests.conftest import make_client
from tests.e2e.harness import API_KEY, harness

MESSAGES = "/channels/{channel_id}/messages"


async def test_a_refused_key_is_told_to_the_operators(tmp_path: Path) -> None:
    config = SimConfig(step_seconds=0.03, api_key="the-right-key")
    async with harness(tmp_path, sim_config=config) as h:
        log_channel = h.fake.add_channel(h.fake.guild_id, name="admin-log")
        clock = ManualClock(1_715_342_400.0)
        health = AggregatorHealth(clock=clock)
        h.core.client.add_observer(health.record)
        sender = AlertSender(h.bot, channel_id=log_channel, admin_ids=[int(h.fake.user["id"])])
        alerts = OperatorAlerts(health, sender.send, clock=clock)
        sender.start(alerts)
        try:
            first = await h.command("imagine", {"prompt": "wrong key"})
            await h.wait(lambda: "misconfigured" in h.original(first.token).content, "the reply")
            await h.wait(lambda: h.fake.messages_in(log_channel), "the operators' alert")
            second = await h.command("imagine", {"prompt": "still the wrong key"})
            await h.wait(lambda: "misconfigured" in h.original(second.token).content, "reply")
        finally:
            await sender.stop()
        assert await alerts.check() == 0  # one alert per incident

        (alert,) = h.fake.messages_in(log_channel)
        assert "refused the bot's API key" in alert.content
        assert "HTTP 401" in alert.content and API_KEY not in alert.content
        (posted,) = [r for r in h.fake.requests_to("POST", MESSAGES) if r.json]
        assert posted.json is not None and posted.json["allowed_mentions"] == {"parse": []}
        assert h.fake.violations == []


async def test_the_daily_summary_is_posted(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        log_channel = h.fake.add_channel(h.fake.guild_id, name="admin-log")
        inter = await h.command("imagine", {"prompt": "a lighthouse at dusk"})
        await h.wait_final(inter.token)
        (job,) = await h.jobs()

        clock = ManualClock(job.created_at)
        sender = AlertSender(h.bot, channel_id=log_channel)
        alerts = OperatorAlerts(
            AggregatorHealth(clock=clock),
            sender.send,
            stats=StatsService(h.storage.stats),
            quota=h.core.client.billing_quota,
            meta=h.storage.meta,
            clock=clock,
        )
        assert await alerts.check() == 0  # that day is summarized once it is over
        clock.advance(86_400)
        assert await alerts.check() == 1
        assert await alerts.check() == 0

        (summary,) = h.fake.messages_in(log_channel)
        assert summary.content.startswith("## 📊 Daily summary (UTC)")
        assert "**Jobs**: **1** · imagine 1" in summary.content
        assert "**Status**: succeeded 1" in summary.content
        assert "87.45 USD left of 100.00 USD" in summary.content  # the simulator's billing
        assert h.fake.violations == []


async def test_without_a_channel_each_admin_gets_a_dm(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        admins = [int(h.fake.user["id"]), int(h.fake.owner["id"])]
        h.fake.close_dms(admins[1])
        sender = AlertSender(h.bot, channel_id=None, admin_ids=admins)
        # One admin's DMs are closed: the other still gets it, nothing is raised.
        assert await sender.send("⚠️ test alert") == 1
        assert [m.content for m in h.fake.dms_to(admins[0])] == ["⚠️ test alert"]
        assert h.fake.dms_to(admins[1]) == []
        assert await AlertSender(h.bot, channel_id=None).send("nowhere to go") == 0

        closed = h.fake.add_channel(h.fake.guild_id, name="closed-log")
        h.fake.forbid_channel(closed)
        fallback = AlertSender(h.bot, channel_id=closed, admin_ids=admins[:1])
        assert await fallback.send("the log channel refuses the bot") == 1  # then its admins
        assert h.fake.dms_to(admins[0])[-1].content == "the log channel refuses the bot"


async def test_an_unreachable_aggregator_makes_a_down_alert(http: httpx.AsyncClient) -> None:
    async with running_simulator() as gone:
        pass  # its port is closed now
    clock = ManualClock(1_715_342_400.0)
    health = AggregatorHealth(clock=clock)
    client = make_client(gone, http, observer=health.record)
    for _ in range(11):  # one failed submit every 30 s for 5 minutes
        with pytest.raises(MJTransportError):
            await client.imagine("nobody home")
        clock.advance(30)
    (alert,) = health.alerts()
    assert alert.kind is AlertKind.DOWN and alert.minutes == 5
    assert "ConnectError" in alert.reason and API_KEY not in alert.reason


def test_long_texts_are_split_at_line_ends() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(60))
    pieces = split_message(text)
    assert len(pieces) == 3 and all(len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces) == text
    assert split_message("y" * 4500) == ["y" * 2000, "y" * 2000, "y" * 500]
