"""`python -m bot --check`: is this configuration ready to run? One line per check.

settings    the environment and .env are read and valid
database    opened and migrated to the newest schema (SQLite or PostgreSQL)
aggregator  reachable, and MJ_API_KEY accepted (one cheap authenticated task query)
discord     DISCORD_TOKEN accepted: who the bot is

Every check runs even when another fails (all but settings need valid settings); the exit
status is 0 when all passed, 1 otherwise. No line ever shows a secret: the texts come from
status codes and error types, and pass the log redaction filter before printing.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

import aiohttp
import discord
import httpx
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.app import aggregator_client
from bot.config import Settings
from bot.core.mj.errors import (
    MJAPIError,
    MJAuthError,
    MJEndpointUnsupportedError,
    MJError,
    MJHTTPError,
    MJProtocolError,
    MJRateLimitedError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
)
from bot.core.mj.retry import RetryPolicy
from bot.core.storage import DatabaseTooNewError, StorageConfigError, head_revision, open_storage
from bot.core.storage.engine import database_place
from bot.logging_setup import SecretRedactor, configure_logging
from bot.settings_errors import settings_problems
from bot.shards import ShardPlan
from bot.startup import api_place, api_url_warning
from bot.ui.command_sync import guild_sync_warning

# A task id no aggregator has: the list query answers [] once the key is accepted.
PROBE_TASK_ID = "mj-bot-check"
DISCORD_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
CHECKS = ("settings", "database", "aggregator", "discord")


class Outcome(StrEnum):
    OK = "OK"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: Outcome
    detail: str

    @property
    def line(self) -> str:
        return f"{self.name}: {self.outcome.value}: {self.detail}"


def ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, Outcome.OK, detail)


def failed(name: str, detail: str) -> CheckResult:
    return CheckResult(name, Outcome.FAILED, detail)


# ------------------------------------------------------------------------- database


async def check_database(settings: Settings) -> CheckResult:
    url = settings.database_url_value
    where = f"DATABASE_URL ({database_place(url)})" if url else f"DATABASE_PATH {_path(settings)}"
    try:
        storage = await open_storage(path=settings.database_path, url=url)
    except (DatabaseTooNewError, StorageConfigError) as exc:
        return failed("database", f"{where}: {exc}")
    except SQLAlchemyError as exc:
        # The driver's own first line says why (parameters are hidden; never the URL).
        cause = getattr(exc, "orig", None) or exc
        return failed("database", f"{where}: {type(cause).__name__}: {_first_line(cause)}")
    except OSError as exc:  # the folder cannot be created, a refused connection...
        return failed("database", f"{where}: {type(exc).__name__}: {exc.strerror or exc}")
    try:
        backend = "PostgreSQL" if storage.backend == "postgresql" else "SQLite"
    finally:
        await storage.close()
    return ok("database", f"{backend} {where}, migrated to schema revision {head_revision()}")


def _path(settings: Settings) -> str:
    return str(settings.database_path) or "(empty)"


# ----------------------------------------------------------------------- aggregator


async def check_aggregator(settings: Settings) -> CheckResult:
    where = api_place(settings.api_root)
    timeout = httpx.Timeout(settings.request_timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS)
    async with httpx.AsyncClient(timeout=timeout) as http:
        # One question, one answer: no retry.
        client = aggregator_client(settings, http, retry=RetryPolicy(attempts=1))
        try:
            await client.list_by_condition([PROBE_TASK_ID])
        except MJError as exc:
            return failed("aggregator", _aggregator_problem(exc, where, settings))
    return ok("aggregator", f"{where} reachable, MJ_API_KEY accepted")


def _aggregator_problem(exc: MJError, where: str, settings: Settings) -> str:
    if isinstance(exc, MJAuthError):
        return f"{where} refused MJ_API_KEY (HTTP {exc.status}); check the key and MJ_AUTH_STYLE"
    if isinstance(exc, MJEndpointUnsupportedError):
        return (
            f"{where} has no /mj/task/list-by-condition (HTTP {exc.status}); MJ_API_BASE_URL "
            "must be the aggregator's root, without /mj"
        )
    if isinstance(exc, MJRateLimitedError):
        return f"{where} answered HTTP {exc.status} (too many requests); try again later"
    if isinstance(exc, MJServerError):
        return f"{where} answered HTTP {exc.status} (a server error on its side)"
    if isinstance(exc, MJHTTPError):
        return f"{where} answered HTTP {exc.status}"
    if isinstance(exc, MJTimeoutError):
        return f"{where} did not answer within REQUEST_TIMEOUT_SECONDS ({_secs(settings)})"
    if isinstance(exc, MJTransportError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "no answer"
        return f"cannot reach {where} ({cause})"
    if isinstance(exc, MJProtocolError):
        return f"{where} answered something that is not the midjourney-proxy API ({exc})"
    if isinstance(exc, MJAPIError):
        return f"{where} answered code {exc.code}: {exc.description}"
    return f"{where}: {type(exc).__name__}"


def _secs(settings: Settings) -> str:
    return f"{settings.request_timeout_seconds:g} s"


# -------------------------------------------------------------------------- discord


async def check_discord(settings: Settings) -> CheckResult:
    client = discord.Client(intents=discord.Intents.none())
    try:
        async with asyncio.timeout(DISCORD_TIMEOUT_SECONDS), client:
            await client.login(settings.discord_token.get_secret_value())
            user = client.user
    except discord.LoginFailure:
        return failed("discord", "Discord refused DISCORD_TOKEN (401 Unauthorized)")
    except discord.HTTPException as exc:
        return failed("discord", f"Discord answered HTTP {exc.status} to the login")
    except TimeoutError:
        return failed("discord", f"Discord did not answer within {DISCORD_TIMEOUT_SECONDS:g} s")
    except (aiohttp.ClientError, OSError) as exc:
        return failed("discord", f"cannot reach Discord ({type(exc).__name__})")
    if user is None:  # pragma: no cover  # login sets it or raises
        return failed("discord", "Discord answered no user")
    return ok("discord", f"logged in as {user.name} ({user.id})")


# ------------------------------------------------------------------------------ run


async def _guarded(name: str, check: Callable[[], Awaitable[CheckResult]]) -> CheckResult:
    """A check that fails in an unforeseen way is one FAILED line, not a traceback."""
    try:
        return await check()
    except Exception as exc:
        return failed(name, f"unexpected {type(exc).__name__}: {_first_line(exc)}")


async def run_checks(settings: Settings) -> list[CheckResult]:
    """The checks after settings, run side by side (the slowest bounds the wait)."""
    return list(
        await asyncio.gather(
            _guarded("database", lambda: check_database(settings)),
            _guarded("aggregator", lambda: check_aggregator(settings)),
            _guarded("discord", lambda: check_discord(settings)),
        )
    )


def main(out: TextIO | None = None) -> int:
    """Print one line per check; 0 when every check passed, else 1."""
    stream = out or sys.stdout
    try:
        settings = Settings()  # values come from the environment and .env
    except ValidationError as exc:
        problems = "; ".join(settings_problems(exc))  # one line per check
        print(failed("settings", problems).line, file=stream, flush=True)
        for name in CHECKS[1:]:
            skipped = CheckResult(name, Outcome.SKIPPED, "needs valid settings")
            print(skipped.line, file=stream, flush=True)
        return 1
    # Library warnings go to stderr, redacted, in the configured format.
    configure_logging("WARNING", secrets=settings.secrets(), log_format=settings.log_format)
    # discord.py's start-up warnings (voice libraries, intents) do not concern a login check.
    logging.getLogger("discord").setLevel(logging.ERROR)
    redactor = SecretRedactor(settings.secrets())
    storage = "PostgreSQL (DATABASE_URL)" if settings.database_url else "SQLite (DATABASE_PATH)"
    shards = ShardPlan.of(settings)
    read = f"read and valid; storage {storage}; {shards.describe()}"
    warnings = [
        api_url_warning(settings),
        *shards.warnings(settings.discord_guild_id),
        guild_sync_warning(settings.discord_guild_id),
    ]
    for warning in warnings:
        if warning is not None:
            read += f"; warning: {warning}"
    results = [ok("settings", read)]
    results += asyncio.run(run_checks(settings))
    for result in results:
        print(redactor.redact(result.line), file=stream, flush=True)
    logging.shutdown()
    return 0 if all(r.outcome is Outcome.OK for r in results) else 1


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
