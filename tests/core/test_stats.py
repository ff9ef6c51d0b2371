"""Statistics over a known history, on SQLite and PostgreSQL: every figure exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core.i18n import t
from bot.core.mj.billing import Quota, quota_of
from bot.core.models import (
    TIMED_OUT_REASON,
    JobKind,
    JobStatus,
    NewJob,
    Origin,
    Progress,
)
from bot.core.pricing import PriceKind
from bot.core.stats import (
    MAX_LENGTH,
    StatsReport,
    StatsService,
    UserUsage,
    WindowStats,
    render_stats,
)
from bot.core.storage import SqlStorage

DAY = date(2024, 5, 10)
S = datetime(2024, 5, 10, tzinfo=UTC).timestamp()  # 00:00 UTC that day
H, D = 3600.0, 86400.0
NOW = S + 15 * H
A, B, C, E, F, G = 101, 102, 103, 104, 105, 106
UPSCALE_1 = "MJ::JOB::upsample::1::6f6c5c4e-7a1b-4f4e-9d7b-1c2d3e4f5a6b"
UPSCALE_2 = "MJ::JOB::upsample::2::6f6c5c4e-7a1b-4f4e-9d7b-1c2d3e4f5a6b"
VARIATION = "MJ::JOB::variation::2::6f6c5c4e-7a1b-4f4e-9d7b-1c2d3e4f5a6b"
ZOOM = "MJ::Outpaint::50::1::6f6c5c4e-7a1b-4f4e-9d7b-1c2d3e4f5a6b::SOLO"


async def job(
    storage: SqlStorage,
    user: int,
    kind: JobKind,
    status: JobStatus,
    *,
    at: float,
    seconds: float = 60.0,
    custom_id: str | None = None,
    task: bool = True,
    reason: str | None = None,
    cost: int = 0,
    charge: str = "",
) -> int:
    """One job as the bot would have left it, with its credits reserved and then settled
    ("settle") or refunded ("refund") when it finished."""
    options = {"custom_id": custom_id, "label": "U1"} if custom_id else {}
    new = NewJob(kind, Origin(user_id=user, guild_id=1), prompt="p", options=options)
    created = await storage.jobs.create(new, at=at)
    await storage.ledger.open_wallet(user, new_user_credits=100, at=at)
    if cost:
        assert await storage.ledger.reserve(user, created.id, cost, at=at)
    if task:
        await storage.jobs.mark_submitted(
            created.id,
            task_id=f"t{created.id}",
            status=JobStatus.WAITING,
            queue_position=None,
            final_prompt=None,
            at=at + 1,
        )
    if status.is_terminal:
        done = at + seconds
        assert await storage.jobs.finish(
            created.id,
            status=status,
            progress=100 if status is JobStatus.SUCCESS else 0,
            image_url=None,
            final_prompt=None,
            fail_reason=reason or ("failed" if status is JobStatus.FAILURE else None),
            at=done,
        )
        if charge == "settle":
            assert await storage.ledger.settle(created.id, at=done)
        elif charge == "refund":
            assert await storage.ledger.refund(created.id, at=done)
    elif status is JobStatus.IN_PROGRESS:
        change = Progress(created.id, status, 50, None, None, None)
        await storage.jobs.record_progress([change], at=at + 2)
    return created.id


async def history(s: SqlStorage) -> None:
    ok, bad = JobStatus.SUCCESS, JobStatus.FAILURE
    act = JobKind.ACTION
    # today
    await job(s, A, JobKind.IMAGINE, ok, at=S + 1 * H, cost=2, charge="settle")
    await job(s, A, act, ok, at=S + 2 * H, seconds=30, custom_id=UPSCALE_1, cost=1, charge="settle")
    await job(s, A, act, bad, at=S + 3 * H, custom_id=VARIATION, reason="banned", cost=1,
              charge="refund")  # fmt: skip
    await job(s, B, JobKind.IMAGINE, ok, at=S + 4 * H, seconds=90, cost=2, charge="settle")
    await job(s, B, JobKind.IMAGINE, bad, at=S + 5 * H, reason=TIMED_OUT_REASON, cost=2,
              charge="refund")  # fmt: skip
    await job(s, C, JobKind.BLEND, bad, at=S + 6 * H, task=False, reason="queue full", cost=1,
              charge="refund")  # fmt: skip
    await job(s, C, act, JobStatus.IN_PROGRESS, at=S + 7 * H, custom_id=ZOOM, cost=1)
    await job(s, E, JobKind.DESCRIBE, JobStatus.CANCEL, at=S + 8 * H)
    await job(s, E, act, ok, at=S + 9 * H, seconds=45, custom_id=UPSCALE_2, cost=1, charge="settle")
    # created yesterday, settled today
    await job(s, A, JobKind.IMAGINE, ok, at=S - 30, cost=4, charge="settle")
    # earlier this week, and outside it on both sides
    await job(s, F, JobKind.IMAGINE, ok, at=S - 3 * D, seconds=200, cost=3, charge="settle")
    await job(s, F, JobKind.IMAGINE, bad, at=S - 6 * D + 600, cost=3, charge="refund")
    await job(s, G, JobKind.IMAGINE, ok, at=S - 7 * D + H, cost=5, charge="settle")
    await job(s, G, JobKind.IMAGINE, ok, at=S + D + H, cost=5, charge="settle")
    await s.ledger.grant(A, 50, admin_id=9, at=S + H)  # not spending


async def test_report_over_a_known_history(any_storage: SqlStorage) -> None:
    await history(any_storage)
    report = await StatsService(any_storage.stats).report(NOW)

    assert report.day == DAY
    today, week = report.today, report.week
    assert (today.since, today.until) == (S, S + D)
    assert (week.since, week.until) == (S - 6 * D, S + D)

    assert today.jobs == 9
    assert today.by_kind == {
        PriceKind.IMAGINE: 3,
        PriceKind.UPSCALE: 2,
        PriceKind.VARIATION: 1,
        PriceKind.BLEND: 1,
        PriceKind.ZOOM: 1,
        PriceKind.DESCRIBE: 1,
    }
    assert today.by_status == {
        JobStatus.SUCCESS: 4,
        JobStatus.FAILURE: 3,
        JobStatus.IN_PROGRESS: 1,
        JobStatus.CANCEL: 1,
    }
    assert (today.credits_spent, today.credits_refunded) == (2 + 1 + 2 + 1 + 4, 1 + 2 + 1)
    assert today.top_users == (
        UserUsage(A, 3, 7),
        UserUsage(B, 2, 2),
        UserUsage(C, 2, 0),
        UserUsage(E, 2, 1),
    )
    # accepted and finished by the aggregator: 4 successes, 1 failure (the timeout, the
    # refused submit, the cancel and the unfinished job are not the aggregator's record)
    assert (today.aggregator_failures, today.aggregator_outcomes) == (1, 5)
    assert today.error_rate == 0.2
    assert today.median_seconds == (45 + 60) / 2  # of 30, 45, 60, 90

    assert week.jobs == 12
    assert week.by_kind[PriceKind.IMAGINE] == 6
    assert week.by_status == {
        JobStatus.SUCCESS: 6,
        JobStatus.FAILURE: 4,
        JobStatus.IN_PROGRESS: 1,
        JobStatus.CANCEL: 1,
    }
    assert (week.credits_spent, week.credits_refunded) == (10 + 3, 4 + 3)
    assert week.top_users == (
        UserUsage(A, 4, 7),
        UserUsage(B, 2, 2),
        UserUsage(C, 2, 0),
        UserUsage(E, 2, 1),
        UserUsage(F, 2, 3),
    )
    assert (week.aggregator_failures, week.aggregator_outcomes) == (2, 8)
    assert week.median_seconds == 60.0  # of 30, 45, 60, 60, 90, 200


async def test_a_finished_day_and_fewer_top_users(any_storage: SqlStorage) -> None:
    await history(any_storage)
    service = StatsService(any_storage.stats, top_users=2)
    report = await service.report_day(date(2024, 5, 7))  # the day of F's success
    assert report.today.jobs == 1 and report.today.credits_spent == 3
    assert report.today.median_seconds == 200.0
    assert report.week.top_users == (UserUsage(F, 2, 3), UserUsage(G, 1, 5))
    assert report == await service.report(datetime(2024, 5, 7, 23, 59, tzinfo=UTC).timestamp())


async def test_one_servers_share(any_storage: SqlStorage) -> None:
    await history(any_storage)  # all in server 1
    new = NewJob(JobKind.IMAGINE, Origin(user_id=B, guild_id=2), prompt="elsewhere")
    other = await any_storage.jobs.create(new, at=S + 10 * H)
    assert await any_storage.ledger.reserve(B, other.id, 3, at=S + 10 * H)
    assert await any_storage.ledger.settle(other.id, at=S + 11 * H)
    service = StatsService(any_storage.stats)

    everywhere = (await service.report(NOW)).today
    assert (everywhere.jobs, everywhere.credits_spent) == (10, 13)
    assert everywhere.top_users[1] == UserUsage(B, 3, 5)
    there = (await service.report(NOW, guild_id=2)).today
    assert there == WindowStats(
        S, S + D, 1, {PriceKind.IMAGINE: 1}, {JobStatus.PENDING: 1}, 3, 0,
        (UserUsage(B, 1, 3),), 0, 0, None,
    )  # fmt: skip
    here = (await service.report(NOW, guild_id=1)).today
    assert (here.jobs, here.credits_spent, here.credits_refunded) == (9, 10, 4)
    assert here.top_users[1] == UserUsage(B, 2, 2)
    assert (here.aggregator_failures, here.aggregator_outcomes, here.median_seconds) == (
        1, 5, 52.5,
    )  # fmt: skip


async def test_an_empty_database(storage: SqlStorage) -> None:
    report = await StatsService(storage.stats).report(NOW)
    assert report.today == WindowStats(S, S + D, 0, {}, {}, 0, 0, (), 0, 0, None)
    assert report.today.error_rate is None
    text = render_stats(report, "en-US", None)
    assert text.count(t("stats.none", "en-US")) == 2
    assert t("stats.quota_unknown", "en-US") in text


async def test_rendered_in_english_and_chinese(storage: SqlStorage) -> None:
    await history(storage)
    report = await StatsService(storage.stats).report(NOW)
    english = render_stats(report, "en-US", Quota(limit_usd=100.0, used_usd=12.5))
    lines = english.split("\n")
    assert lines[0] == "## Usage statistics (UTC) · 2024-05-10"
    assert lines[2] == "### Today"
    assert lines[3] == (
        "**Jobs**: **9** · imagine 3 · upscale 2 · blend 1 · describe 1 · variation 1 · zoom 1"
    )
    assert lines[4] == "**Status**: succeeded 4 · failed 3 · cancelled 1 · running 1"
    assert lines[5] == "**Credits**: spent 10 · refunded 4"
    assert lines[6] == "**Failed at the aggregator**: 1 / 5 (20.0%)"
    assert lines[7] == "**Median time to result**: 52 s"
    assert lines[8:13] == [
        "**Top users**:",
        f"1. <@{A}>: 3 jobs, 7 credits",
        f"2. <@{B}>: 2 jobs, 2 credits",
        f"3. <@{C}>: 2 jobs, 0 credits",
        f"4. <@{E}>: 2 jobs, 1 credits",
    ]
    assert "### Last 7 days" in lines
    assert lines[-1] == "**Aggregator quota**: 87.50 USD left of 100.00 USD"

    chinese = render_stats(report, "zh-CN", None)
    assert chinese.startswith("## 使用统计（UTC） · 2024-05-10")
    assert "**任务**：**9** · imagine 3" in chinese
    assert "**状态**：成功 4 · 失败 3 · 已取消 1 · 进行中 1" in chinese
    assert "**服务商失败**：1 / 5 (20.0%)" in chinese
    assert "**出图耗时中位数**：52 秒" in chinese
    assert chinese.endswith("**服务商额度**：未知（服务商没有计费接口）")


def test_the_longest_report_fits() -> None:
    users = tuple(UserUsage(2**63 - 1 - i, 10**9, 10**12) for i in range(5))
    window = WindowStats(
        0.0,
        D,
        10**9,
        {kind: 10**8 for kind in PriceKind},
        {status: 10**8 for status in JobStatus},
        10**12,
        10**12,
        users,
        10**8,
        10**9,
        10**7,
    )
    report = StatsReport(DAY, window, window)
    for locale in ("en-US", "zh-CN"):
        text = render_stats(report, locale, Quota(10**9, 10**8))
        assert len(text) < MAX_LENGTH
        assert "min" in text or "分钟" in text


def test_quota_from_billing_answers() -> None:
    assert quota_of({"hard_limit_usd": 50}, {"total_usage": 1234.5}) == Quota(50.0, 12.345)
    assert quota_of({"system_hard_limit_usd": 5.0}, {"total_usage": 0}) == Quota(5.0, 0.0)
    assert quota_of({"hard_limit_usd": 0, "system_hard_limit_usd": 9}, {"total_usage": 0}) == (
        Quota(0.0, 0.0)
    )
    assert quota_of({"error": {"message": "获取配额失败"}}, {"total_usage": 1}) is None
    assert quota_of({"hard_limit_usd": True}, {"total_usage": 1}) is None
    assert quota_of([], {}) is None
    assert Quota(10.0, 2.5).remaining_usd == 7.5
