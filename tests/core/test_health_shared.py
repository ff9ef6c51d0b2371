"""Several processes on one database send the daily summary once between them: the day
summarized is advanced in bot_meta by a conditional update, and only the process whose
update counted sends it."""

from __future__ import annotations

import asyncio

from bot.core.health import SUMMARY_DAY_KEY, AggregatorHealth, OperatorAlerts
from bot.core.stats import StatsService
from bot.core.storage import SqlStorage
from bot.sim import ManualClock
from tests.core.test_health import T0, Recorder


async def test_two_processes_send_one_daily_summary(any_storage: SqlStorage) -> None:
    clock = ManualClock(T0)
    send = Recorder()

    def process() -> OperatorAlerts:  # each with its own memory, one database
        stats = StatsService(any_storage.stats)
        return OperatorAlerts(
            AggregatorHealth(clock=clock), send, stats=stats, meta=any_storage.meta, clock=clock
        )

    first, second = process(), process()
    assert await asyncio.gather(first.check(), second.check()) == [0, 0]
    clock.advance(86400)  # the next UTC day: the first one is due, in both
    assert sorted(await asyncio.gather(first.check(), second.check())) == [0, 1]
    assert len(send.sent) == 1 and "2024-05-10" in send.sent[0]
    assert await asyncio.gather(first.check(), second.check()) == [0, 0]
    assert await any_storage.meta.get(SUMMARY_DAY_KEY) == "2024-05-10"
    clock.advance(86400)
    assert sorted(await asyncio.gather(second.check(), first.check())) == [0, 1]
    assert len(send.sent) == 2 and "2024-05-11" in send.sent[1]
