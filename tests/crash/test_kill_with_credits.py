"""Kill the process while tasks run, start again on the same database: every job is
charged exactly once or refunded exactly once, and none is submitted twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bot.core.models import ChargeState, JobStatus, LedgerReason
from bot.core.storage import SqlStorage, open_storage
from bot.sim import SimConfig, running_simulator
from tests.crash.worker import USERS, crash_core

pytestmark = pytest.mark.crash

ROOT = Path(__file__).resolve().parents[2]
JOBS = 40
CREDITS_EACH = 20


async def start_worker(db: Path, base_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash.worker",
        str(db),
        base_url,
        str(JOBS),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def kill_after(process: asyncio.subprocess.Process, submitted: int) -> int:
    """SIGKILL once `submitted` jobs were submitted; returns how many it saw."""
    assert process.stdout is not None
    seen = 0
    async with asyncio.timeout(60):
        while seen < submitted:
            line = (await process.stdout.readline()).decode()
            if not line:
                break
            if line.startswith("submitted"):
                seen += 1
    process.send_signal(signal.SIGKILL)
    await process.wait()
    return seen


async def finish_in_process(storage: SqlStorage, base_url: str) -> None:
    """The restarted bot: resume, then track until nothing is left."""
    async with httpx.AsyncClient(timeout=10) as http:
        core = crash_core(storage, http, base_url)
        await core.tracker.start()
        try:
            async with asyncio.timeout(60):
                while core.tracker.tracked_count:  # noqa: ASYNC110  # the tracker's own loop
                    await asyncio.sleep(0.05)
        finally:
            await core.tracker.stop()


async def test_a_killed_process_loses_no_credit_and_charges_none_twice(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(1_000_000))
    print(f"crash test seed: {seed} (CRASH_SEED={seed} repeats it)")  # shown on failure
    rng = random.Random(seed)
    db = tmp_path / "bot.db"
    storage = await open_storage(path=db)
    for user in USERS:
        await storage.ledger.grant(user, CREDITS_EACH, admin_id=1, at=0.0)
    await storage.close()

    async with running_simulator(SimConfig(step_seconds=0.1)) as sim:
        worker = await start_worker(db, sim.base_url)
        seen = await kill_after(worker, rng.randrange(5, JOBS))
        storage = await open_storage(path=db)
        try:
            await finish_in_process(storage, sim.base_url)
            jobs = await storage.jobs.list_by_status(list(JobStatus))
            entries = [
                entry for user in USERS for entry in await storage.ledger.entries(user, limit=1000)
            ]
            wallets = [await storage.ledger.wallet(user) for user in USERS]
            charges = {job.id: await storage.ledger.charge_state(job.id) for job in jobs}
        finally:
            await storage.close()
        submits = sim.count("submit/imagine")

    assert seen <= len(jobs) <= seen + 1  # at most one job was being recorded at the kill
    assert all(job.status.is_terminal for job in jobs)
    assert submits == len([job for job in jobs if job.task_id]) <= len(jobs)
    assert len({job.task_id for job in jobs if job.task_id}) == submits  # none submitted twice
    per_job = Counter((entry.job_id, entry.reason) for entry in entries if entry.job_id)
    for job in jobs:
        ending = LedgerReason.SETTLE if job.status is JobStatus.SUCCESS else LedgerReason.REFUND
        other = LedgerReason.REFUND if ending is LedgerReason.SETTLE else LedgerReason.SETTLE
        assert per_job[(job.id, LedgerReason.RESERVE)] == 1, job
        assert per_job[(job.id, ending)] == 1, job
        assert per_job[(job.id, other)] == 0, job
        assert charges[job.id] is (
            ChargeState.SETTLED if job.status is JobStatus.SUCCESS else ChargeState.REFUNDED
        )
    spent = sum(1 for job in jobs if job.status is JobStatus.SUCCESS)
    assert all(w is not None and w.reserved == 0 for w in wallets)
    assert sum(w.available for w in wallets if w) == CREDITS_EACH * len(USERS) - spent
    assert spent and spent < len(jobs)  # both endings happened
