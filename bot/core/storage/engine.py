"""The database engine for either backend, and where a store's statements run.

SQLite: the driver's own transaction handling is switched off and every write
transaction starts with BEGIN IMMEDIATE under one in-process lock, so writers queue in
asyncio instead of spinning in SQLite's busy handler; readers run beside them (WAL).
PostgreSQL: plain transactions; correctness comes from conditional statements.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

BUSY_TIMEOUT_MS = 5000
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
)


_in_write: ContextVar[bool] = ContextVar("mj_bot_in_write_transaction", default=False)


class StorageConfigError(ValueError):
    """DATABASE_URL / DATABASE_PATH cannot name a database the bot can use."""


def database_url(*, path: Path | str | None = None, url: str | None = None) -> URL:
    """The SQLAlchemy URL for `DATABASE_URL` (PostgreSQL) or else `DATABASE_PATH` (SQLite)."""
    if url:
        try:
            parsed = make_url(url)
        except ValueError as exc:  # the message would quote the URL, password included
            raise StorageConfigError("DATABASE_URL is not a valid URL") from exc
        if parsed.get_backend_name() not in ("postgresql", "postgres"):
            raise StorageConfigError("only postgresql:// URLs are supported")
        return parsed.set(drivername="postgresql+asyncpg")
    if path is None or not str(path).strip():
        raise StorageConfigError("no database path or URL given")
    if str(path) == ":memory:" or str(path).startswith("file:"):
        # One connection shared by every task would mix their transactions.
        raise StorageConfigError("DATABASE_PATH must be a file")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite+aiosqlite", database=str(path))


def database_place(url: str) -> str:
    """host:port/database of a PostgreSQL URL, never the user or the password."""
    try:
        parsed = make_url(url)
    except Exception:  # the message would quote the URL
        return "unparsable"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def create_engine(url: URL) -> AsyncEngine:
    # hide_parameters: a database error's text must never carry a token or a prompt.
    if url.get_backend_name() != "sqlite":
        # libpq's sslmode (as hosted PostgreSQL URLs carry it) is asyncpg's `ssl`.
        query = dict(url.query)
        sslmode = query.pop("sslmode", None)
        connect_args = {"ssl": sslmode} if isinstance(sslmode, str) else {}
        return create_async_engine(
            url.set(query=query),
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args=connect_args,
        )
    engine = create_async_engine(url, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


class Scope:
    """Where statements run: a fresh transaction per call, or one the caller holds."""

    def __init__(
        self,
        engine: AsyncEngine,
        write_lock: asyncio.Lock | None,
        conn: AsyncConnection | None = None,
    ) -> None:
        self.engine = engine
        self._write_lock = write_lock  # SQLite only
        self._conn = conn

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def upsert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """INSERT ... ON CONFLICT in this backend's dialect."""
        return sqlite.insert(table) if self.is_sqlite else postgresql.insert(table)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        if self._conn is not None:
            yield self._conn
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        if self._conn is not None:
            yield self._conn
            return
        async with self.begin() as conn:
            yield conn

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A new write transaction, committed when the block ends without an error."""
        if _in_write.get():
            # Inside a transaction, only its own stores may write: a second transaction
            # would wait for the first (SQLite's lock, PostgreSQL's row locks) forever.
            raise RuntimeError("a write outside the open transaction's stores would deadlock")
        marker = _in_write.set(True)
        try:
            if self._write_lock is None:
                async with self.engine.begin() as conn:
                    yield conn
                return
            async with self._write_lock, self.engine.connect() as conn:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    await conn.rollback()
                    raise
                await conn.commit()
        finally:
            _in_write.reset(marker)

    def bound(self, conn: AsyncConnection) -> Scope:
        return Scope(self.engine, self._write_lock, conn)
