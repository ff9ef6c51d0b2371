"""GET /healthz: is this process fit to serve? 200 when the Discord gateway is connected,
the database takes a write and the tracker's loop goes round; 503 otherwise, the JSON
naming what is wrong (`"failing": ["gateway"]`, `"gateway": false`). The aggregator's
last answer is reported beside, without deciding the status: an aggregator outage is not
the bot's, and restarting the bot would not end it. Nothing secret is in the answer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from discord.ext import commands

from bot.core.health import AggregatorHealth
from bot.core.ports import MetaStore
from bot.core.tracker import Tracker

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "health.heartbeat"  # bot_meta: the last time /healthz wrote to the database
DATABASE_TIMEOUT_SECONDS = 2.0
DATABASE_REUSE_SECONDS = 5.0  # a check's answer serves this long: one write per interval
TRACKER_POLLS = 5  # between two rounds the loop sleeps one poll interval
TRACKER_ROUND_TIMEOUTS = 4  # a round may wait on the aggregator (retries at the timeout)


def tracker_grace(poll_interval: float, request_timeout: float) -> float:
    """How long a busy tracker loop may go without starting a round and still be alive:
    a few poll intervals, plus a round spent retrying a slow aggregator."""
    return TRACKER_POLLS * poll_interval + TRACKER_ROUND_TIMEOUTS * request_timeout


class GatewayState:
    """Whether the Discord gateway is connected, as discord.py's own events say: connect,
    ready and resumed mean up, disconnect means down. A bot that never connected is down."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.connected = False
        self.since: float | None = None  # when it last went up or down

    def attach(self, bot: commands.bot.BotBase) -> None:
        for event in ("on_connect", "on_ready", "on_resumed"):
            bot.add_listener(self._up, event)
        bot.add_listener(self._down, "on_disconnect")

    async def _up(self) -> None:
        self._set(True)

    async def _down(self) -> None:
        self._set(False)

    def _set(self, connected: bool) -> None:
        if connected != self.connected or self.since is None:
            self.since = self._clock()
        self.connected = connected


class DatabaseProbe:
    """A real write (a heartbeat in bot_meta) within a short timeout. Its answer, good
    or bad, is reused for `reuse_for` seconds, so /healthz asked in a loop writes once
    an interval, not once a request. A write still running from an earlier check is
    waited on, never started twice, so a stuck database gets one pending write."""

    def __init__(
        self,
        meta: MetaStore,
        *,
        timeout: float = DATABASE_TIMEOUT_SECONDS,
        reuse_for: float | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._meta = meta
        self._timeout = timeout
        self._reuse_for = DATABASE_REUSE_SECONDS if reuse_for is None else reuse_for
        self._clock = clock
        self._monotonic = monotonic
        self._write: asyncio.Task[None] | None = None
        self._failing = False  # logged once per failing streak
        self._last: tuple[float, bool] | None = None  # (when checked, writable)
        self._checking: asyncio.Lock = asyncio.Lock()

    async def writable(self) -> bool:
        async with self._checking:  # requests arriving together share one check
            last = self._last
            if last is not None and self._monotonic() - last[0] < self._reuse_for:
                return last[1]
            ok = await self._check()
            self._last = (self._monotonic(), ok)
            return ok

    async def _check(self) -> bool:
        if self._write is None or self._write.done():
            self._write = asyncio.create_task(
                self._meta.put(HEARTBEAT_KEY, _iso(self._clock())), name="healthz-database"
            )
            self._write.add_done_callback(_retrieve)
        try:
            await asyncio.wait_for(asyncio.shield(self._write), self._timeout)
        except TimeoutError:
            return self._failed(f"no answer within {self._timeout:g} s")
        except Exception as exc:
            # The type and the driver's first line only: no statement, no parameters.
            return self._failed(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        if self._failing:
            log.info("health: the database takes writes again")
        self._failing = False
        return True

    def _failed(self, why: str) -> bool:
        if not self._failing:
            log.warning("health: the database did not take a write (%s)", why)
        self._failing = True
        return False


def _retrieve(task: asyncio.Task[None]) -> None:
    """A write that outlived its check still has its error read (no asyncio warning)."""
    if not task.cancelled():
        task.exception()


class TrackerLiveness:
    """The tracker's loop runs and went round recently; an idle loop (no jobs) waits
    for work, at most a sweep interval, and counts as alive."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        within: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tracker = tracker
        self._within = within
        self._monotonic = monotonic

    def alive(self) -> bool:
        tracker = self._tracker
        if not tracker.running or tracker.last_tick_at is None:
            return False
        return tracker.idle or self._monotonic() - tracker.last_tick_at <= self._within


class HealthCheck:
    def __init__(
        self,
        gateway: GatewayState,
        database: DatabaseProbe,
        tracker: TrackerLiveness,
        aggregator: AggregatorHealth,
    ) -> None:
        self._gateway = gateway
        self._database = database
        self._tracker = tracker
        self._aggregator = aggregator

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body)."""
        parts = {
            "gateway": self._gateway.connected,
            "database": await self._database.writable(),
            "tracker": self._tracker.alive(),
        }
        failing = [name for name, ok in parts.items() if not ok]
        aggregator = self._aggregator
        at = aggregator.last_request_at
        body: dict[str, Any] = {
            "status": "failing" if failing else "ok",
            "failing": failing,
            **parts,
            "gateway_since": _iso(self._gateway.since) if self._gateway.since else None,
            "aggregator": {
                "last_request_at": _iso(at) if at is not None else None,
                "last_request_ok": aggregator.last_request_ok,
                "down": aggregator.down,
                "key_refused": aggregator.key_refused,
            },
        }
        return not failing, body


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def health_routes(check: HealthCheck) -> list[web.RouteDef]:
    async def healthz(request: web.Request) -> web.Response:
        healthy, body = await check.report()
        return web.json_response(
            body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"}
        )

    return [web.get("/healthz", healthz)]
