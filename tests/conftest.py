"""Fixtures shared by every test: a real SQLite file and a real simulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.core.mj.client import MJClient, RetryPolicy
from bot.core.storage import Database
from bot.sim import ManualClock, SimConfig, Simulator, running_simulator

API_KEY = "sk-test-key-never-shown"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock(1_000.0)


@pytest.fixture
async def sim(sim_clock: ManualClock) -> AsyncIterator[Simulator]:
    """The aggregator simulator on 127.0.0.1, its time driven by the test."""
    async with running_simulator(SimConfig(step_seconds=1.0), clock=sim_clock) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
def client(sim: Simulator, http: httpx.AsyncClient) -> MJClient:
    return make_client(sim, http)


def make_client(sim: Simulator, http: httpx.AsyncClient, **kwargs: Any) -> MJClient:
    kwargs.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05))
    return MJClient(http, base_url=sim.base_url, api_key=SecretStr(API_KEY), **kwargs)
