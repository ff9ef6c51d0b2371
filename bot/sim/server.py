"""The in-process simulator: configuration, lifecycle and helpers for tests."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.sim.app import MjRoutes, key_accepted
from bot.sim.billing import Billing, billing_routes
from bot.sim.chat import ChatLog, chat_routes
from bot.sim.control import control_routes
from bot.sim.engine import Engine
from bot.sim.faults import Faults
from bot.sim.hooks import HookCaller
from bot.sim.model import DEFAULT_PROGRESS_STEPS
from bot.sim.outage import Outage
from bot.sim.serialize import TaskView
from bot.sim.stats import RequestLog, RequestRecord
from bot.sim.uploads import Uploads, upload_routes

HOST = "127.0.0.1"  # the default: the simulator has no real authentication (see __main__)
DEFAULT_PORT = 8787
FLAVORS = ("plus", "relay")


@dataclass
class SimConfig:
    port: int = 0  # 0 = any free port
    step_seconds: float = 1.0  # duration of each task stage; 0 = instant
    api_key: str | None = None  # when set, API requests must carry it
    flavor: str = "plus"  # plus (novicezk-plus / trueai) | relay (new-api aggregator)
    remix: bool = False  # V/reroll/pan answer code 21 + MODAL, as with Remix mode on
    progress_steps: tuple[int, ...] = DEFAULT_PROGRESS_STEPS
    host: str = HOST  # the address to listen on
    public_url: str | None = None  # the root clients reach it at (in image links)

    def __post_init__(self) -> None:
        if self.flavor not in FLAVORS:
            raise ValueError(f"flavor must be one of {FLAVORS}")
        if self.step_seconds < 0:
            raise ValueError("step_seconds must be >= 0")
        steps = tuple(self.progress_steps)
        if any(not 0 <= p < 100 for p in steps) or list(steps) != sorted(steps):
            raise ValueError("progress_steps must be ascending percentages below 100")
        self.progress_steps = steps


class Simulator:
    def __init__(
        self, config: SimConfig | None = None, *, clock: Callable[[], float] | None = None
    ) -> None:
        self.config = config or SimConfig()
        self.faults = Faults()
        self.engine = Engine(
            step_seconds=self.config.step_seconds,
            progress_steps=self.config.progress_steps,
            clock=clock,
            faults=self.faults,
            remix=self.config.remix,
        )
        self.log = RequestLog()
        self.view = TaskView(self.config.flavor, self.faults)
        self.billing = Billing()
        self.uploads = Uploads()  # images from upload-discord-images, served back
        self.chat = ChatLog()  # what /v1/chat/completions was asked
        self.hooks = HookCaller(self)  # notifyHook callbacks, while the server runs
        self.app = web.Application()
        self.app.add_routes(
            [
                *MjRoutes(self).route_defs(),
                *billing_routes(self, lambda request: key_accepted(request, self.config.api_key)),
                *chat_routes(self, lambda request: key_accepted(request, self.config.api_key)),
                *control_routes(self),
                *upload_routes(self),
            ]
        )
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._outage = Outage(self.config.host)

    @property
    def base_url(self) -> str:
        """Root URL without `/mj`, e.g. http://127.0.0.1:54321 (`public_url` if set)."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        host = self.config.host
        if host in ("", "0.0.0.0", "::"):  # every address: this machine reaches it here
            host = HOST
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def stats(self) -> RequestLog:
        return self.log

    @property
    def requests(self) -> deque[RequestRecord]:
        return self.log.records

    def count(self, endpoint: str = "total") -> int:
        """Requests seen for an endpoint name such as "task/list-by-condition"."""
        return self.log.count(endpoint)

    def records(self, endpoint: str | None = None) -> list[RequestRecord]:
        return self.log.of(endpoint)

    def listed_ids(self) -> list[list[str]]:
        """The ids sent in each list-by-condition call, oldest first."""
        return self.log.listed_ids()

    def reset(self) -> None:
        """Forget tasks, counters and faults (the server keeps running)."""
        self.engine.reset()
        self.faults.reset()
        self.log.clear()
        self.view.reset()
        self.billing.reset()
        self.uploads.reset()
        self.chat.reset()
        self.hooks.reset()

    async def start(self, *, access_log: logging.Logger | None = None) -> str:
        if self._runner is not None:
            raise RuntimeError("simulator already started")
        # Short shutdown timeout: a request parked in a timeout fault must not stall exit.
        runner = web.AppRunner(self.app, access_log=access_log, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.config.host, self.config.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        await self.hooks.start()
        return self.base_url

    async def stop(self) -> None:
        await self._outage.stopped()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await self.hooks.stop()
            await runner.cleanup()

    # -- outages: the aggregator unreachable for a while -------------------------------

    @property
    def away(self) -> bool:
        return self._outage.away

    async def go_away(self) -> None:
        """Refuse connections and cut the open ones until `come_back()`; tasks run on."""
        await self._outage.begin(self._started())

    async def come_back(self) -> None:
        """Listen again on the same port (clients' URLs stay valid)."""
        await self._outage.end(self._started(), self.port)

    def away_for(self, seconds: float, *, spare: RequestHandler | None = None) -> None:
        """Go away now and come back in `seconds` (POST /sim/outage); `spare`: the
        connection that asked, answered before it closes. ValueError if out of range."""
        self._outage.schedule(self._started(), self.port, seconds, spare=spare)

    def _started(self) -> web.AppRunner:
        if self._runner is None:
            raise RuntimeError("simulator not started")
        return self._runner


@asynccontextmanager
async def running_simulator(
    config: SimConfig | None = None, *, clock: Callable[[], float] | None = None
) -> AsyncIterator[Simulator]:
    """Serve a simulator on 127.0.0.1 (port 0 = any free port) for the `async with` block."""
    sim = Simulator(config, clock=clock)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
