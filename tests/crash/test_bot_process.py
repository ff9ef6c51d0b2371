"""The real `python -m bot`, under load, killed with SIGKILL or stopped with SIGTERM at
random points and started again on the same database: every job ends once, with its
result or a clear failure; nothing is submitted, shown or charged twice.

Run alone: `.venv/bin/python -m pytest -m crash` (CRASH_SEED=<n> replays a run)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.app.bot_process import BotProcess
from tests.crash.outcomes import check_outcomes
from tests.crash.rig import crash_rig, crash_seed

pytestmark = pytest.mark.crash

JOBS = 50
STOPS = 3


async def test_sigkill_under_load_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    async with crash_rig(tmp_path, crash_seed()) as rig:
        await rig.start()
        await rig.load(jobs=JOBS, stops=STOPS, how=BotProcess.kill)
        await rig.settle()
        counts = await check_outcomes(rig)
        assert await rig.stop(BotProcess.terminate) == 0
    assert rig.stopped == [-signal.SIGKILL] * STOPS + [0]
    print(counts)
    assert counts["jobs"] + counts["lost"] == JOBS + STOPS + 1  # the probes are jobs too
    assert 0 < counts["success"] < counts["jobs"]  # results and failures both happened


async def test_sigterm_under_load_finishes_its_edits_and_repeats_nothing(tmp_path: Path) -> None:
    async with crash_rig(tmp_path, crash_seed()) as rig:
        await rig.start()
        await rig.load(jobs=JOBS, stops=STOPS, how=BotProcess.terminate)
        await rig.settle()
        counts = await check_outcomes(rig)
        assert await rig.stop(BotProcess.terminate) == 0
    assert rig.stopped == [0] * (STOPS + 1)
    for process in rig.processes:
        assert process.count("stopped cleanly") == 1, process.output
        assert process.count("still pending after the shutdown grace") == 0, process.output
    print(counts)
    assert counts["jobs"] + counts["lost"] == JOBS + STOPS + 1
