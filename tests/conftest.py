"""Fixtures shared by every test: real databases (a SQLite file; PostgreSQL where the store
contract is checked) and a real simulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.core.mj.client import MJClient, RetryPolicy
from bot.core.storage import SqlStorage, open_storage
from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from tests.postgres import fresh_database, postgres_admin_url, postgres_url  # noqa: F401

API_KEY = "sk-test-key-never-shown"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqlStorage]:
    """Storage on a real SQLite file, migrated."""
    opened = await open_storage(path=tmp_path / "bot.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStorage]:
    """The same tests on both backends: a SQLite file, and a fresh PostgreSQL database."""
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            opened = await open_storage(path=tmp_path / "bot.db")
        else:
            admin_url = request.getfixturevalue("postgres_admin_url")
            opened = await open_storage(
                url=await stack.enter_async_context(fresh_database(admin_url))
            )
        stack.push_async_callback(opened.close)
        yield opened


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
