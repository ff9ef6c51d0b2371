"""A queued job's "Queued, N ahead" counts down as the tasks ahead of it start, read again
from the aggregator's queue (`GET /mj/task/queue`) while the job waits."""

from __future__ import annotations

from pathlib import Path

from bot.sim import SimConfig
from tests.e2e.harness import harness


async def test_a_queued_job_moves_up_as_the_tasks_ahead_start(tmp_path: Path) -> None:
    # Each task ahead starts one step after the other; the queue is read every 50 ms.
    config = SimConfig(step_seconds=1.0)
    async with harness(tmp_path, sim_config=config, queue_refresh_seconds=0.05) as h:
        h.sim.faults.never_finish = True
        h.sim.faults.queue_position = 2
        inter = await h.command("imagine", {"prompt": "patience"})

        def shows(text: str) -> bool:
            return text in h.original(inter.token).content

        await h.wait(lambda: shows("Queued, 2 ahead"), "the position from the submit")
        await h.wait(lambda: shows("Queued, 1 ahead"), "one task ahead started")
        await h.wait(lambda: shows("Waiting to start"), "nobody ahead any more")
        await h.wait(lambda: shows("%"), "the job itself started")

        (job,) = await h.jobs()
        assert job.queue_position is None
        assert h.sim.count("task/queue") >= 2
        assert h.fake.violations == []
