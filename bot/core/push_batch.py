"""Pushes waiting to be applied: per task the newest, applied together by one worker.

A push is answered as soon as it is checked; what it carries waits here. One worker takes
everything pending at once and hands it to the tracker, which confirms every final state
in the batch with one aggregator query and writes the batch in one transaction, as a
tick does. Pushes that arrive while a batch runs wait for the next one, so a final state
is always confirmed by a query sent after its push arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.core.mj.schemas import Task, TaskStatus

log = logging.getLogger(__name__)


@dataclass
class PendingPush:
    """What the pushes of one task since the last batch said."""

    wake: bool = False  # a final state was pushed: the aggregator is asked what is true
    progress: Task | None = None  # the furthest progress pushed, applied as pushed
    waiters: list[asyncio.Future[bool]] = field(default_factory=list)

    def add(self, task: Task, *, final: bool) -> None:
        if final:
            self.wake = True
        elif self.progress is None or _progress_key(task) >= _progress_key(self.progress):
            self.progress = task


def _progress_key(task: Task) -> tuple[bool, int]:
    """Pushes can overtake each other (proxies send a few at a time): keep the furthest."""
    return task.status is TaskStatus.IN_PROGRESS, task.progress or 0


# The tracker's half: apply a batch, answer the ids of the tasks somebody here handled.
ApplyBatch = Callable[[Mapping[str, PendingPush]], Awaitable[set[str]]]


class PushBatches:
    def __init__(self, apply: ApplyBatch) -> None:
        self._apply = apply
        self._pending: dict[str, PendingPush] = {}
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # batches applied (tests, logs)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, task: Task, *, final: bool) -> asyncio.Future[bool]:
        """Queue a checked push; the future is True once it is applied (or found to be
        nothing new), False if nobody here followed its task by then."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        pending = self._pending.setdefault(task.id, PendingPush())
        pending.add(task, final=final)
        pending.waiters.append(waiter)
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="mj-push-batches")
        return waiter

    async def drained(self) -> None:
        """Wait until nothing is pending (tests; a clean stop)."""
        while self._worker is not None:
            await asyncio.shield(self._worker)

    async def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        for pending in self._pending.values():
            _answer(pending, False)
        self._pending.clear()

    async def _run(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(0)  # pushes read in the same turn of the loop join in
                batch, self._pending = self._pending, {}
                handled: set[str] = set()
                try:
                    handled = await self._apply(batch)
                except asyncio.CancelledError:
                    for pending in batch.values():
                        _answer(pending, False)
                    raise
                except Exception:  # the next push, or the next poll, tries again
                    log.exception("applying %d pushed tasks failed", len(batch))
                self.batches += 1
                for task_id, pending in batch.items():
                    _answer(pending, task_id in handled)
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None


def _answer(pending: PendingPush, handled: bool) -> None:
    for waiter in pending.waiters:
        if not waiter.done():
            waiter.set_result(handled)
