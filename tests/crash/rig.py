"""The real `python -m bot` under load for the crash tests: the loopback Discord stand-in
(REST and gateway) and the simulator run in the test's process, the bot in its own, started
again and again on the same SQLite file.

    async with crash_rig(tmp_path, seed) as rig:
        await rig.start()                       # process 0, its probe command answered
        await rig.load(jobs=50, stops=3, stop=BotProcess.kill)
        await rig.settle()
        await check_outcomes(rig)               # tests/crash/outcomes.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot.core.models import JobStatus
from bot.core.storage import SqlStorage, open_storage
from bot.sim import SimConfig, Simulator, running_simulator
from tests.app.bot_process import BotProcess
from tests.fakes import (
    FakeDiscord,
    FakeInteraction,
    FakeMessage,
    InteractionFactory,
    running_fake_discord,
)

TOKEN = "crash-discord-token-never-shown"
API_KEY = "sk-crash-key-never-shown"
USERS = (9001, 9002, 9003, 9004, 9005)
CREDITS_EACH = 40
# After the first 40 % of the jobs (all /imagine, so grids are there to press), every
# third one is a press on a finished grid: 10 of 50.
PRESSES_FROM, PRESSES_EVERY = 0.4, 3
WITHIN = 90.0  # generous: a loaded CI machine is slow, and nothing here measures speed
Stop = Callable[[BotProcess], Awaitable[int]]


def crash_seed() -> int:
    """CRASH_SEED=<n> replays a run; otherwise a fresh one, printed (shown on failure)."""
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(1_000_000))
    print(f"crash test seed: {seed} (CRASH_SEED={seed} repeats its kill points)")
    return seed


@dataclass
class Sent:
    """An interaction the test sent through the gateway, and to which process."""

    inter: FakeInteraction
    kind: str  # "imagine", "press" or "probe"
    process: int  # index in Rig.processes of the process whose session it went to
    tag: str  # imagine/probe: a word only its prompt has; press: "<grid job>:<index>"


@dataclass
class Rig:
    fake: FakeDiscord
    sim: Simulator
    storage: SqlStorage  # the test's own connection to the bot's database (WAL: side by side)
    folder: Path
    env: dict[str, str]
    rng: random.Random  # the load: pace, which prompts fail
    stop_rng: random.Random  # when to stop: its own, so the load's draws do not shift it
    processes: list[BotProcess] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)  # return codes of the ended processes
    sent: list[Sent] = field(default_factory=list)
    _sessions: dict[str, int] = field(default_factory=dict)  # gateway session -> process
    _factory: InteractionFactory | None = None
    _load_sent = 0  # how many of the load's jobs were sent

    @property
    def current(self) -> BotProcess:
        return self.processes[-1]

    @property
    def factory(self) -> InteractionFactory:
        assert self._factory is not None, "start the bot first: it syncs the commands"
        return self._factory

    async def start(self) -> BotProcess:
        """A new process on the same database. It must resume exactly the jobs the
        database says are followed (and interrupt those whose submit went unanswered),
        come up on the gateway, and answer a new command at once."""
        # Never two at once: a task is followed by one process only.
        assert all(p.returncode is not None for p in self.processes), "the last one still runs"
        followed = [JobStatus.WAITING, JobStatus.IN_PROGRESS]
        tracked = len(await self.storage.jobs.list_by_status(followed))
        pending = len(await self.storage.jobs.list_by_status([JobStatus.PENDING]))
        process = await BotProcess.start(self.folder, discord_api=self.fake.api_base, **self.env)
        self.processes.append(process)
        await process.wait_for_line("logged in as", within=WITHIN)
        # PENDING jobs (submit unanswered) are looked up by state: found ones are followed,
        # the others interrupted; the ones the database says were followed, all resumed.
        line = await process.wait_for_line("tracker resumed")
        counts = re.search(r"resumed (\d+) jobs \((\d+) found by state\), (\d+) interrupted", line)
        assert counts is not None, line
        resumed, found, interrupted = map(int, counts.groups())
        assert (resumed, found + interrupted) == (tracked + found, pending), line
        await self.fake.gateway.wait_connected(within=WITHIN)
        session = self.fake.gateway.session(0)
        assert session is not None
        self._sessions[session.id] = len(self.processes) - 1
        if self._factory is None:
            self._factory = InteractionFactory(self.fake)  # commands as the bot synced them
        probe = await self.send_imagine(f"probe{len(self.processes) - 1}", USERS[0], kind="probe")
        await probe.inter.wait_answered(WITHIN)
        async with asyncio.timeout(WITHIN):  # answered, and its job started
            while not await self._job_on(probe):  # noqa: ASYNC110  # the bot's database
                await asyncio.sleep(0.05)
        return process

    async def _job_on(self, sent: Sent) -> bool:
        jobs = await self.storage.jobs.list_by_status(list(JobStatus))
        return any(job.message.message_id == sent.inter.original_message_id for job in jobs)

    async def stop(self, how: Stop) -> int:
        code = await how(self.current)
        self.stopped.append(code)
        return code

    async def send_imagine(self, tag: str, user: int, *, kind: str = "imagine") -> Sent:
        prompt = f"crash test {tag}" + (" sim:fail" if self.rng.random() < 0.2 else "")
        payload = self.factory.slash_command("imagine", {"prompt": prompt}, user_id=user)
        return await self._send(payload, kind, tag)

    async def press(self, grid: Sent, index: int) -> Sent:
        """U<index+1> on a finished grid, pressed by the grid's owner."""
        message = self.original(grid)
        button = next(b for b in message.buttons() if b.label == f"U{index + 1}")
        assert button.custom_id is not None
        user = int(grid.inter.user["id"])
        payload = self.factory.button_click(message, button.custom_id, user_id=user)
        return await self._send(payload, "press", f"{grid.tag}:{index}")

    async def _send(self, payload: dict[str, object], kind: str, tag: str) -> Sent:
        session = self.fake.gateway.session(0)
        assert session is not None
        inter = await self.fake.gateway.send_interaction(payload)
        sent = Sent(inter, kind, self._sessions.get(session.id, len(self.processes) - 1), tag)
        self.sent.append(sent)
        return sent

    def original(self, sent: Sent) -> FakeMessage:
        message = self.fake.original_response(sent.inter.token)
        assert message is not None, f"{sent.kind} {sent.tag} has no original response"
        return message

    def finished_grid(self, sent: Sent) -> bool:
        message = self.fake.original_response(sent.inter.token)
        return message is not None and any(b.label == "U1" for b in message.buttons())

    # -- the load ------------------------------------------------------------------------

    async def load(self, *, jobs: int, stops: int, how: Stop) -> None:
        """`jobs` commands and presses sent at a random pace while the bot is stopped
        `stops` times (by `how`) and started again: each stop comes after a random number
        of jobs were sent and then a random number of further requests reached the fake
        (so at random points: mid-command, mid-submit, mid-poll, mid-edit)."""
        after = sorted(self.stop_rng.sample(range(3, jobs - 3), stops))
        await asyncio.gather(self._send_all(jobs), self._stop_and_start(after, how))

    async def _send_all(self, jobs: int) -> None:
        grids: list[Sent] = []
        for n in range(jobs):
            await self.fake.gateway.wait_connected(within=WITHIN)
            if n >= jobs * PRESSES_FROM and n % PRESSES_EVERY == PRESSES_EVERY - 1:
                await self._press_some(grids, n)
            else:
                grids.append(await self.send_imagine(f"job{n}", USERS[n % len(USERS)]))
            self._load_sent = n + 1
            await asyncio.sleep(self.rng.uniform(0.0, 0.08))

    async def _press_some(self, grids: list[Sent], n: int) -> None:
        """Press a button on the oldest grid that finished, waiting for one if need be."""
        await self.fake.wait_until(
            lambda: any(self.finished_grid(g) for g in grids), within=WITHIN, what="a grid"
        )
        grid = next(g for g in grids if self.finished_grid(g))
        grids.remove(grid)
        await self.fake.gateway.wait_connected(within=WITHIN)
        await self.press(grid, n % 4)

    async def _stop_and_start(self, after: list[int], how: Stop) -> None:
        for sent in after:
            await self.fake.wait_until(partial(self._sent_at_least, sent), within=WITHIN)
            target = len(self.fake.requests) + self.stop_rng.randrange(0, 40)
            with contextlib.suppress(AssertionError):  # all quiet already: stop now
                await self.fake.wait_until(partial(self._requests_at_least, target))
            await self.stop(how)
            await self.start()

    def _sent_at_least(self, count: int) -> bool:
        return self._load_sent >= count

    def _requests_at_least(self, count: int) -> bool:
        return len(self.fake.requests) >= count

    async def settle(self) -> None:
        """Until everything the running process was sent is a job, and every job has
        ended and its end is shown (the process keeps running)."""
        last = len(self.processes) - 1

        async def done() -> bool:
            jobs = await self.storage.jobs.list_by_status(list(JobStatus))
            messages = {job.message.message_id for job in jobs}
            if any(
                s.inter.original_message_id not in messages for s in self.sent if s.process == last
            ):
                return False
            return all(j.status.is_terminal and j.shown_status is j.status for j in jobs)

        async with asyncio.timeout(WITHIN):
            while not await done():  # noqa: ASYNC110  # another process writes the database
                await asyncio.sleep(0.2)


def bot_settings(sim: Simulator, fake: FakeDiscord, db: Path, **overrides: str) -> dict[str, str]:
    values = {
        "DISCORD_TOKEN": TOKEN,
        "MJ_API_KEY": API_KEY,
        "MJ_API_BASE_URL": sim.base_url,
        "DATABASE_PATH": str(db),
        "DISCORD_GUILD_ID": str(fake.guild_id),
        "CREDITS_ENABLED": "true",
        "MAX_CONCURRENT_JOBS_PER_USER": "0",
        "POLL_INTERVAL_SECONDS": "0.1",
        "EDIT_INTERVAL_SECONDS": "0.3",
        "REQUEST_TIMEOUT_SECONDS": "10",
        "TASK_DEADLINE_SECONDS": "600",
        "SHUTDOWN_GRACE_SECONDS": "30",
    }
    return {**values, **overrides}


@asynccontextmanager
async def crash_rig(tmp_path: Path, seed: int, **settings: str) -> AsyncIterator[Rig]:
    async with AsyncExitStack() as stack:
        # Interactions are answered late on a loaded machine: the 3 s rule is not under test.
        fake = await stack.enter_async_context(
            running_fake_discord(bot_token=TOKEN, callback_deadline=WITHIN)
        )
        sim = await stack.enter_async_context(
            running_simulator(SimConfig(api_key=API_KEY, step_seconds=0.25))
        )
        db = tmp_path / "bot.db"
        storage = await open_storage(path=db)
        stack.push_async_callback(storage.close)
        for user in USERS:
            await storage.ledger.grant(user, CREDITS_EACH, admin_id=1, at=0.0)
        env = bot_settings(sim, fake, db, **settings)
        rngs = random.Random(f"{seed}:load"), random.Random(f"{seed}:stops")
        rig = Rig(fake, sim, storage, tmp_path, env, *rngs)
        try:
            yield rig
        finally:
            for process in rig.processes:
                await process.kill()
