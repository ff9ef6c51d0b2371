"""What the bot tells its operator as it starts: where the aggregator is (its root, no
secret in it), a root that looks like an endpoint, and whether the aggregator answers and
accepts the key. None of it stops the bot: a flaky aggregator may be back in a minute."""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import urlsplit

from bot.config import Settings

log = logging.getLogger("bot.app")  # the lines of the start, as they always read

# /mj, /mj-fast, /mj-relax, /mj-turbo as a path segment: the client adds it itself.
_MJ_SEGMENT = re.compile(r"/mj(?:-[a-z]+)?(?:/|$)")


def api_place(root: str) -> str:
    """The aggregator's root as shown to operators: no user, password or query in it."""
    parts = urlsplit(root)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path.rstrip('/')}"


def api_url_warning(settings: Settings) -> str | None:
    """MJ_API_BASE_URL with an /mj/ path (pasted from an API example): every request
    would go to that path plus /mj/..., which no aggregator answers."""
    path = urlsplit(settings.api_root).path
    if not _MJ_SEGMENT.search(path):
        return None
    return (
        f"MJ_API_BASE_URL has the path {path}: it should be the aggregator's root "
        "(like https://api.example.com); the bot adds /mj/... itself"
    )


def log_settings(settings: Settings, backend: str) -> None:
    """The first lines of every start: storage, the aggregator's root, what looks wrong."""
    log.info("starting; storage %s, aggregator at %s", backend, api_place(settings.api_root))
    warning = api_url_warning(settings)
    if warning:
        log.warning("%s", warning)


async def log_aggregator_check(settings: Settings, *, within: float) -> bool:
    """Ask the aggregator one cheap authenticated question (as `--check` does), waiting
    `within` seconds at most, and log the answer; True when it answered and took the key."""
    from bot.check import Outcome, check_aggregator  # bot.check imports the app

    try:
        async with asyncio.timeout(within):
            result = await check_aggregator(settings)
    except TimeoutError:
        log.warning(
            "aggregator check: %s did not answer within %g s; the bot starts anyway",
            api_place(settings.api_root),
            within,
        )
        return False
    except Exception as exc:  # a start-up courtesy: never what stops the bot
        log.warning("aggregator check failed unexpectedly: %s", type(exc).__name__)
        return False
    if result.outcome is Outcome.OK:
        log.info("aggregator check: %s", result.detail)
        return True
    log.warning(
        "aggregator check failed: %s; the bot starts anyway, and jobs fail until it is fixed",
        result.detail,
    )
    return False
