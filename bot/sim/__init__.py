"""A loopback midjourney-proxy / aggregator simulator for trying the bot and for tests.

Run `python -m bot.sim` for a server on http://127.0.0.1:8787, or in tests:

    async with running_simulator(SimConfig(step_seconds=0.05)) as sim:
        ...  # point the client at sim.base_url
"""

from bot.sim.clock import ManualClock
from bot.sim.faults import Faults
from bot.sim.server import SimConfig, Simulator, running_simulator
from bot.sim.stats import RequestRecord

__all__ = ["Faults", "ManualClock", "RequestRecord", "SimConfig", "Simulator", "running_simulator"]
