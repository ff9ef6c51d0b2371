"""python -m bot: start the bot, or exit with one clear line on a configuration problem."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib import metadata

import aiohttp
import discord
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.core.storage import DatabaseTooNewError, StorageConfigError
from bot.settings_errors import describe_settings_error
from bot.ui.command_sync import CommandSyncRefusedError


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run the Midjourney Discord bot. Settings come from the environment "
        "and from a .env file in the current folder (the environment wins); see .env.example.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser.parse_args(argv)


def _version() -> str:
    try:
        return metadata.version("mj-discord-bot")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parse_args(sys.argv[1:] if argv is None else argv)  # --help / --version exit here
    try:
        settings = Settings()  # values come from the environment
    except ValidationError as exc:
        print(describe_settings_error(exc), file=sys.stderr)
        return 2
    from bot import app  # after settings: a config error should not wait for heavy imports

    try:
        asyncio.run(app.run(settings))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 0
    except discord.LoginFailure:
        print("Configuration error: Discord refused DISCORD_TOKEN.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print(
            "Configuration error: the bot asked for an intent it is not granted.", file=sys.stderr
        )
        return 2
    except CommandSyncRefusedError as exc:
        print(f"Configuration error: {exc}.", file=sys.stderr)
        return 2
    except (DatabaseTooNewError, StorageConfigError) as exc:
        where = "DATABASE_URL" if settings.database_url else "DATABASE_PATH"
        print(f"Configuration error: {where}: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        # The database refused or could not be reached: its own first line says why
        # (never the URL: parameters are hidden and the URL is not part of the text).
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        where = "DATABASE_URL" if settings.database_url else "DATABASE_PATH"
        print(f"Start-up error: {where}: {type(cause).__name__}: {first}", file=sys.stderr)
        return 1
    except (OSError, aiohttp.ClientError) as exc:
        # Network problems reaching Discord or the database folder: one line, no traceback.
        print(f"Start-up error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
