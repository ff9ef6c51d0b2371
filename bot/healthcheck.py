"""`python -m bot.healthcheck`: the Docker HEALTHCHECK. Exit 0 healthy, 1 not.

With WEB_LISTEN set, the running bot's own `GET /healthz` answers (gateway, database,
tracker, aggregator: 503 with JSON naming the failing part); that costs nothing outside the
container. Without it, `python -m bot --check` runs (settings, database, aggregator,
Discord login), which asks Discord and the aggregator one question each time.

WEB_LISTEN is read from the environment, then from `.env` in the current folder, as the
bot reads its settings; a listener on every address (0.0.0.0, ::) is asked on loopback.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

HEALTHZ_TIMEOUT_SECONDS = 10.0
_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1", "*": "127.0.0.1"}


def web_listen(env_file: Path = Path(".env")) -> str | None:
    """WEB_LISTEN as the bot would see it (the environment wins over .env); None if unset."""
    value = os.environ.get("WEB_LISTEN")
    if value is None and env_file.is_file():
        from dotenv import dotenv_values  # pydantic-settings' own .env reader

        value = dotenv_values(env_file).get("WEB_LISTEN")
    if value is None or not value.strip():
        return None
    return value.strip()


def healthz_url(listen: str) -> str:
    host, _, port = listen.strip().rpartition(":")
    host = _ANY_ADDRESS.get(host.strip("[]"), host.strip("[]"))
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def ask_healthz(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with opener.open(url, timeout=HEALTHZ_TIMEOUT_SECONDS) as response:
            print(f"{url}: {response.status} {response.read(2000).decode(errors='replace')}")
            return 0
    except urllib.error.HTTPError as exc:  # 503: the body names the failing part
        print(f"{url}: {exc.code} {exc.read(2000).decode(errors='replace')}")
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: no answer ({getattr(exc, 'reason', exc)})")
    return 1


def main() -> int:
    listen = web_listen()
    if listen:
        return ask_healthz(healthz_url(listen))
    from bot import check

    return check.main()


if __name__ == "__main__":
    sys.exit(main())
