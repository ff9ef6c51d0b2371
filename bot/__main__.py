"""python -m bot: start the bot, or exit with one clear line on a configuration problem;
`--check` and `backup PATH` for operators (bot/check.py, bot/backup.py).

Only the argument parser is imported up front: `--help`, `--version` and `backup` answer
without loading discord.py and the rest.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from importlib import metadata


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        usage="%(prog)s [-h] [--version] [--check]\n       %(prog)s backup PATH\n"
        "       %(prog)s migrate-to [DATABASE_URL]",
        description="Run the Midjourney Discord bot. Settings come from the environment "
        "and from a .env file in the current folder (the environment wins); see .env.example.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the settings, the database (opened and migrated), the aggregator "
        "(reachable, key accepted) and Discord (token accepted), one line each, then exit: "
        "0 when all passed, 1 otherwise",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    backup = commands.add_parser(
        "backup",
        help="copy the SQLite database (DATABASE_PATH) to PATH while the bot runs",
        description="Copy the SQLite database at DATABASE_PATH to PATH with SQLite's online "
        "backup API; the bot may keep running. PATH must not exist yet; a folder gets "
        "bot-<UTC time>.db. PostgreSQL (DATABASE_URL) is refused: use pg_dump.",
    )
    backup.add_argument("path", metavar="PATH", help="the new backup file, or a folder")
    move = commands.add_parser(
        "migrate-to",
        help="move the SQLite database (DATABASE_PATH) into an empty PostgreSQL database",
        description="Copy every table of the SQLite database at DATABASE_PATH into the empty "
        "PostgreSQL database at DATABASE_URL (the argument, else the setting) in one "
        "transaction, then print the rows per table. Stop the bot first; the SQLite file "
        "is kept as it was. A PostgreSQL database that already holds rows is refused.",
    )
    move.add_argument(
        "url", metavar="DATABASE_URL", nargs="?", help="postgresql://user:password@host/db"
    )
    args = parser.parse_args(argv)
    if args.check and args.command:
        parser.error("--check runs alone, without a command")
    return args


def _version() -> str:
    try:
        return metadata.version("mj-discord-bot")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)  # --help / --version exit here
    if args.check:
        from bot import check

        return check.main()
    if args.command == "backup":
        from bot import backup

        return backup.main(args.path)
    if args.command == "migrate-to":
        from bot import move

        return move.main(args.url)
    return _start()


def _start() -> int:
    import asyncio

    import aiohttp
    import discord
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import Settings
    from bot.core.storage import DatabaseTooNewError, StorageConfigError
    from bot.settings_errors import describe_settings_error
    from bot.ui.command_sync import CommandSyncRefusedError

    try:
        settings = Settings()  # values come from the environment
    except ValidationError as exc:
        print(describe_settings_error(exc), file=sys.stderr)
        return 2
    from bot import app  # after settings: a config error should not wait for heavy imports

    fail = _error_line(settings.log_format)

    try:
        asyncio.run(app.run(settings))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 0
    except discord.LoginFailure:
        fail("Configuration error: Discord refused DISCORD_TOKEN.")
        return 2
    except discord.PrivilegedIntentsRequired:
        fail("Configuration error: the bot asked for an intent it is not granted.")
        return 2
    except CommandSyncRefusedError as exc:
        fail(f"Configuration error: {exc}.")
        return 2
    except (DatabaseTooNewError, StorageConfigError) as exc:
        where = "DATABASE_URL" if settings.database_url else "DATABASE_PATH"
        fail(f"Configuration error: {where}: {exc}")
        return 2
    except SQLAlchemyError as exc:
        # The database refused or could not be reached: its own first line says why
        # (never the URL: parameters are hidden and the URL is not part of the text).
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        if settings.database_url:  # a server that may come back: a start-up error
            fail(f"Start-up error: DATABASE_URL: {type(cause).__name__}: {first}")
            return 1
        # A SQLite file that cannot be one (another file, empty, a folder): the setting.
        fail(f"Configuration error: DATABASE_PATH: {type(cause).__name__}: {first}")
        return 2
    except (OSError, aiohttp.ClientError) as exc:
        # Network problems reaching Discord or the database folder: one line, no traceback.
        fail(f"Start-up error: {type(exc).__name__}: {exc}")
        return 1
    return 0


def _error_line(log_format: str) -> Callable[[str], None]:
    """How a start-up error is told: a plain line, or with LOG_FORMAT=json a JSON object
    like every log line (a log collector parses each line of the stream)."""
    if log_format != "json":
        return lambda line: print(line, file=sys.stderr)
    from bot.logging_setup import JsonFormatter

    formatter = JsonFormatter()

    def emit(line: str) -> None:
        record = logging.LogRecord("bot", logging.CRITICAL, __file__, 0, line, None, None)
        print(formatter.format(record), file=sys.stderr)

    return emit


if __name__ == "__main__":
    sys.exit(main())
