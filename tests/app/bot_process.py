"""`python -m bot ...` as a real process beside servers that run in the test's event loop
(the simulator, the loopback Discord stand-in): awaited, so those servers keep answering.
`run_bot` runs one to its end (`--check`, `backup`); `BotProcess` is a bot that keeps
running, connected to the stand-in's gateway, until the test kills or stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

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
    given ones, and with `discord_api` (a FakeDiscord's `api_base`) Discord redirected:
    REST calls and the gateway connection (the fake serves both on one port)."""
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
        root = discord_api.removesuffix("/api/v10").replace("http://", "ws://", 1)
        env["FAKE_DISCORD_GATEWAY"] = root + "/gateway"
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


async def spawn(
    cwd: Path, *args: str, discord_api: str | None = None, **settings: str
) -> asyncio.subprocess.Process:
    """`python -m bot *args` in `cwd` with the bot's environment, its output piped."""
    return await asyncio.create_subprocess_exec(
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


async def run_bot(
    cwd: Path, *args: str, discord_api: str | None = None, **settings: str
) -> Finished:
    """Run it to its end (at most RUN_SECONDS); `settings` are the bot's environment."""
    process = await spawn(cwd, *args, discord_api=discord_api, **settings)
    try:
        async with asyncio.timeout(RUN_SECONDS):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


class BotProcess:
    """A running `python -m bot` whose output lines (stdout and stderr, as they come) are
    kept in `lines`. Start it with `BotProcess.start`; `async with` kills it at the end."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._more = asyncio.Condition()
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(stream)) for stream in (process.stdout, process.stderr)
        ]

    @classmethod
    async def start(
        cls, cwd: Path, *args: str, discord_api: str | None = None, **settings: str
    ) -> BotProcess:
        return cls(await spawn(cwd, *args, discord_api=discord_api, **settings))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            async with self._more:
                self.lines.append(line.decode(errors="replace").rstrip("\n"))
                self._more.notify_all()
        async with self._more:
            self._more.notify_all()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    async def wait_for_line(self, text: str, *, after: int = 0, within: float = RUN_SECONDS) -> str:
        """The first line from index `after` on that contains `text`, waiting for it;
        AssertionError (with the output) if the process ends or `within` passes first."""

        def found() -> str | None:
            return next((line for line in self.lines[after:] if text in line), None)

        try:
            async with asyncio.timeout(within), self._more:
                while (line := found()) is None:
                    if all(reader.done() for reader in self._readers):
                        break
                    await self._more.wait()
        except TimeoutError:
            line = None
        if line is None:
            raise AssertionError(f"no line with {text!r} from the bot; it said:\n{self.output}")
        return line

    async def kill(self) -> int:
        """SIGKILL: no clean-up of any kind, like a power cut or the OOM killer."""
        return await self._end(signal.SIGKILL)

    async def terminate(self) -> int:
        """SIGTERM, as `docker stop` or systemd send: the bot stops cleanly."""
        return await self._end(signal.SIGTERM)

    def send(self, sig: signal.Signals) -> None:
        """Send a signal without waiting for its effect."""
        if self.process.returncode is None:
            self.process.send_signal(sig)

    async def wait(self) -> int:
        """Until the process ended by itself (or from a signal sent before)."""
        return await self._end(None)

    async def _end(self, sig: signal.Signals | None) -> int:
        if sig is not None:
            self.send(sig)
        async with asyncio.timeout(RUN_SECONDS):
            code = await self.process.wait()
            await asyncio.gather(*self._readers)
        return code

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.kill()


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
