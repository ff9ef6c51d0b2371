"""notifyHook callbacks, like the proxies make them (see /work/shared/mj-api.md §8).

A task submitted with a `notifyHook` is watched: each time its status or progress
changes, the task JSON (what `fetch` answers) is POSTed to the hook, fire-and-forget, a
few at a time, without retries; the answer is only counted. No callback is made for the
state the submit answered with. Relays strip the hook at submit (the relay flavour); the
`drop_notify_hook` fault loses every callback while it is on.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

from bot.sim.model import TERMINAL, SimTask

if TYPE_CHECKING:
    from bot.sim.server import Simulator

WATCH_SECONDS = 0.01  # how often watched tasks are looked at
CONCURRENCY = 10  # the proxies' notify thread pool
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class HookCall:
    task_id: str
    status: str
    progress: str | None
    answer: int | None  # the hook's HTTP status; None if it could not be reached


class HookCaller:
    def __init__(self, sim: Simulator, *, interval: float = WATCH_SECONDS) -> None:
        self._sim = sim
        self._interval = interval
        self._last: dict[str, tuple[str, str | None]] = {}  # task id -> state last seen
        self._sending: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(CONCURRENCY)
        self._loop: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self.calls: list[HookCall] = []  # for tests: every callback made, in order

    def reset(self) -> None:
        self._last.clear()
        self.calls.clear()

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))
        self._loop = asyncio.create_task(self._run(), name="sim-notify-hooks")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        for sending in list(self._sending):
            sending.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _run(self) -> None:
        while True:
            self.check()
            await asyncio.sleep(self._interval)

    def check(self) -> None:
        """Call the hooks of the watched tasks whose state changed since last seen."""
        engine = self._sim.engine
        now = engine.clock()
        for task in list(engine.hooked.values()):
            snap = engine.snapshot(task, now)
            state = (snap.status, snap.progress)
            last = self._last.get(task.id) or _as_submitted(task)
            self._last[task.id] = state
            if snap.status in TERMINAL:
                engine.hooked.pop(task.id, None)  # a final state is the last call
            if last == state or task.notify_hook is None:
                continue
            if self._sim.faults.drop_notify_hook:
                continue  # lost, like a callback that never arrives
            body = self._sim.view.render(task, snap, self._sim.base_url)
            call = HookCall(task.id, snap.status, snap.progress, None)
            sending = asyncio.create_task(self._send(task.notify_hook, body, call))
            self._sending.add(sending)
            sending.add_done_callback(self._sending.discard)

    async def _send(self, url: str, body: dict[str, object], call: HookCall) -> None:
        answer: int | None = None
        async with self._gate:
            assert self._http is not None
            try:
                async with self._http.post(url, json=body) as response:
                    answer = response.status
            except (aiohttp.ClientError, TimeoutError, ValueError):
                answer = None  # no retries: the proxies only log it (we do not log the URL)
        self._sim.log.record_other("notify_hook")
        self.calls.append(HookCall(call.task_id, call.status, call.progress, answer))


def _as_submitted(task: SimTask) -> tuple[str, str | None]:
    """A task's state when its submit was answered (no callback is made for it)."""
    return ("MODAL", None) if task.run_from is None else ("NOT_START", "0%")
