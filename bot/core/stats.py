"""Usage statistics for operators: jobs, credits, top users and the aggregator's record
for one UTC day and the 7 UTC days ending with it; `render_stats` writes them as Discord
markdown in English or Simplified Chinese.

Definitions (the store computes them; see bot/core/storage/stats.py):
- jobs are counted by the time they were created, by kind of work (`price_kind`, so a
  button press shows as upscale, variation, zoom, ...) and by their status now;
- credits spent are the settled reservations, credits refunded the refunds, both by the
  time of the ledger entry;
- aggregator failure rate: of the jobs the aggregator accepted (they have a task id) that
  it finished with SUCCESS or FAILURE, the share that failed. Failures the bot decided
  itself (it gave up waiting, or stopped before the submit was answered) and cancels are
  left out of both numbers;
- median time to result: finished_at - created_at of the SUCCESS jobs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.i18n import ZH, language, t
from bot.core.mj.billing import Quota
from bot.core.models import JobStatus
from bot.core.pricing import PriceKind

if TYPE_CHECKING:
    from bot.core.ports import StatsStore

DAY_SECONDS = 86400.0
WEEK_DAYS = 7
TOP_USERS = 5
MAX_LENGTH = 4000  # an embed description holds 4096


QuotaSource = Callable[[], Awaitable[Quota | None]]  # the client's billing_quota


@dataclass(frozen=True)
class UserUsage:
    user_id: int
    jobs: int
    credits_spent: int


@dataclass(frozen=True)
class WindowStats:
    """The figures over [since, until)."""

    since: float
    until: float
    jobs: int
    by_kind: Mapping[PriceKind, int]
    by_status: Mapping[JobStatus, int]
    credits_spent: int
    credits_refunded: int
    top_users: tuple[UserUsage, ...]
    aggregator_failures: int
    aggregator_outcomes: int  # SUCCESS + aggregator FAILURE of accepted jobs
    median_seconds: float | None

    @property
    def error_rate(self) -> float | None:
        if not self.aggregator_outcomes:
            return None
        return self.aggregator_failures / self.aggregator_outcomes


@dataclass(frozen=True)
class StatsReport:
    day: date  # the UTC day that "today" is
    today: WindowStats
    week: WindowStats  # that day and the 6 before it


def utc_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


class StatsService:
    def __init__(self, store: StatsStore, *, top_users: int = TOP_USERS) -> None:
        self._store = store
        self._top = top_users

    async def report(self, now: float, *, guild_id: int | None = None) -> StatsReport:
        """Today (the UTC day of `now`) and the 7 UTC days ending with it; of one
        server's jobs only when `guild_id` is given."""
        return await self.report_day(utc_date(now), guild_id=guild_id)

    async def report_day(self, day: date, *, guild_id: int | None = None) -> StatsReport:
        start = day_start(day)
        end = day_start(day + timedelta(days=1))
        week_start = day_start(day - timedelta(days=WEEK_DAYS - 1))
        window = self._store.window
        today = await window(start, end, top=self._top, guild_id=guild_id)
        week = await window(week_start, end, top=self._top, guild_id=guild_id)
        return StatsReport(day, today, week)

    async def summary(
        self, day: date, *, quota: QuotaSource | None = None, locale: str | None = "en"
    ) -> str:
        """The daily summary of a finished UTC day, as the operators read it."""
        report = await self.report_day(day)
        remaining = await quota() if quota is not None else None
        return render_stats(report, locale, remaining, title="stats.daily_title")


# ---------------------------------------------------------------- rendering

_STATUS_KEYS = {
    JobStatus.SUCCESS: "stats.status_success",
    JobStatus.FAILURE: "stats.status_failure",
    JobStatus.CANCEL: "stats.status_cancel",
    JobStatus.PENDING: "stats.status_pending",
    JobStatus.WAITING: "stats.status_waiting",
    JobStatus.IN_PROGRESS: "stats.status_in_progress",
    JobStatus.MODAL: "stats.status_modal",
}
_SEP = " · "


def render_stats(
    report: StatsReport,
    locale: str | None,
    quota: Quota | None = None,
    *,
    title: str = "stats.title",
    with_quota: bool = True,
) -> str:
    """The report as Discord markdown, under 4000 characters; `with_quota=False` leaves
    the key's quota out (it is the operator's, not a server's)."""
    lines = [f"## {t(title, locale)} · {report.day.isoformat()}"]
    for heading, window in (("stats.today", report.today), ("stats.week", report.week)):
        lines += ["", f"### {t(heading, locale)}", *_window_lines(window, locale)]
    if with_quota:
        lines += ["", _label("stats.quota", locale) + _quota_text(quota, locale)]
    text = "\n".join(lines)
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + "…"


def _window_lines(window: WindowStats, locale: str | None) -> list[str]:
    if not window.jobs and not window.credits_spent and not window.credits_refunded:
        return [t("stats.none", locale)]
    kinds = _SEP.join(f"{kind.value} {n}" for kind, n in _ranked(window.by_kind))
    statuses = _SEP.join(
        f"{t(_STATUS_KEYS[status], locale)} {n}" for status, n in _ranked(window.by_status)
    )
    credits = _SEP.join(
        (
            t("stats.spent", locale, n=window.credits_spent),
            t("stats.refunded", locale, n=window.credits_refunded),
        )
    )
    lines = [
        _label("stats.jobs", locale) + f"**{window.jobs}**" + (f"{_SEP}{kinds}" if kinds else ""),
        _label("stats.by_status", locale) + (statuses or "—"),
        _label("stats.credits", locale) + credits,
        _label("stats.failures", locale) + _rate_text(window),
        _label("stats.median", locale) + _duration(window.median_seconds, locale),
    ]
    if window.top_users:
        lines.append(_label("stats.top_users", locale).rstrip())
        lines += [
            f"{rank}. "
            + t("stats.top_user", locale, user=f"<@{u.user_id}>", count=u.jobs, n=u.credits_spent)
            for rank, u in enumerate(window.top_users, start=1)
        ]
    return lines


def _ranked(counts: Mapping[Any, int]) -> list[tuple[Any, int]]:
    return sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], str(kv[0])))


def _label(key: str, locale: str | None) -> str:
    colon = "：" if language(locale) == ZH else ": "
    return f"**{t(key, locale)}**{colon}"


def _rate_text(window: WindowStats) -> str:
    rate = window.error_rate
    if rate is None:
        return "—"
    return f"{window.aggregator_failures} / {window.aggregator_outcomes} ({rate:.1%})"


def _duration(seconds: float | None, locale: str | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return t("stats.seconds", locale, n=f"{seconds:.0f}")
    return t("stats.minutes", locale, n=f"{seconds / 60:.1f}")


def _quota_text(quota: Quota | None, locale: str | None) -> str:
    if quota is None:
        return t("stats.quota_unknown", locale)
    return t(
        "stats.quota_value", locale, n=f"{quota.remaining_usd:.2f}", max=f"{quota.limit_usd:.2f}"
    )
