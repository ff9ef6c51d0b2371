"""The aggregator's health as the bot's own requests see it, and the operator alerts it
calls for. The client reports every request's outcome (`AggregatorHealth.record`); time
comes from an injected clock; each alert is produced once per incident:

- key refused: an HTTP 401/403 (`MJAuthError`). One alert per incident; a new incident
  starts only after a success, and its alert waits out `key_cooldown` after the last one
  (a key barred from one model fails some requests between successes of others);
- down: every request has failed for `down_after` seconds (no answer since the first
  failure) and one failed within the last `recent` seconds. A request *fails* when it gets
  no usable answer: no connection, timeout, HTTP 5xx, a body that is not the API. Any
  answer of the API itself, a refusal included, shows that the aggregator is up;
- recovered: the first answer after a "down" alert;
- daily summary: once per UTC day, after the day ends (`OperatorAlerts`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.core.i18n import t
from bot.core.mj.errors import MJAuthError, MJProtocolError, MJServerError, MJTransportError
from bot.core.ports import MetaStore
from bot.core.stats import QuotaSource, StatsService, utc_date

log = logging.getLogger(__name__)

DOWN_AFTER_SECONDS = 300.0
RECENT_SECONDS = 60.0
KEY_COOLDOWN_SECONDS = 3600.0
SUMMARY_DAY_KEY = "alerts.summary_day"  # bot_meta: the last UTC day summarized


class AlertKind(StrEnum):
    KEY_REFUSED = "key_refused"
    DOWN = "down"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    at: float
    reason: str = ""  # the error, for key_refused and down
    minutes: int = 0  # how long requests have been failing, for down and recovered


def is_outage(error: BaseException | None) -> bool:
    """The request got no usable answer: the aggregator may be down."""
    return isinstance(error, MJTransportError | MJServerError | MJProtocolError)


class AggregatorHealth:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        down_after: float = DOWN_AFTER_SECONDS,
        recent: float = RECENT_SECONDS,
        key_cooldown: float = KEY_COOLDOWN_SECONDS,
    ) -> None:
        self._clock = clock
        self._down_after = down_after
        self._recent = recent
        self._key_cooldown = key_cooldown
        self._pending: list[Alert] = []
        self._wake = asyncio.Event()
        self._key_error: str | None = None  # the open key incident's error, if any
        self._key_alerted = False  # that incident has had its alert
        self._last_key_alert: float | None = None
        self._failing_since: float | None = None
        self._last_failure: float | None = None
        self._last_error = ""
        self._down_alerted = False
        self.last_request_at: float | None = None  # the clock's time of the last request
        self.last_request_ok: bool | None = None  # it succeeded (an API refusal does not)

    @property
    def key_refused(self) -> bool:
        return self._key_error is not None

    @property
    def down(self) -> bool:
        """A "down" alert was raised and no answer came since."""
        return self._down_alerted

    def record(self, ok: bool, error: BaseException | None = None, seconds: float = 0.0) -> None:
        """One request's outcome, from the client's observer hook (`seconds`, its
        duration, is for the metrics). Cheap, never raises."""
        now = self._clock()
        self.last_request_at, self.last_request_ok = now, ok
        if ok:
            self._key_error = None
            self._key_alerted = False
            self._answered(now)
        elif isinstance(error, MJAuthError):
            self._answered(now)  # refused, but answered: the aggregator is up
            if self._key_error is None:
                self._key_error = str(error)
        elif is_outage(error):
            if self._failing_since is None:
                self._failing_since = now
            self._last_failure = now
            self._last_error = str(error)
        else:  # the API answered with a refusal (a code, 404, 429...): it is up
            self._answered(now)
        self._decide(now)

    def alerts(self) -> list[Alert]:
        """The alerts due now, each returned once."""
        self._decide(self._clock())
        due, self._pending = self._pending, []
        self._wake.clear()
        return due

    async def wait(self, seconds: float) -> None:
        """Until an alert is due, or `seconds` at most."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _answered(self, now: float) -> None:
        if self._down_alerted and self._failing_since is not None:
            minutes = int((now - self._failing_since) // 60)
            self._raise(Alert(AlertKind.RECOVERED, now, minutes=minutes))
        self._down_alerted = False
        self._failing_since = self._last_failure = None

    def _decide(self, now: float) -> None:
        if self._key_error is not None and not self._key_alerted:
            last = self._last_key_alert
            if last is None or now - last >= self._key_cooldown:
                self._key_alerted = True
                self._last_key_alert = now
                self._raise(Alert(AlertKind.KEY_REFUSED, now, reason=self._key_error))
        since, last_failure = self._failing_since, self._last_failure
        if (
            not self._down_alerted
            and since is not None
            and last_failure is not None
            and now - since >= self._down_after
            and now - last_failure <= self._recent
        ):
            self._down_alerted = True
            minutes = int((now - since) // 60)
            self._raise(Alert(AlertKind.DOWN, now, reason=self._last_error, minutes=minutes))

    def _raise(self, alert: Alert) -> None:
        self._pending.append(alert)
        self._wake.set()


def render_alert(alert: Alert, locale: str | None = "en") -> str:
    return t(f"alert.{alert.kind.value}", locale, reason=alert.reason or "?", n=alert.minutes)


class DailySchedule:
    """Which finished UTC day is due for its summary: each day once, after it ends; days
    missed while the bot was off are skipped."""

    def __init__(self, *, clock: Callable[[], float], last_day: date | None = None) -> None:
        self._clock = clock
        self.last_day = last_day if last_day is not None else self._yesterday()

    def due(self) -> date | None:
        yesterday = self._yesterday()
        return yesterday if yesterday > self.last_day else None

    def done(self, day: date) -> None:
        self.last_day = max(self.last_day, day)

    def _yesterday(self) -> date:
        return utc_date(self._clock()) - timedelta(days=1)


Send = Callable[[str], Awaitable[object]]


class OperatorAlerts:
    """Sends, through `send`, what the aggregator's health and the calendar call for.
    The daily summary is sent when `stats` is given; the last day summarized is kept in
    `meta` when given, so a restart neither repeats nor skips a day."""

    def __init__(
        self,
        health: AggregatorHealth,
        send: Send,
        *,
        stats: StatsService | None = None,
        quota: QuotaSource | None = None,
        meta: MetaStore | None = None,
        clock: Callable[[], float] = time.time,
        locale: str = "en",
    ) -> None:
        self._health = health
        self._send = send
        self._stats = stats
        self._quota = quota
        self._meta = meta
        self._clock = clock
        self._locale = locale
        self._schedule: DailySchedule | None = None

    async def check(self) -> int:
        """Send every alert due now and the daily summary if due; returns how many."""
        sent = 0
        for alert in self._health.alerts():
            text = render_alert(alert, self._locale)
            log.warning("operator alert: %s", text)
            await self._send(text)
            sent += 1
        if self._stats is not None:
            sent += await self._daily(self._stats)
        return sent

    async def wait(self, seconds: float) -> None:
        """Until an alert is due, or `seconds` at most."""
        await self._health.wait(seconds)

    async def _daily(self, stats: StatsService) -> int:
        schedule = self._schedule or await self._load_schedule()
        day = schedule.due()
        if day is None:
            return 0
        before = schedule.last_day
        schedule.done(day)  # at most once, even if it fails: no retry storm
        if self._meta is not None and not await self._meta.replace(
            SUMMARY_DAY_KEY, before.isoformat(), day.isoformat()
        ):
            return 0  # another process (several share the database) has sent it
        try:
            text = await stats.summary(day, quota=self._quota, locale=self._locale)
        except Exception:
            log.exception("the daily summary of %s could not be made", day)
            return 0
        await self._send(text)
        return 1

    async def _load_schedule(self) -> DailySchedule:
        stored = await self._meta.get(SUMMARY_DAY_KEY) if self._meta is not None else None
        last_day = None
        if stored:
            with contextlib.suppress(ValueError):
                last_day = date.fromisoformat(stored)
        self._schedule = DailySchedule(clock=self._clock, last_day=last_day)
        if last_day is None:  # first start: the first summary is of today, tomorrow
            await self._remember(self._schedule.last_day)
        return self._schedule

    async def _remember(self, day: date) -> None:
        if self._meta is not None:
            await self._meta.put(SUMMARY_DAY_KEY, day.isoformat())
