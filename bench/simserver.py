"""The aggregator simulator in its own process, as a real aggregator is another machine:
its CPU is not the bot's, and the bot process's RSS is the bot's (and the Discord
stand-in's) alone.

    python -m bench.simserver [--step-seconds S] [--manual-clock]

Prints one JSON line `{"base_url": ...}` once it listens on 127.0.0.1, and runs until its
standard input closes (so it never outlives the benchmark). Besides the simulator's own
routes it answers, for the benchmark only:

- `POST /bench/advance {"seconds": s}`: move the manual clock (with `--manual-clock`);
- `POST /bench/seed {"count": n}`: start n imagine tasks at once, answer their ids;
- `GET /bench/tasks`: each task's simulator-clock time of SUCCESS (null if it never
  succeeds), and the clock now. Without `--manual-clock` the clock is
  `time.monotonic()`, which is system-wide: the bot process can compare with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from aiohttp import web

from bot.sim import ManualClock, SimConfig, Simulator
from bot.sim.model import SimTask


def success_at(sim: Simulator, task: SimTask) -> float | None:
    """When the task reads SUCCESS: its timeline is fixed at submit (NOT_START for one
    step plus its queue, SUBMITTED for one, one per progress step, then SUCCESS)."""
    if task.run_from is None or task.fail or task.stuck or task.cancelled_at is not None:
        return None
    timeline = sim.engine.timeline
    stages = 1 + task.queue_steps + 1 + len(timeline.progress_steps)
    return task.run_from + stages * timeline.step_seconds


def bench_routes(sim: Simulator, clock: ManualClock | None) -> list[web.RouteDef]:
    async def advance(request: web.Request) -> web.StreamResponse:
        if clock is None:
            raise web.HTTPConflict(text="started without --manual-clock")
        body: dict[str, Any] = await request.json()
        return web.json_response({"now": clock.advance(float(body["seconds"]))})

    async def seed(request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = await request.json()
        prompt = str(body.get("prompt") or "benchmark fleet")
        ids = [
            sim.engine.imagine({"prompt": f"{prompt} {i}"}).result
            for i in range(int(body["count"]))
        ]
        return web.json_response({"ids": ids})

    async def tasks(request: web.Request) -> web.StreamResponse:
        listed = {task_id: success_at(sim, task) for task_id, task in sim.engine.tasks.items()}
        return web.json_response({"now": sim.engine.clock(), "success_at": listed})

    return [
        web.post("/bench/advance", advance),
        web.post("/bench/seed", seed),
        web.get("/bench/tasks", tasks),
    ]


async def serve(step_seconds: float, manual_clock: bool) -> None:
    clock = ManualClock(0.0) if manual_clock else None
    sim = Simulator(SimConfig(step_seconds=step_seconds), clock=clock)
    sim.app.add_routes(bench_routes(sim, clock))
    await sim.start()
    print(json.dumps({"base_url": sim.base_url}), flush=True)
    try:
        await asyncio.to_thread(sys.stdin.read)  # until the benchmark closes our stdin
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--step-seconds", type=float, default=1.0)
    parser.add_argument("--manual-clock", action="store_true")
    args = parser.parse_args()
    asyncio.run(serve(args.step_seconds, args.manual_clock))


if __name__ == "__main__":
    main()
