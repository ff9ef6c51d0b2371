"""Tick time and peak RSS at many in-flight jobs, one child process per size.

The benchmark seeds the simulator with N tasks and the database with N jobs following
them (as a bot finds them after a restart), then starts a child process running the bot
as `python -m bot` builds it: the tracker resumes the N jobs and polls them in its own
loop. Before each tick the child lets the publisher finish what the last tick gave it
(not timed: edits are measured elsewhere) and moves the simulator one stage on, so every
job changes in every tick (the costly case: one write per job); then it times the
Tracker's `tick()`. Peak RSS (VmHWM) is the child's: the bot and the Discord
stand-in, without the simulator (its own process) or the seeding.

The jobs have no Discord message (the publisher skips them): tick time and memory are
the tracker's, storage's and the notifications', never a wait on Discord.

    python -m bench.fleet --db PATH --api URL --jobs N   (the child; prints JSON)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE

from sqlalchemy import insert

from bench.rig import ROOT, SimClient, queries, running_rig, running_sim
from bot.app import App
from bot.core.models import JobKind, JobStatus
from bot.core.storage import open_storage, schema

POLL_SECONDS = 0.2  # the cadence does not change a tick's work; the wait before it does
USERS = 500  # the fleet's jobs belong to this many users
MAX_TICKS = 40


@dataclass(frozen=True)
class Fleet:
    jobs: int
    tick_ms: float  # median over the ticks that asked the aggregator
    tick_max_ms: float
    ticks: int
    publisher_ms: float  # median time the publisher took after a tick (not in the tick)
    rss_mb: float


async def seed_jobs(db: Path, task_ids: list[str]) -> None:
    """N jobs as the bot leaves them after their submit (WAITING, with their task id),
    written in one statement: through the job store it takes minutes at 10,000."""
    storage = await open_storage(path=db)  # migrated: the schema the bot will use
    try:
        now = time.time()
        rows = [
            {
                "task_id": task_id,
                "kind": JobKind.IMAGINE.value,
                "status": JobStatus.WAITING.value,
                "prompt": f"benchmark fleet {i}",
                "options": "{}",
                "user_id": 30_000 + i % USERS,
                "guild_id": 1,
                "locale": "en-US",
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
            }
            for i, task_id in enumerate(task_ids)
        ]
        async with storage.engine.begin() as conn:
            await conn.execute(insert(schema.jobs), rows)
    finally:
        await storage.close()


async def fleet(count: int) -> Fleet:
    """Seed, then run the child and read its figures."""
    with tempfile.TemporaryDirectory(prefix="mj-bench-") as folder:
        db = Path(folder) / "fleet.db"
        async with running_sim(1.0, manual_clock=True) as sim:
            await seed_jobs(db, await sim.seed(count))
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.fleet",
                "--db",
                str(db),
                "--api",
                sim.base_url,
                "--jobs",
                str(count),
                stdout=PIPE,
                cwd=ROOT,
            )
            out, _ = await child.communicate()
            if child.returncode != 0:
                raise RuntimeError(f"benchmark: the {count}-job fleet failed ({child.returncode})")
            data = json.loads(out.decode().strip().splitlines()[-1])
            return Fleet(**data)


@dataclass
class TickLog:
    ticks: list[float] = field(default_factory=list)  # ms, ticks that asked the aggregator
    drains: list[float] = field(default_factory=list)  # ms the publisher took after a tick
    busy: bool = False  # inside the wrapper: the last tick is not recorded yet


def timed_ticks(app: App, sim: SimClient, log: TickLog) -> None:
    """Wrap the tracker's tick (its loop calls it through the instance)."""
    tracker = app.core.tracker
    tick: Callable[[], Awaitable[None]] = tracker.tick
    publisher = app.publisher

    async def timed_tick() -> None:
        log.busy = True
        try:
            drain = time.perf_counter()
            await publisher.flush()  # what the last tick published, before the clock starts
            if log.ticks:
                log.drains.append((time.perf_counter() - drain) * 1000)
            await sim.advance(1.0)  # one stage on: every job changes in this tick
            before = queries(await sim.stats())
            started = time.perf_counter()
            await tick()
            elapsed = time.perf_counter() - started
            if queries(await sim.stats()) > before:
                log.ticks.append(elapsed * 1000)
        finally:
            log.busy = False

    setattr(tracker, "tick", timed_tick)  # noqa: B010 - an instance override


async def run_child(db: Path, api: str, count: int) -> Fleet:
    sim = SimClient(api)
    log = TickLog()
    try:
        async with running_rig(
            db,
            api,
            before_start=lambda app: timed_ticks(app, sim, log),
            poll_interval_seconds=POLL_SECONDS,
        ) as rig:
            tracker = rig.app.core.tracker
            deadline = time.monotonic() + 600
            # Not storage: reading 10,000 rows would compete with what is measured.
            while tracker.tracked_count or log.busy:
                if time.monotonic() > deadline or len(log.ticks) > MAX_TICKS:
                    raise TimeoutError(f"the fleet of {count} did not finish")
                await asyncio.sleep(0.2)
            drain = time.perf_counter()
            await rig.app.publisher.flush()
            log.drains.append((time.perf_counter() - drain) * 1000)
    finally:
        await sim.close()
    rss_mb = peak_rss_mb()
    return Fleet(
        jobs=count,
        tick_ms=statistics.median(log.ticks),
        tick_max_ms=max(log.ticks),
        ticks=len(log.ticks),
        publisher_ms=statistics.median(log.drains),
        rss_mb=rss_mb,
    )


def peak_rss_mb() -> float:
    """This process's peak resident set since its exec (VmHWM). Not `ru_maxrss`: Linux
    carries that over from the parent at fork and across exec, so the child would report
    the bench process's own size whenever that is larger."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--jobs", type=int, required=True)
    args = parser.parse_args()
    figures = asyncio.run(run_child(args.db, args.api, args.jobs))
    print(json.dumps(figures.__dict__))


if __name__ == "__main__":
    main()
