"""Aggregator health and operator alerts: every rule on a hand-driven clock with a sender
that records, and the client's observer hook over real HTTP against the simulator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from bot.core.health import (
    SUMMARY_DAY_KEY,
    AggregatorHealth,
    Alert,
    AlertKind,
    OperatorAlerts,
    render_alert,
)
from bot.core.mj.billing import Quota
from bot.core.mj.errors import (
    MJAuthError,
    MJEndpointUnsupportedError,
    MJError,
    MJRateLimitedError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
    MJValidationError,
)
from bot.core.models import JobKind, NewJob, Origin
from bot.core.stats import StatsService
from bot.core.storage import SqlStorage
from bot.sim import ManualClock, Simulator
from tests.conftest import make_client

T0 = datetime(2024, 5, 10, 12, 0, tzinfo=UTC).timestamp()
REFUSED = MJAuthError(401, "invalid token")
DOWN = MJServerError(502)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def health(clock: ManualClock) -> AggregatorHealth:
    return AggregatorHealth(clock=clock, key_cooldown=0.0)


def kinds(alerts: list[Alert]) -> list[AlertKind]:
    return [alert.kind for alert in alerts]


# ---------------------------------------------------------------- (a) key refused


def test_a_refused_key_alerts_once_per_incident(
    health: AggregatorHealth, clock: ManualClock
) -> None:
    health.record(False, REFUSED)
    assert health.alerts() == [Alert(AlertKind.KEY_REFUSED, T0, reason=str(REFUSED))]
    assert health.key_refused
    for _ in range(5):
        clock.advance(60)
        health.record(False, MJAuthError(403, "账号不可用"))
    health.record(False, DOWN)  # an outage in between does not end the incident
    assert health.alerts() == []

    health.record(True)  # the key works again: the next refusal is a new incident
    assert not health.key_refused and health.alerts() == []
    clock.advance(10)
    health.record(False, REFUSED)
    assert kinds(health.alerts()) == [AlertKind.KEY_REFUSED]


def test_an_api_refusal_does_not_end_a_key_incident(health: AggregatorHealth) -> None:
    health.record(False, REFUSED)
    assert kinds(health.alerts()) == [AlertKind.KEY_REFUSED]
    health.record(False, MJValidationError(4, "prompt不能为空"))
    health.record(False, REFUSED)
    assert health.alerts() == []


def test_a_new_key_incident_waits_out_the_cooldown(clock: ManualClock) -> None:
    health = AggregatorHealth(clock=clock, key_cooldown=3600.0)
    health.record(False, REFUSED)
    assert kinds(health.alerts()) == [AlertKind.KEY_REFUSED]
    health.record(True)
    clock.advance(600)
    health.record(False, REFUSED)  # a key barred from one model: fails between successes
    assert health.alerts() == []
    clock.advance(2999)
    assert health.alerts() == []
    clock.advance(1)  # 3600 s after the last alert, the open incident is told
    assert health.alerts() == [Alert(AlertKind.KEY_REFUSED, T0 + 3600, reason=str(REFUSED))]


# ---------------------------------------------------------------- (b) down, (c) recovered


def test_down_after_five_minutes_of_failures_then_recovered(
    health: AggregatorHealth, clock: ManualClock
) -> None:
    for _ in range(10):  # a failure every 30 s for 4.5 minutes
        health.record(False, MJTimeoutError("GET /mj/task timed out"))
        assert health.alerts() == [] and not health.down
        clock.advance(30)
    health.record(False, DOWN)  # T0 + 300
    assert health.alerts() == [Alert(AlertKind.DOWN, T0 + 300, reason=str(DOWN), minutes=5)]
    assert health.down
    for _ in range(20):
        clock.advance(30)
        health.record(False, MJTransportError("connection refused"))
    assert health.alerts() == []  # once per incident

    clock.advance(30)  # T0 + 930
    health.record(True)
    assert health.alerts() == [Alert(AlertKind.RECOVERED, T0 + 930, minutes=15)]
    health.record(True)
    assert health.alerts() == [] and not health.down


def test_down_is_decided_by_the_clock_too(health: AggregatorHealth, clock: ManualClock) -> None:
    health.record(False, DOWN)
    clock.advance(280)
    health.record(False, DOWN)
    clock.advance(20)  # no request now, but one failed 20 s ago
    assert kinds(health.alerts()) == [AlertKind.DOWN]


def test_no_alert_on_stale_failures_nor_recovered_without_down(
    health: AggregatorHealth, clock: ManualClock
) -> None:
    health.record(False, DOWN)
    clock.advance(200)
    health.record(False, DOWN)
    clock.advance(61)  # 5 minutes after the first failure, but none in the last minute
    assert health.alerts() == []
    health.record(True)
    assert health.alerts() == []


def test_any_answer_shows_the_aggregator_is_up(
    health: AggregatorHealth, clock: ManualClock
) -> None:
    answers: list[MJError] = [
        MJValidationError(4, "task_not_found"),
        MJEndpointUnsupportedError(404, "/mj/task/list-by-condition"),
        MJRateLimitedError(429, "overloaded"),
    ]
    for answer in answers:
        health.record(False, DOWN)
        clock.advance(250)
        health.record(False, answer)  # the failing streak ends
        clock.advance(50)
        health.record(False, DOWN)
        assert health.alerts() == []
        clock.advance(1000)
        health.record(True)


def test_recovered_by_an_api_refusal_or_a_refused_key(
    health: AggregatorHealth, clock: ManualClock
) -> None:
    health.record(False, DOWN)
    clock.advance(400)
    health.record(False, DOWN)
    assert kinds(health.alerts()) == [AlertKind.DOWN]
    health.record(False, REFUSED)
    assert kinds(health.alerts()) == [AlertKind.RECOVERED, AlertKind.KEY_REFUSED]


async def test_waiting_ends_when_an_alert_is_due(health: AggregatorHealth) -> None:
    waiting = asyncio.create_task(health.wait(600))
    await asyncio.sleep(0)
    health.record(False, REFUSED)
    await asyncio.wait_for(waiting, 5)  # not the 600 s
    assert kinds(health.alerts()) == [AlertKind.KEY_REFUSED]


def test_alert_texts() -> None:
    key = Alert(AlertKind.KEY_REFUSED, T0, reason="aggregator answered HTTP 401: invalid token")
    assert "refused the bot's API key" in render_alert(key)
    assert "(aggregator answered HTTP 401: invalid token)" in render_alert(key)
    assert "API 密钥" in render_alert(key, "zh-CN")
    assert "for 7 minutes (last error: aggregator answered HTTP 502)" in render_alert(
        Alert(AlertKind.DOWN, T0, reason="aggregator answered HTTP 502", minutes=7)
    )
    assert "after 12 minutes" in render_alert(Alert(AlertKind.RECOVERED, T0, minutes=12))


# ---------------------------------------------------------------- (d) the daily summary


class Recorder:
    """The sender function: it only records what it was given."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def __call__(self, text: str) -> None:
        self.sent.append(text)


async def test_health_alerts_go_through_the_sender(
    health: AggregatorHealth, clock: ManualClock
) -> None:
    send = Recorder()
    alerts = OperatorAlerts(health, send, clock=clock)
    health.record(False, REFUSED)
    assert await alerts.check() == 1
    assert await alerts.check() == 0
    assert len(send.sent) == 1 and "API key" in send.sent[0]


async def test_a_daily_summary_once_per_utc_day(storage: SqlStorage, clock: ManualClock) -> None:
    new = NewJob(JobKind.IMAGINE, Origin(user_id=7))
    await storage.jobs.create(new, at=T0 - 60)  # 2024-05-10, 11:59 UTC
    health, send = AggregatorHealth(clock=clock), Recorder()

    async def quota() -> Quota | None:
        return Quota(20.0, 5.0)

    def alerts() -> OperatorAlerts:  # as built at each start of the bot
        stats = StatsService(storage.stats)
        return OperatorAlerts(
            health, send, stats=stats, quota=quota, meta=storage.meta, clock=clock
        )

    first = alerts()
    assert await first.check() == 0  # the first day is summarized when it ends
    assert await storage.meta.get(SUMMARY_DAY_KEY) == "2024-05-09"
    clock.advance(11 * 3600 + 59 * 60)  # 23:59
    assert await first.check() == 0
    clock.advance(120)  # 2024-05-11, 00:01
    assert [await first.check(), await first.check()] == [1, 0]
    (summary,) = send.sent
    assert summary.startswith("## 📊 Daily summary (UTC) · 2024-05-10")
    assert "**Jobs**: **1** · imagine 1" in summary
    assert summary.endswith("**Aggregator quota**: 15.00 USD left of 20.00 USD")
    assert await alerts().check() == 0  # a restart the same day sends nothing again

    clock.advance(86400)  # 2024-05-12
    assert await alerts().check() == 1 and "2024-05-11" in send.sent[-1]
    clock.advance(3 * 86400)  # the bot was off: only the last finished day is summarized
    assert await alerts().check() == 1 and "2024-05-14" in send.sent[-1]
    assert await storage.meta.get(SUMMARY_DAY_KEY) == "2024-05-14"


# ---------------------------------------------------------------- the client's observer


async def test_the_client_reports_each_request(sim: Simulator, http: httpx.AsyncClient) -> None:
    seen: list[tuple[bool, type[MJError] | None]] = []
    durations: list[float] = []

    def observe(ok: bool, error: MJError | None, seconds: float) -> None:
        seen.append((ok, type(error) if error else None))
        durations.append(seconds)

    client = make_client(sim, http, observer=observe)
    submission = await client.imagine("a fox")
    assert seen == [(True, None)]
    assert 0 < durations[0] < 5  # how long the request took, for the metrics

    sim.faults.unauthorized = 1
    with pytest.raises(MJAuthError):
        await client.imagine("a fox")
    sim.faults.update({"http_500": 2, "fault_scope": "query"})
    assert await client.fetch(submission.task_id) is not None  # the third try answers
    assert seen[1:] == [
        (False, MJAuthError),
        (False, MJServerError),
        (False, MJServerError),
        (True, None),
    ]

    sim.faults.queue_full = True  # code 23 in an HTTP 200 answer: the aggregator is up
    with pytest.raises(MJError):
        await client.imagine("a fox")
    assert seen[-1] == (True, None)
    count = len(seen)
    assert await client.billing_quota() is not None
    assert len(seen) == count  # billing is optional: never told


async def test_a_broken_observer_changes_nothing(sim: Simulator, http: httpx.AsyncClient) -> None:
    def broken(ok: bool, error: MJError | None, seconds: float) -> None:
        raise RuntimeError("observer bug")

    client = make_client(sim, http, observer=broken)
    assert (await client.imagine("still works")).task_id
    seen: list[bool] = []
    client.add_observer(lambda ok, error, seconds: seen.append(ok))
    sim.faults.unauthorized = 1
    with pytest.raises(MJAuthError):
        await client.imagine("refused")
    assert seen == [False]
