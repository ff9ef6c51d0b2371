"""The aggregator gone for a while: its port refuses connections and the open ones are cut
(the process died, or the network to it did), then it listens again on the same port. Its
tasks run on meanwhile, as a real aggregator's do while a client cannot reach it."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

MAX_OUTAGE_SECONDS = 600.0


class Outage:
    def __init__(self, host: str) -> None:
        self._host = host
        self._timer: asyncio.Task[None] | None = None
        self.away = False

    async def begin(self, runner: web.AppRunner, *, spare: RequestHandler | None = None) -> None:
        """Stop listening and cut every open connection but `spare` (the one asking)."""
        if self.away:
            return
        self.away = True
        for site in list(runner.sites):
            await site.stop()
        server = runner.server
        for handler in list(server.connections) if server is not None else []:
            transport = handler.transport
            if handler is not spare and transport is not None:
                transport.abort()  # a reset, as from a dead host: no answer to what was asked

    async def end(self, runner: web.AppRunner, port: int) -> None:
        """Listen again on the same port (refused connections meanwhile: none queued)."""
        if not self.away:
            return
        await web.TCPSite(runner, self._host, port).start()
        self.away = False

    def schedule(
        self,
        runner: web.AppRunner,
        port: int,
        seconds: float,
        *,
        spare: RequestHandler | None = None,
    ) -> None:
        """Go away at once (after the answer to `spare` is sent) and come back in `seconds`."""
        if not 0 < seconds <= MAX_OUTAGE_SECONDS:
            raise ValueError(f"seconds must be more than 0 and at most {MAX_OUTAGE_SECONDS:g}")
        self.cancel()

        async def away_then_back() -> None:
            await asyncio.sleep(0)  # let the handler that asked return its answer first
            await self.begin(runner, spare=spare)
            await asyncio.sleep(seconds)
            await self.end(runner, port)

        self._timer = asyncio.create_task(away_then_back(), name="sim-outage")

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def stopped(self) -> None:
        """The simulator stops: no comeback is pending any more."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
