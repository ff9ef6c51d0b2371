"""Tracker benchmark: N jobs followed to SUCCESS against the simulator on 127.0.0.1.

Prints wall time per tick, aggregator requests, and peak Python memory. Figures only:
nothing here asserts a time limit.

    python -m bench.tracker_bench [--jobs 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.app import build_core
from bot.core.mj.client import MJClient
from bot.core.models import JobStatus, MessageRef, Origin
from bot.core.starter import JobLimits
from bot.core.storage import open_storage
from bot.sim import ManualClock, SimConfig, running_simulator


async def run(job_count: int, measure_memory: bool) -> None:
    clock = ManualClock(0.0)
    if measure_memory:
        tracemalloc.start()
    with tempfile.TemporaryDirectory() as folder:
        storage = await open_storage(path=Path(folder) / "bench.db")
        async with (
            running_simulator(SimConfig(step_seconds=1.0), clock=clock) as sim,
            httpx.AsyncClient(timeout=30) as http,
        ):
            client = MJClient(http, base_url=sim.base_url, api_key=SecretStr("bench"))
            core = build_core(
                client, storage, limits=JobLimits(), poll_interval=0, deadline_seconds=3600
            )
            tracker, service = core.tracker, core.jobs
            origin = Origin(user_id=1, message=MessageRef(channel_id=2, message_id=3))

            started = time.perf_counter()
            for i in range(job_count):
                await service.imagine(origin, f"benchmark prompt {i}")
            submit_seconds = time.perf_counter() - started
            before = sim.count("total")

            tick_times = []
            while tracker.tracked_count:
                clock.advance(1.0)
                tick_start = time.perf_counter()
                await tracker.tick()
                tick_times.append(time.perf_counter() - tick_start)
            done = len(await storage.jobs.list_by_status([JobStatus.SUCCESS]))
        await storage.close()
    peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
    tracemalloc.stop()

    print(f"jobs                     {job_count} ({done} succeeded)")
    print(f"submit + record          {submit_seconds * 1000 / job_count:.2f} ms per job")
    print(f"ticks to finish all      {len(tick_times)}")
    print(f"aggregator requests      {sim.count('total') - before} while tracking")
    print(
        f"tick time (median / max) {statistics.median(tick_times) * 1000:.1f} ms / "
        f"{max(tick_times) * 1000:.1f} ms"
    )
    if measure_memory:
        print(f"peak traced memory       {peak / 1024 / 1024:.1f} MiB (bot, simulator, client)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--memory", action="store_true", help="trace memory (slows timing)")
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.memory))


if __name__ == "__main__":
    main()
