"""Finding the task of a job whose submit answer was lost (a crash, a timeout), by the
`state` its submit carried (`bot.core.submit_state`).

Asked at start-up for every PENDING job, and by the tracker's sweep for those that reach
their deadline. The page query (`POST /mj/task/query`, novicezk plus) is tried first, the
task list (`GET /mj/task/list`) where that is missing; a 404 means the server has neither,
remembered for the process. A job whose task is found goes on as submitted; one the
aggregator has no task for is *missing* (the caller fails and refunds it); one that could
not be looked up (the aggregator failing) is *unknown* and waits for the next chance.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJEndpointUnsupportedError, MJError
from bot.core.mj.schemas import Task, TaskStatus
from bot.core.models import Job
from bot.core.submit_state import SubmitStates

log = logging.getLogger(__name__)


@dataclass
class Lookup:
    found: list[tuple[Job, Task]] = field(default_factory=list)
    missing: list[Job] = field(default_factory=list)
    unknown: list[Job] = field(default_factory=list)


@dataclass(frozen=True)
class Recovery:
    recovered: list[Job]  # found by state: tracked from now on
    missing: list[Job]  # no task has its state: never submitted, or the server cannot tell
    unknown: list[Job]  # the aggregator could not be asked now


class SubmitRecovery:
    def __init__(self, client: MJClient, states: SubmitStates, lifecycle: JobLifecycle) -> None:
        self._client = client
        self._states = states
        self._lifecycle = lifecycle
        self._query = True  # the server answers POST /mj/task/query (until a 404)
        self._list = True  # ... and GET /mj/task/list

    async def recover(self, jobs: Sequence[Job]) -> Recovery:
        """Look every job up; those found continue as submitted."""
        lookup = await self.look_up(jobs)
        recovered: list[Job] = []
        for job, task in lookup.found:
            log.info("job %d: its submit answer was lost; found task %s by state", job.id, task.id)
            needs_input = task.status is TaskStatus.MODAL
            recovered.append(
                await self._lifecycle.recovered(job, task_id=task.id, needs_input=needs_input)
            )
        return Recovery(recovered, lookup.missing, lookup.unknown)

    async def look_up(self, jobs: Sequence[Job]) -> Lookup:
        lookup = Lookup()
        if not jobs:
            return lookup
        states = {job.id: await self._states.of(job.id) for job in jobs}
        try:
            left = await self._by_query(list(jobs), states, lookup)
            left = await self._by_list(left, states, lookup)
        except MJError as exc:
            log.warning("looking up %d unanswered submits failed: %s", len(jobs), exc)
            done = {job.id for job, _ in lookup.found}
            lookup.unknown = [job for job in jobs if job.id not in done]
            return lookup
        lookup.missing += left
        return lookup

    async def _by_query(self, jobs: list[Job], states: dict[int, str], into: Lookup) -> list[Job]:
        """One page query per job; the jobs still to look up. The first failure other
        than a 404 ends the lookup (a failing aggregator is not asked once per job)."""
        if not self._query:
            return jobs
        for index, job in enumerate(jobs):
            try:
                tasks = await self._client.query_by_state(states[job.id])
            except MJEndpointUnsupportedError:
                log.info("aggregator has no /mj/task/query; trying its task list")
                self._query = False
                return jobs[index:]
            if tasks:
                into.found.append((job, _first(tasks)))
            else:
                into.missing.append(job)
        return []

    async def _by_list(self, jobs: list[Job], states: dict[int, str], into: Lookup) -> list[Job]:
        if not jobs or not self._list:
            return jobs
        try:
            tasks = await self._client.list_tasks()
        except MJEndpointUnsupportedError:
            log.info("aggregator has no task query nor task list: lost submits are interrupted")
            self._list = False
            return jobs
        by_state: dict[str, list[Task]] = {}
        for task in tasks:
            if task.state:
                by_state.setdefault(task.state, []).append(task)
        for job in jobs:
            found = by_state.get(states[job.id])
            if found:
                into.found.append((job, _first(found)))
            else:
                into.missing.append(job)
        return []


def _first(tasks: list[Task]) -> Task:
    """Of several tasks with one state (a server's oddity), the first submitted."""
    return min(tasks, key=lambda task: task.submit_time or 0)
