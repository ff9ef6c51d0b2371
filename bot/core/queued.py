"""Queue positions of waiting jobs, read again from the aggregator's queue.

novicezk/plus answer `GET /mj/task/queue` with the tasks waiting or running, in queue
order; a job's position is the number of tasks not started ahead of its own. trueai v10+
and the relays answer 404: then the queue is not asked again in this process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable

from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJError
from bot.core.mj.schemas import Task, TaskStatus

log = logging.getLogger(__name__)

QUEUE_SECONDS = 10.0  # how often waiting jobs' queue positions are refreshed, at most


def queue_positions(queue: Iterable[Task], task_ids: Collection[str]) -> dict[str, int]:
    """How many not-started tasks the aggregator's queue (in queue order) lists ahead of
    each of `task_ids` it lists as not started; the others are left out."""
    positions: dict[str, int] = {}
    ahead = 0
    for task in queue:
        if task.status is not TaskStatus.NOT_START:
            continue
        if task.id in task_ids:
            positions.setdefault(task.id, ahead)
        ahead += 1
    return positions


class QueueWatch:
    """Reads the aggregator's queue at most every `interval` seconds."""

    def __init__(self, client: MJClient, *, interval: float, clock: Callable[[], float]) -> None:
        self._client = client
        self._interval = interval
        self._clock = clock
        self._last = float("-inf")
        self.supported = True  # until the aggregator answers 404 once

    async def positions(self, task_ids: Collection[str]) -> dict[str, int]:
        """Where the queue puts these tasks; {} when not due, unsupported or failing."""
        if not self.supported or not task_ids:
            return {}
        now = self._clock()
        if now - self._last < self._interval:
            return {}
        self._last = now
        try:
            queue = await self._client.queue()
        except MJError as exc:
            log.info("reading the aggregator's queue failed: %s", exc)
            return {}
        except Exception:  # a bug here must not cost the tracker its tick
            log.exception("reading the aggregator's queue failed")
            return {}
        if queue is None:
            log.info("aggregator has no task/queue; queue positions stay as submitted")
            self.supported = False
            return {}
        return queue_positions(queue, task_ids)
