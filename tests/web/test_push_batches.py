"""Pushes applied in batches: answered as soon as they are checked (for a followed job,
from the hook hashes kept in memory, without reading the database), then applied
together: one aggregator query confirms every final state of a batch, one batch writes
them, and each job finishes once, whether a poll races the pushes or not. Both backends;
the simulator over real HTTP (its own callbacks off: the test pushes)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.app import Core
from bot.core.events import JobEvent
from bot.core.mj.client import MJClient
from bot.core.mj.schemas import Task
from bot.core.models import Job, JobStatus
from bot.core.push import PushHooks, PushInbox, PushOutcome, secret_hash
from bot.core.storage import SqlStorage
from bot.sim import ManualClock, Simulator
from tests.core.test_batched_finish import counted_statements
from tests.web.test_push_units import BASE, ORIGIN, _body, _core


def _secrets(sim: Simulator) -> list[str]:
    """The secret of every hook sent, in submit order."""
    hooks = [r.body_json["notifyHook"] for r in sim.records("submit/imagine")]
    return [str(hook).rsplit("/", 1)[1] for hook in hooks]


async def _finished_tasks(client: MJClient, jobs: list[Job]) -> list[Task]:
    tasks = [await client.fetch(job.task_id or "") for job in jobs]
    assert all(task is not None and task.status.value == "SUCCESS" for task in tasks)
    return [task for task in tasks if task is not None]


@dataclass
class Pushed:
    """Jobs whose tasks have finished at the aggregator, their hooks' secrets and tasks,
    an inbox to push them to, and the ids of the jobs finished so far (in order)."""

    core: Core
    jobs: list[Job]
    secrets: list[str]
    tasks: list[Task]
    inbox: PushInbox
    finished: list[int] = field(default_factory=list)


async def _finished_jobs(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, count: int
) -> Pushed:
    core = _core(client, storage, ManualClock(0.0))
    finished: list[int] = []

    async def note(event: JobEvent) -> None:
        if event.finished:
            finished.append(event.job.id)

    core.lifecycle.subscribe(note)
    jobs = [await core.jobs.imagine(ORIGIN, f"lantern {n}") for n in range(count)]
    secrets = _secrets(sim)
    sim_clock.advance(60.0)
    tasks = await _finished_tasks(client, jobs)
    inbox = PushInbox(storage.jobs, core.tracker, secrets=core.push_secrets)
    return Pushed(core, jobs, secrets, tasks, inbox, finished)


async def test_twenty_results_pushed_together_take_one_query_one_batch_and_finish_once(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    """One process (SQLite): the hook hashes are in memory. Shared (PostgreSQL), where
    each push reads its job and hash as before, see the racing test below."""
    sim.faults.drop_notify_hook = True
    pushed = await _finished_jobs(client, storage, sim, sim_clock, 20)
    core, jobs, secrets, tasks, inbox = (
        pushed.core, pushed.jobs, pushed.secrets, pushed.tasks, pushed.inbox
    )  # fmt: skip
    finished = pushed.finished
    assert core.push_secrets is not None
    queries, batches = sim.count("task/list-by-condition"), core.tracker.push_batches

    with counted_statements(storage) as statements:
        outcomes = [
            await inbox.receive(job.id, secret, _body(task))
            for job, secret, task in zip(jobs, secrets, tasks, strict=True)
        ]
    assert outcomes == [PushOutcome.ACCEPTED] * 20
    assert statements == []  # checked in memory: not one database read before answering
    assert core.tracker.push_batches == batches  # answered first, applied afterwards

    await core.tracker.pushes_applied()
    assert sim.count("task/list-by-condition") == queries + 1  # one confirmation for all
    assert core.tracker.push_batches == batches + 1
    stored = [await storage.jobs.get(job.id) for job in jobs]
    assert all(job is not None and job.status is JobStatus.SUCCESS for job in stored)
    assert sorted(finished) == [job.id for job in jobs]  # each result once
    assert core.tracker.tracked_count == 0 and len(core.push_secrets) == 0  # forgotten

    # The same pushes again (a proxy's retry): authentic, nothing new, nothing asked.
    again = [
        await inbox.receive(job.id, secret, _body(task))
        for job, secret, task in zip(jobs, secrets, tasks, strict=True)
    ]
    await core.tracker.pushes_applied()
    assert again == [PushOutcome.ACCEPTED] * 20
    assert sim.count("task/list-by-condition") == queries + 1
    assert sorted(finished) == [job.id for job in jobs]


async def test_with_hashes_in_memory_a_forged_or_replaced_hook_is_still_refused(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    sim.faults.drop_notify_hook = True
    core = _core(client, storage, ManualClock(0.0))
    inbox = PushInbox(storage.jobs, core.tracker, secrets=core.push_secrets)
    job = await core.jobs.imagine(ORIGIN, "a harbour")
    other = await core.jobs.imagine(ORIGIN, "another harbour")
    secret, other_secret = _secrets(sim)
    sim_clock.advance(3.0)
    task = await client.fetch(job.task_id or "")
    assert task is not None

    assert await inbox.receive(job.id, "x" * 43, _body(task)) is PushOutcome.FORGED
    assert await inbox.receive(job.id, other_secret, _body(task)) is PushOutcome.FORGED
    assert await inbox.receive(job.id + 1000, secret, _body(task)) is PushOutcome.UNKNOWN_JOB
    assert await inbox.receive(job.id, secret, b"{") is PushOutcome.MALFORMED
    elsewhere = await client.fetch(other.task_id or "")
    assert elsewhere is not None
    assert await inbox.receive(job.id, secret, _body(elsewhere)) is PushOutcome.WRONG_TASK

    # A new hook for the job (as for a modal's answer): the previous one stops working.
    hook = await PushHooks(storage.jobs, BASE, secrets=core.push_secrets).issue(job.id)
    assert await inbox.receive(job.id, secret, _body(task)) is PushOutcome.FORGED
    await core.tracker.pushes_applied()
    unchanged = await storage.jobs.get(job.id)
    assert unchanged is not None and unchanged.status is JobStatus.WAITING

    assert await inbox.receive(job.id, hook.secret, _body(task)) is PushOutcome.ACCEPTED
    await core.tracker.pushes_applied()
    moved = await storage.jobs.get(job.id)
    assert moved is not None and moved.status is JobStatus.IN_PROGRESS


async def test_a_hash_not_in_memory_is_read_once_then_kept(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    """As for a job resumed after a restart: its hook was issued by the previous run."""
    sim.faults.drop_notify_hook = True
    core = _core(client, storage, ManualClock(0.0))
    assert core.push_secrets is not None
    inbox = PushInbox(storage.jobs, core.tracker, secrets=core.push_secrets)
    job = await core.jobs.imagine(ORIGIN, "a dune")
    (secret,) = _secrets(sim)
    core.push_secrets.forget(job.id)
    sim_clock.advance(3.0)
    task = await client.fetch(job.task_id or "")
    assert task is not None
    with counted_statements(storage) as statements:
        assert await inbox.receive(job.id, secret, _body(task)) is PushOutcome.ACCEPTED
    assert len(statements) == 2  # the job and its hash
    assert core.push_secrets.get(job.id) == secret_hash(secret)
    with counted_statements(storage) as statements:
        assert await inbox.receive(job.id, secret, _body(task)) is PushOutcome.ACCEPTED
    assert statements == []


async def test_progress_pushed_in_one_batch_keeps_the_furthest_and_asks_nothing(
    storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    sim.faults.drop_notify_hook = True
    core = _core(client, storage, ManualClock(0.0))
    job = await core.jobs.imagine(ORIGIN, "a tide")
    sim_clock.advance(3.0)
    older = await client.fetch(job.task_id or "")
    sim_clock.advance(2.0)
    newer = await client.fetch(job.task_id or "")
    assert older is not None and newer is not None
    assert (older.progress or 0) < (newer.progress or 0)
    queries, fetches = sim.count("task/list-by-condition"), sim.count("task/fetch")

    arrived = [core.tracker.push(newer), core.tracker.push(older)]  # overtaken on the way
    assert await asyncio.gather(*arrived) == [True, True]
    stored = await storage.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.IN_PROGRESS
    assert stored.progress == newer.progress  # applied as pushed, never moved back
    assert (sim.count("task/list-by-condition"), sim.count("task/fetch")) == (queries, fetches)


async def test_results_pushed_while_a_poll_finds_them_finish_each_job_once(
    any_storage: SqlStorage, sim: Simulator, sim_clock: ManualClock, client: MJClient
) -> None:
    sim.faults.drop_notify_hook = True
    pushed = await _finished_jobs(client, any_storage, sim, sim_clock, 10)
    core, jobs, finished = pushed.core, pushed.jobs, pushed.finished

    receiving = [
        pushed.inbox.receive(job.id, secret, _body(task))
        for job, secret, task in zip(jobs, pushed.secrets, pushed.tasks, strict=True)
    ]
    *outcomes, _ = await asyncio.gather(*receiving, core.tracker.tick())  # they race
    assert outcomes == [PushOutcome.ACCEPTED] * 10
    await core.tracker.pushes_applied()
    stored = [await any_storage.jobs.get(job.id) for job in jobs]
    assert all(job is not None and job.status is JobStatus.SUCCESS for job in stored)
    assert sorted(finished) == [job.id for job in jobs]
    assert core.tracker.tracked_count == 0
