"""`python -m bot ...` as a real process beside servers that run in the test's event loop
(the simulator, the loopback Discord stand-in): awaited, so those servers keep answering."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAKE_DISCORD_SITE = Path(__file__).resolve().parent / "fake_discord_site"
RUN_SECONDS = 90.0


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.strip().splitlines()


def bot_env(*, discord_api: str | None = None, **settings: str) -> dict[str, str]:
    """The environment of a bot process: none of this machine's bot settings, the
    given ones, and with `discord_api` (a FakeDiscord's `api_base`) Discord redirected."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "MJ_", "DATABASE_", "LOG_", "WEB_", "PUBLIC_URL"))
    }
    paths = [str(ROOT)]
    env = {**clean, **settings}
    if discord_api is not None:
        paths.insert(0, str(FAKE_DISCORD_SITE))
        env["FAKE_DISCORD_API_BASE"] = discord_api
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


async def run_bot(
    cwd: Path, *args: str, discord_api: str | None = None, **settings: str
) -> Finished:
    """Run it to its end (at most RUN_SECONDS); `settings` are the bot's environment."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=bot_env(discord_api=discord_api, **settings),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(RUN_SECONDS):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def start_bot(
    cwd: Path, log: Path, *, discord_api: str, **settings: str
) -> asyncio.subprocess.Process:
    """`python -m bot` started and left running (its output in `log`): the caller kills
    it, or stops it with SIGTERM as an operator would."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=cwd,
            env=bot_env(discord_api=discord_api, **settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
