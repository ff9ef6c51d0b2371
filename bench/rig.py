"""The whole bot as `python -m bot` builds it, on loopback only: the real `MJBot` logged in
to the Discord stand-in (tests/fakes), the aggregator simulator over HTTP, a SQLite file.

Besides running it, the rig records what the benchmark needs and the bot does not keep:
when each interaction was handed to the bot, and every message edit the stand-in received
(when, on which message, with which payload).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE
from typing import Any

import aiohttp
import httpx

from bench.stand_in import Factory, Fake, Message, Upload, interaction_factory, running_fake_discord
from bot.app import App, build, freeze_heap, started
from bot.config import Settings
from bot.core.storage import open_storage

BOT_TOKEN = "bench-bot-token"
API_KEY = "sk-bench-key"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Edit:
    at: float  # time.monotonic() when the stand-in applied it
    message_id: int
    digest: str  # the payload as sent (JSON and file bytes), for "identical" comparisons
    final: bool  # the message shows a finished job afterwards (result buttons or failure)


@dataclass
class EditLog:
    by_message: dict[int, list[Edit]] = field(default_factory=dict)

    def add(self, edit: Edit) -> None:
        self.by_message.setdefault(edit.message_id, []).append(edit)

    def of(self, message_id: int) -> list[Edit]:
        return self.by_message.get(message_id, [])


def is_final(message: Message) -> bool:
    """Result buttons (not only the Cancel of a running job), or a failure."""
    buttons = [b for b in message.buttons() if b.custom_id and not b.custom_id.endswith(":c")]
    failed = any("Failed" in json.dumps(e) for e in message.embeds)
    return bool(buttons) or failed


def _digest(payload: dict[str, Any], files: list[Upload]) -> str:
    h = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    for upload in files:
        h.update(hashlib.sha256(upload.data).digest())
    return h.hexdigest()


def record_edits(fake: Fake) -> EditLog:
    """Wrap the stand-in's message edit (every edit path ends there) to log each edit.

    The stand-in's own request log is emptied as it grows: the benchmark keeps its own,
    and thousands of kept request bodies would only inflate the process's RSS."""
    log = EditLog()
    apply = fake.edit_message

    def edit_message(msg: Message, payload: dict[str, Any], files: list[Upload]) -> Message:
        edited = apply(msg, payload, files)
        log.add(Edit(time.monotonic(), msg.id, _digest(payload, files), is_final(msg)))
        if len(fake.requests) > 1000:
            fake.requests.clear()
        return edited

    setattr(fake, "edit_message", edit_message)  # noqa: B010 - an instance override
    return log


def skip_schema_checks(fake: Fake) -> None:
    """Discord's own CPU is not in the bot's process: the stand-in's per-request OpenAPI
    validation (jsonschema, the costliest part of the stand-in) is switched off, so the
    loop time measured is the bot's. The e2e tests keep it on."""

    def no_validation(*args: object) -> None:
        return None

    setattr(fake, "_validate", no_validation)  # noqa: B010 - an instance override


def record_callbacks(sent: dict[str, float]) -> aiohttp.TraceConfig:
    """An aiohttp trace on the bot's Discord session: when the bot finished sending each
    interaction callback (its acknowledgement), by interaction token, in `time.time()`."""

    async def headers_sent(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        parts = params.url.path.rstrip("/").split("/")
        if len(parts) >= 3 and parts[-1] == "callback" and parts[-4] == "interactions":
            sent.setdefault(parts[-2], time.time())

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(headers_sent)
    return trace


QUERY_EXCLUDED = frozenset({"task/cancel", "task/image-seed"})


def queries(stats: dict[str, int]) -> int:
    """Requests that ask about tasks (fetch, list-by-condition, queue, query, ...); not
    the submits, cancels or seeds a user asked for."""
    return sum(
        n for name, n in stats.items() if name.startswith("task/") and name not in QUERY_EXCLUDED
    )


class SimClient:
    """The HTTP API of `python -m bench.simserver` (the simulator in its own process)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60.0)

    async def close(self) -> None:
        await self.http.aclose()

    async def stats(self) -> dict[str, int]:
        """Requests the simulator saw, per endpoint ("task/list-by-condition", ...)."""
        response = await self.http.get("/sim/stats")
        response.raise_for_status()
        return {str(k): int(v) for k, v in response.json().items()}

    async def advance(self, seconds: float) -> None:
        (await self.http.post("/bench/advance", json={"seconds": seconds})).raise_for_status()

    async def seed(self, count: int) -> list[str]:
        response = await self.http.post("/bench/seed", json={"count": count})
        response.raise_for_status()
        return [str(i) for i in response.json()["ids"]]

    async def success_times(self) -> dict[str, float | None]:
        """Task id -> the simulator-clock time it reads SUCCESS."""
        response = await self.http.get("/bench/tasks")
        response.raise_for_status()
        listed: dict[str, float | None] = response.json()["success_at"]
        return listed


@asynccontextmanager
async def running_sim(step_seconds: float, *, manual_clock: bool) -> AsyncIterator[SimClient]:
    args = ["-m", "bench.simserver", "--step-seconds", str(step_seconds)]
    if manual_clock:
        args.append("--manual-clock")
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdin=PIPE, stdout=PIPE, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if not line:
            raise RuntimeError("the simulator process exited before listening")
        sim = SimClient(json.loads(line)["base_url"])
        try:
            yield sim
        finally:
            await sim.close()
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the simulator stops when its stdin closes
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


@dataclass
class Rig:
    fake: Fake
    app: App
    factory: Factory
    edits: EditLog
    given: dict[str, float] = field(default_factory=dict)  # token -> time.time() handed over
    sent: dict[str, float] = field(default_factory=dict)  # token -> time.time() ack sent

    def hand_over(self, payloads: list[dict[str, Any]]) -> None:
        """Give the bot these interactions the way the gateway does, all in one go."""
        copies = [copy.deepcopy(p) for p in payloads]  # discord.py mutates what it parses
        state = self.app.bot._connection
        for payload, parsed in zip(payloads, copies, strict=True):
            self.given[payload["token"]] = time.time()
            state.parse_interaction_create(parsed)  # type: ignore[arg-type]

    def ack_ms(self, token: str) -> float | None:
        """Interaction handed to the bot -> the bot sent its first callback (inside the
        bot: the stand-in's own time to read it is Discord's, not the bot's)."""
        if token not in self.sent or token not in self.given:
            return None
        return (self.sent[token] - self.given[token]) * 1000

    def ack_received_ms(self, token: str) -> float | None:
        """Interaction handed to the bot -> its first callback reached the stand-in."""
        inter = self.fake.interaction(token)
        if inter.callback_at is None or token not in self.given:
            return None
        return (inter.callback_at.timestamp() - self.given[token]) * 1000

    def imagine(self, count: int, *, first_user: int = 10_000) -> list[dict[str, Any]]:
        """`count` /imagine commands, each from its own user (so no per-user limit)."""
        return [
            self.factory.slash_command(
                "imagine", {"prompt": f"benchmark prompt {i}"}, user_id=first_user + i
            )
            for i in range(count)
        ]


def bench_settings(api_base: str, fake: Fake, db: Path, **overrides: Any) -> Settings:
    """The operator's defaults (poll and edit intervals included), pointed at loopback."""
    values: dict[str, Any] = {
        "discord_token": BOT_TOKEN,
        "mj_api_base_url": api_base,
        "mj_api_key": API_KEY,
        "database_path": db,
        "discord_guild_id": fake.guild_id,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def running_rig(
    db: Path,
    api_base: str,
    *,
    before_start: Callable[[App], None] | None = None,
    **settings: Any,
) -> AsyncIterator[Rig]:
    """The bot built and started as `python -m bot` does, logged in to a fresh stand-in.
    `before_start` sees the built app before it starts (to wrap what is measured)."""
    async with AsyncExitStack() as stack:
        # A generous callback window: a late answer is measured, not refused.
        fake = await stack.enter_async_context(running_fake_discord(callback_deadline=600.0))
        skip_schema_checks(fake)
        edits = record_edits(fake)
        config = bench_settings(api_base, fake, db, **settings)
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=config.request_timeout_seconds, follow_redirects=True)
        )
        storage = await open_storage(path=config.database_path)
        stack.push_async_callback(storage.close)
        app = build(config, http, storage)
        sent: dict[str, float] = {}
        app.bot.http.http_trace = record_callbacks(sent)  # read when the session is made
        if before_start is not None:
            before_start(app)
        app = await stack.enter_async_context(started(app))
        freeze_heap()  # as `python -m bot` does once started
        yield Rig(fake, app, interaction_factory(fake, app.bot), edits, sent=sent)
