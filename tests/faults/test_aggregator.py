"""The aggregator misbehaving, during a submit and during tracking: fault, phase -> what
the user sees. Each row also proves: no task submitted twice, no result shown twice, the
credits settled or refunded exactly once, and the other user's job finishing as usual.

Rows already covered elsewhere, with less around them: tests/e2e/test_errors.py (a 500
on /shorten, a submit timeout, a refused key), tests/e2e/test_alerts.py (the operators'
alerts for a refused key and an unreachable aggregator).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.i18n import t
from bot.core.models import JobStatus
from tests.faults.scene import HANG_SECONDS, VICTIM, Scene, results_in, scene

# fault name -> (the simulator's counter, how many requests it spoils in tracking)
COUNTERS = {
    "500": ("http_500", 3),
    "hang": ("timeouts", 2),
    "hang, no lookup": ("timeouts", 2),  # and the aggregator cannot find a task by state
    "invalid JSON": ("invalid_json", 3),
    "401": ("unauthorized", 3),
    "429": ("rate_limited", 3),
}


@dataclass(frozen=True)
class Row:
    fault: str  # a COUNTERS name, or "gone": connections refused, then back
    phase: str  # "submit" or "tracking"
    sees: str | None  # the i18n key of what the user is told; None: the result, as usual
    locale: str = "en-US"

    def __str__(self) -> str:
        return f"{self.fault} during {self.phase}" + (f" ({self.locale})" if self.zh else "")

    @property
    def zh(self) -> bool:
        return self.locale == "zh-CN"

    @property
    def param(self) -> object:
        """Hangs and outages wait out timeouts and retries: a few seconds each."""
        slow = self.fault.startswith("hang") or (self.fault, self.phase) == ("gone", "tracking")
        return pytest.param(self, marks=pytest.mark.slow) if slow else self


ROWS = [
    Row("500", "submit", "error.unavailable"),
    Row("500", "submit", "error.unavailable", "zh-CN"),
    Row("hang", "submit", "error.maybe_submitted", "zh-CN"),
    Row("hang, no lookup", "submit", "error.maybe_submitted"),
    Row("invalid JSON", "submit", "error.unavailable"),
    Row("401", "submit", "error.misconfigured", "zh-CN"),
    Row("429", "submit", "error.rate_limited"),
    Row("gone", "submit", "error.unavailable"),
    Row("500", "tracking", None),
    Row("hang", "tracking", None),
    Row("invalid JSON", "tracking", None),
    Row("401", "tracking", None),
    Row("429", "tracking", None),
    Row("gone", "tracking", None),
]


def spoil(s: Scene, fault: str, scope: str, times: int) -> None:
    faults = s.h.sim.faults
    faults.update({"fault_scope": scope, "retry_after": 0.1, "timeout_seconds": HANG_SECONDS})
    faults.update({COUNTERS[fault][0]: times})


async def during_submit(s: Scene, row: Row) -> None:
    if row.fault == "gone":
        await s.h.sim.go_away()
    else:
        spoil(s, row.fault, "submit", 1)
    if row.fault == "hang, no lookup":
        s.h.sim.faults.update({"task_query_unsupported": True, "task_list_unsupported": True})
    inter = await s.victim("a castle in the fog", locale=row.locale)
    told = t(row.sees or "", row.locale)
    await s.h.wait(lambda: told in s.h.original(inter.token).content, f"“{told}”")
    if row.fault == "gone":
        await s.h.sim.come_back()
    (job,) = [job for job in await s.h.jobs() if job.user_id == VICTIM]
    if row.fault.startswith("hang"):
        # The task may have started: the job waits, its credit held, until its deadline,
        # when it is looked up by its state: found, it is delivered (and paid) once;
        # where the aggregator cannot look it up, it fails as unconfirmed, refunded.
        assert job.status is JobStatus.PENDING
        await s.bystander_unaffected()
        await past_deadline(s)
        if row.fault == "hang":
            message = await s.h.wait_final(inter.token, "the recovered result")
            assert message.attachments and results_in(s.h, s.victim_channel) == 1
            return
        unconfirmed = t("state.unconfirmed", row.locale)
        await s.h.wait(lambda: unconfirmed in str(s.h.original(inter.token).embeds), "the end")
    else:
        assert job.status is JobStatus.FAILURE and job.task_id is None
    assert results_in(s.h, s.victim_channel) == 0


async def during_tracking(s: Scene, row: Row) -> None:
    inter = await s.victim("a castle in the fog", locale=row.locale)
    await s.h.wait(lambda: "%" in s.h.original(inter.token).content, "the victim's progress")
    if row.fault == "gone":
        await away_for_some_polls(s)
    else:
        name, times = COUNTERS[row.fault]
        spoil(s, row.fault, "query", times)
        await s.h.wait(lambda: getattr(s.h.sim.faults, name) == 0, "the polls to meet it")
    message = await s.h.wait_final(inter.token, "the victim's result")
    assert message.attachments and message.buttons()
    assert results_in(s.h, s.victim_channel) == 1


async def away_for_some_polls(s: Scene) -> None:
    """Gone while the tracker polls a few times in vain, then back."""
    await s.h.sim.go_away()
    ticks = s.h.core.tracker.ticks
    await s.h.wait(lambda: s.h.core.tracker.ticks >= ticks + 3, "polls in vain", within=15)
    await s.h.sim.come_back()


async def past_deadline(s: Scene) -> None:
    """Once the deadline has passed, the tracker's sweep (every minute) runs; here now."""
    deadline = s.h.settings.task_deadline_seconds
    (job,) = [job for job in await s.h.jobs() if job.user_id == VICTIM]
    await asyncio.sleep(max(0.0, job.updated_at + deadline - time.time() + 0.05))
    await s.h.core.tracker.sweep_stale()


PHASES: dict[str, Callable[[Scene, Row], Awaitable[None]]] = {
    "submit": during_submit,
    "tracking": during_tracking,
}


@pytest.mark.parametrize("row", [row.param for row in ROWS], ids=str)
async def test_aggregator_fault(tmp_path: Path, row: Row) -> None:
    # A hung submit is resolved at the job's deadline: a short one (> 2 request timeouts).
    deadline = 3.0 if row.fault.startswith("hang") and row.phase == "submit" else 600.0
    async with scene(tmp_path, task_deadline_seconds=deadline) as s:
        await s.start_bystander()
        await PHASES[row.phase](s, row)
        await s.bystander_unaffected()
        await s.promises_kept(submits=2 if row.fault != "gone" or row.phase != "submit" else 1)
