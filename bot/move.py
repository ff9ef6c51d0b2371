"""`python -m bot migrate-to [URL]`: move the SQLite database (DATABASE_PATH) to PostgreSQL
(URL, else DATABASE_URL), for when one process is no longer enough.

Stop the bot first. The SQLite file is brought to the newest schema and held with its
write lock for the whole copy (a bot still running there waits, and changes nothing);
the PostgreSQL database must exist, is migrated to the same schema and must hold no row
yet: a move never mixes two databases. Every table the bot has is copied in one
PostgreSQL transaction (all of it, or nothing), leases cleared (the first process to
start takes the jobs over), the id sequences set past the copied ids, and the row
counts are compared and printed. The SQLite file is left as it was: keep it as a backup.

Only DATABASE_PATH and DATABASE_URL are read (environment, then .env).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError
from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.backup import BackupError, DatabaseSettings, _revision
from bot.core.storage import (
    DatabaseTooNewError,
    SqlStorage,
    StorageConfigError,
    head_revision,
    open_storage,
)
from bot.core.storage.engine import database_place
from bot.core.storage.migrate import VERSION_TABLE
from bot.core.storage.schema import metadata
from bot.settings_errors import describe_settings_error

BATCH = 500  # rows per INSERT (job inputs carry images: a few MiB each at most)
_CLEARED = {"lease_owner": None, "lease_expires_at": None}  # jobs: nobody follows them yet
_SQLITE_OWN = {VERSION_TABLE, "sqlite_sequence"}


class MoveError(Exception):
    """The move cannot be made; the message is the one line an operator reads."""


@dataclass(frozen=True)
class Moved:
    target: str  # host:port/database, never the user or the password
    counts: dict[str, int]

    @property
    def lines(self) -> list[str]:
        total = sum(self.counts.values())
        rows = [f"  {name}: {count}" for name, count in self.counts.items()]
        head = f"moved {total} rows in {len(self.counts)} tables to PostgreSQL {self.target}:"
        return [head, *rows, "start the bot with DATABASE_URL set to it (DATABASE_PATH is kept)"]


def move(source: Path, url: str) -> Moved:
    """Copy the bot's SQLite database at `source` into the empty PostgreSQL at `url`."""
    if not source.is_file():
        raise MoveError(f"DATABASE_PATH {source}: no database file there")
    try:
        with sqlite3.connect(source) as plain:
            _revision(plain, source)  # the bot's own database, migrated at least once
    except BackupError as exc:
        raise MoveError(str(exc)) from exc
    return asyncio.run(_move(source, url))


async def _move(source: Path, url: str) -> Moved:
    sqlite = await open_storage(path=source)  # migrated to the newest schema
    try:
        postgres = await _open_target(url)
        try:
            return await _copy(sqlite, postgres, database_place(url))
        finally:
            await postgres.close()
    finally:
        await sqlite.close()


async def _open_target(url: str) -> SqlStorage:
    try:
        target = await open_storage(url=url)
    except StorageConfigError as exc:
        raise MoveError(f"the target: {exc}") from exc
    if target.backend != "postgresql":
        await target.close()
        raise MoveError("the target must be a postgresql:// URL")
    return target


async def _copy(sqlite: SqlStorage, postgres: SqlStorage, place: str) -> Moved:
    tables = metadata.sorted_tables  # parents before the rows that point at them
    async with sqlite.engine.connect() as source:
        await source.exec_driver_sql("BEGIN IMMEDIATE")  # nobody writes while we read
        try:
            await _same_tables(source)
            async with postgres.engine.begin() as target:
                if filled := await _non_empty(target):
                    raise MoveError(
                        f"PostgreSQL {place} already holds the bot's data (table {filled}): "
                        "a move goes into an empty database only"
                    )
                counts = {table.name: await _copy_table(source, target, table) for table in tables}
                await _reset_sequences(target)
                for table in tables:  # what arrived is what was there
                    there = await _count(target, table)
                    if there != counts[table.name]:
                        raise MoveError(
                            f"table {table.name}: {counts[table.name]} rows sent, {there} stored"
                        )
        finally:
            await source.rollback()
    return Moved(place, counts)


async def _same_tables(source: AsyncConnection) -> None:
    """Every table in the file is one this bot copies: nothing is left behind unseen."""
    names = set(await source.run_sync(lambda conn: inspect(conn).get_table_names()))
    unknown = sorted(names - {table.name for table in metadata.sorted_tables} - _SQLITE_OWN)
    if unknown:
        raise MoveError(f"the SQLite database has tables this bot does not know: {unknown}")


async def _non_empty(target: AsyncConnection) -> str | None:
    for table in metadata.sorted_tables:
        if (await target.execute(select(table).limit(1))).first() is not None:
            return table.name
    return None


async def _copy_table(source: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    copied = 0
    order = list(table.primary_key.columns)
    result = await source.stream(select(table).order_by(*order))
    async for rows in result.mappings().partitions(BATCH):
        batch: list[dict[str, Any]] = [dict(row) for row in rows]
        if table.name == "jobs":
            batch = [{**row, **_CLEARED} for row in batch]
        await target.execute(insert(table), batch)
        copied += len(batch)
    return copied


async def _reset_sequences(target: AsyncConnection) -> None:
    """Ids given from now on follow the copied ones (jobs 41 copied: the next is 42)."""
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        await target.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) "
                f"FROM {table.name}"
            )
        )


async def _count(target: AsyncConnection, table: Table) -> int:
    return int((await target.execute(select(func.count()).select_from(table))).scalar_one())


def main(url: str | None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """0: moved; 1: nothing moved (the line says why); 2: a settings problem."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        settings = DatabaseSettings()
    except ValidationError as exc:
        print(describe_settings_error(exc), file=err)
        return 2
    target = url or (settings.database_url.get_secret_value() if settings.database_url else None)
    if not target:
        print("Move failed: name the PostgreSQL database: migrate-to postgresql://...", file=err)
        return 2
    try:
        moved = move(settings.database_path, target)
    except (MoveError, DatabaseTooNewError) as exc:
        print(f"Move failed: {exc}", file=err)
        return 1
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc  # parameters are hidden: no row, no URL
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        print(f"Move failed: {type(cause).__name__}: {first}", file=err)
        return 1
    except OSError as exc:
        print(f"Move failed: {type(exc).__name__}: {exc.strerror or exc}", file=err)
        return 1
    for line in moved.lines:
        print(line, file=out)
    print(f"schema revision {head_revision()} on both", file=out)
    return 0
