"""The runs that go through Discord: /imagine commands handed to the real bot.

- `live`: jobs from start to result with the operator's poll and edit intervals, against
  a simulator on the real clock; gives the queries per in-flight job per minute (and the
  naive pattern's, polled by the benchmark itself in the same window), acknowledgement
  latency, SUCCESS-to-edit latency, and the edits each job's message received.
- `burst`: many commands at once, for acknowledgement latency alone.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.rig import API_KEY, Rig, SimClient, queries, running_rig, running_sim
from bot.core.models import Job, JobStatus

NAIVE_CONCURRENCY = 10
IN_FLIGHT = (JobStatus.WAITING, JobStatus.IN_PROGRESS)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Acks:
    p50: float  # interaction handed to the bot -> the bot sent its acknowledgement
    p95: float
    max: float
    count: int
    received_p95: float  # the same to the stand-in reading it (Discord's side)
    late: int  # read after Discord's 3 s, which Discord would have refused

    @staticmethod
    def of(values: list[float], received: list[float]) -> Acks:
        return Acks(
            percentile(values, 0.5),
            percentile(values, 0.95),
            max(values),
            len(values),
            percentile(received, 0.95),
            sum(1 for v in received if v > 3000),
        )


@dataclass(frozen=True)
class Live:
    jobs: int
    poll_interval: float
    step_seconds: float
    acks: Acks
    window_seconds: float
    queries: int  # the bot's aggregator queries in the window
    naive_queries: int
    success_to_edit_ms: list[float]
    edits_per_job: list[int]
    identical_edits: int
    pushes: float | None  # push updates the bot accepted (None: no web server)

    def per_job_minute(self, count: int) -> float:
        return count / self.jobs / (self.window_seconds / 60)


async def wait_for(
    predicate: Callable[[], object], what: str, within: float, every: float = 0.05
) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"benchmark: timed out after {within:g} s waiting for {what}")
        await asyncio.sleep(every)


def submitted(jobs: list[Job]) -> bool:
    return all(j.task_id or j.status.is_terminal for j in jobs)


async def wait_jobs(
    rig: Rig,
    count: int,
    done: Callable[[list[Job]], bool],
    what: str,
    within: float,
    every: float = 0.2,
) -> list[Job]:
    """Poll storage until `done(jobs)` holds for the jobs the commands started (every
    `every` seconds: each look reads every job, which the bot feels at 1,000)."""
    deadline = time.monotonic() + within
    while True:
        jobs = await rig.app.core.storage.jobs.list_by_status(list(JobStatus))
        if len(jobs) >= count and done(jobs):
            return jobs
        if time.monotonic() > deadline:
            raise TimeoutError(f"benchmark: timed out after {within:g} s waiting for {what}")
        await asyncio.sleep(every)


async def acknowledged(rig: Rig, payloads: list[dict[str, Any]], within: float) -> Acks:
    inters = [rig.fake.interaction(p["token"]) for p in payloads]
    await wait_for(lambda: all(i.settled.is_set() for i in inters), "every ack", within)
    refused = [i.callback_error for i in inters if not i.acknowledged]
    if refused:
        raise RuntimeError(f"benchmark: {len(refused)} commands were refused: {refused[0]}")
    values = [rig.ack_ms(p["token"]) for p in payloads]
    received = [rig.ack_received_ms(p["token"]) for p in payloads]
    return Acks.of([v for v in values if v is not None], [v for v in received if v is not None])


async def naive_round(http: httpx.AsyncClient, task_ids: list[str]) -> int:
    """One poll of the naive pattern: one fetch per task."""
    gate = asyncio.Semaphore(NAIVE_CONCURRENCY)

    async def fetch(task_id: str) -> None:
        async with gate:
            response = await http.get(f"/mj/task/{task_id}/fetch")
            response.raise_for_status()

    await asyncio.gather(*(fetch(t) for t in task_ids))
    return len(task_ids)


async def measure_window(
    sim: SimClient, task_ids: list[str], poll: float, first_success: float
) -> tuple[float, int, int]:
    """From now until just before the first task succeeds (every job in flight): the
    bot's queries, and the naive pattern's, polled here once per poll interval. Returns
    (seconds, ours, naive). The naive rounds end before the window does, so each is
    counted whole."""
    start = time.monotonic()
    rounds = math.floor((first_success - 0.5 - start) / poll)
    if rounds < 1:
        raise RuntimeError("benchmark: jobs finish before one poll interval; use longer stages")
    before = queries(await sim.stats())
    naive = 0
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=sim.base_url, headers=headers, timeout=30) as http:
        for i in range(rounds):
            await asyncio.sleep(max(0.0, start + i * poll - time.monotonic()))
            naive += await naive_round(http, task_ids)
    await asyncio.sleep(max(0.0, start + rounds * poll - time.monotonic()))
    end = time.monotonic()
    total = queries(await sim.stats()) - before
    return end - start, total - naive, naive


def push_accepted(rig: Rig) -> float | None:
    if rig.app.web is None:
        return None
    value = rig.app.metrics.registry.get_sample_value(
        "mj_bot_pushes_total", {"outcome": "accepted"}
    )
    return value or 0.0


async def live(count: int, *, step_seconds: float, poll_interval: float | None, push: bool) -> Live:
    settings: dict[str, Any] = {}
    if poll_interval is not None:
        settings["poll_interval_seconds"] = poll_interval
    if push:
        settings |= web_settings()
    with tempfile.TemporaryDirectory(prefix="mj-bench-") as folder:
        async with (
            running_sim(step_seconds, manual_clock=False) as sim,
            running_rig(Path(folder) / "bench.db", sim.base_url, **settings) as rig,
        ):
            poll = rig.app.settings.poll_interval_seconds
            payloads = rig.imagine(count)
            rig.hand_over(payloads)
            acks = await acknowledged(rig, payloads, within=120)
            jobs = await wait_jobs(rig, count, submitted, "every submit", 120)
            task_ids = [j.task_id for j in jobs if j.task_id]
            succeeds = await sim.success_times()
            followed = set(task_ids)
            first = min(s for t, s in succeeds.items() if t in followed and s is not None)
            window, ours, naive = (0.0, 0, 0)
            if not push:
                window, ours, naive = await measure_window(sim, task_ids, poll, first)
            jobs = await wait_jobs(
                rig,
                count,
                lambda js: all(j.status not in IN_FLIGHT for j in js),
                "every job to finish",
                within=step_seconds * 12 + 120,
                every=1.0,
            )
            messages = [j.message.message_id for j in jobs]
            await wait_for(
                lambda: all(any(e.final for e in rig.edits.of(m)) for m in messages if m),
                "every result on Discord",
                within=60,
            )
            await rig.app.publisher.flush()
            latencies: list[float] = []
            for job in jobs:
                at = succeeds.get(job.task_id or "")
                final = next(
                    (e for e in rig.edits.of(job.message.message_id or 0) if e.final), None
                )
                if at is not None and final is not None:
                    latencies.append((final.at - at) * 1000)
            per_message = [rig.edits.of(m) for m in messages if m]
            identical = sum(
                1
                for edits in per_message
                for before, after in itertools.pairwise(edits)
                if before.digest == after.digest
            )
            pushes = push_accepted(rig)
            return Live(
                jobs=count,
                poll_interval=poll,
                step_seconds=step_seconds,
                acks=acks,
                window_seconds=window,
                queries=ours,
                naive_queries=naive,
                success_to_edit_ms=latencies,
                edits_per_job=[len(e) for e in per_message],
                identical_edits=identical,
                pushes=pushes,
            )


def web_settings() -> dict[str, Any]:
    """The bot's web server on a free 127.0.0.1 port, reachable there (PUBLIC_URL)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return {"web_listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}


async def burst(count: int) -> Acks:
    """`count` commands at once; the simulator's clock stands still (nothing finishes),
    so the figure is the acknowledgements and the submits behind them."""
    with tempfile.TemporaryDirectory(prefix="mj-bench-") as folder:
        async with (
            running_sim(1.0, manual_clock=True) as sim,
            running_rig(Path(folder) / "bench.db", sim.base_url) as rig,
        ):
            payloads = rig.imagine(count)
            rig.hand_over(payloads)
            acks = await acknowledged(rig, payloads, within=300)
            # Let every command finish its submit and first edit before stopping.
            await wait_jobs(rig, count, submitted, "every submit", 300, every=1.0)
            await rig.app.publisher.flush()
            return acks
