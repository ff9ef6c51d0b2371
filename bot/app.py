"""Composition root: settings -> logging -> HTTP client -> database -> services -> bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import httpx

from bot.config import Settings
from bot.core.services import build_core
from bot.core.storage import Database
from bot.discord_bot import MJBot
from bot.logging_setup import configure_logging

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    configure_logging(
        settings.log_level,
        secrets=[settings.discord_token.get_secret_value(), settings.mj_api_key.get_secret_value()],
    )
    _stop_on_sigterm(asyncio.current_task())
    timeout = httpx.Timeout(settings.request_timeout_seconds, connect=10.0)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as http:
        db = await Database.open(settings.database_path)
        try:
            await db.migrate()
            core = build_core(settings, http, db)
            bot = MJBot(core)
            async with bot:
                log.info("starting; aggregator at %s", httpx.URL(settings.api_root).host)
                await bot.start(settings.discord_token.get_secret_value())
        finally:
            await db.close()
            log.info("stopped cleanly")


def _stop_on_sigterm(task: asyncio.Task[object] | None) -> None:
    """SIGTERM (docker stop, systemd) ends the bot like Ctrl-C: everything closes."""
    if task is None:
        return
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has no such signal
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
