"""The first login, retried while Discord cannot be reached: a bot started before the
network is up (a reboot, a container starting first) comes up on its own once it is.
A refused token is not retried; it will not start working by itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 60.0

# What "cannot be reached" looks like from discord.py: no connection, a dropped one, a
# timeout, or Discord's own 5xx after discord.py's retries.
_UNREACHABLE = (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.DiscordServerError)


async def log_in(
    bot: discord.Client,
    token: str,
    *,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """`bot.login(token)`, again after 1, 2, 4 ... 60 s while Discord is unreachable;
    discord.LoginFailure (a bad token) goes straight through."""
    delay = first_delay
    attempt = 1
    while True:
        try:
            await bot.login(token)
            if attempt > 1:
                log.info("reached Discord at attempt %d", attempt)
            return
        except _UNREACHABLE as exc:
            await _drop_session(bot)
            log.warning(
                "cannot reach Discord (%s); retrying in %g s (attempt %d)",
                type(exc).__name__,
                delay,
                attempt,
            )
        await sleep(delay)
        delay = min(max_delay, delay * 2)
        attempt += 1


async def _drop_session(bot: discord.Client) -> None:
    """Each login opens a new HTTP session; close the failed one's. Closing it closes
    its connector too, so the next login must make a new one."""
    await bot.http.close()
    bot.http.connector = discord.utils.MISSING
