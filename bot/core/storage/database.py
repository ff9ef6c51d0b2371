"""One aiosqlite connection with the PRAGMAs the bot relies on, and forward-only migrations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class DatabaseTooNewError(RuntimeError):
    """The file was migrated by a newer version of the bot; refusing to touch it."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """Migrations shipped in bot/core/storage/migrations, named NNNN_reason.sql."""
    folder = resources.files("bot.core.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise RuntimeError("migrations must be numbered 1..N without gaps")
    return found


class Database:
    """Owns the connection; serialises multi-statement writes with one lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, migrations: list[Migration] | None = None) -> int:
        """Apply pending migrations, each in its own transaction; return the new version."""
        migrations = bundled_migrations() if migrations is None else migrations
        latest = migrations[-1].version if migrations else 0
        current = await self.user_version()
        if current > latest:
            raise DatabaseTooNewError(
                f"database schema version {current} is newer than this bot knows ({latest}); "
                "upgrade the bot or use another DATABASE_PATH"
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            async with self.transaction() as conn:
                for statement in _statements(migration.sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version={migration.version}")
            log.info("database migrated to %d (%s)", migration.version, migration.name)
        return max(current, latest)


def _statements(sql: str) -> list[str]:
    # executescript() would COMMIT our transaction; split on ';' (our SQL has none in strings).
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
