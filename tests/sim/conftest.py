"""Fixtures: a plus-flavour simulator on 127.0.0.1 driven by a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from tests.sim.helpers import client_for


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with running_simulator(SimConfig(step_seconds=1.0), clock=clock) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sim) as http:
        yield http
