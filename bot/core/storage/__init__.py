"""Storage on SQLAlchemy Core: one implementation of `bot.core.ports` for SQLite and
PostgreSQL, migrated by Alembic at open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.storage.buttons import SqlButtonStore
from bot.core.storage.editor_links import SqlEditorLinkStore
from bot.core.storage.engine import Scope, StorageConfigError, create_engine, database_url
from bot.core.storage.jobs import SqlJobStore
from bot.core.storage.lease_terms import LEASE_SECONDS, LeaseTerms
from bot.core.storage.leases import SqlLeaseStore
from bot.core.storage.ledger import SqlLedgerStore
from bot.core.storage.meta import SqlMetaStore
from bot.core.storage.migrate import DatabaseTooNewError, head_revision, migrate
from bot.core.storage.policy import SqlPolicyStore
from bot.core.storage.preferences import SqlPreferenceStore
from bot.core.storage.stats import SqlStatsStore
from bot.core.storage.translations import SqlTranslationStore


class SqlStores:
    """The stores, all running their statements in one scope."""

    def __init__(self, scope: Scope, terms: LeaseTerms) -> None:
        self.jobs = SqlJobStore(scope, terms)
        self.leases = SqlLeaseStore(scope, terms)
        self.buttons = SqlButtonStore(scope)
        self.meta = SqlMetaStore(scope)
        self.ledger = SqlLedgerStore(scope)
        self.policy = SqlPolicyStore(scope)
        self.stats = SqlStatsStore(scope)
        self.preferences = SqlPreferenceStore(scope)
        self.editor_links = SqlEditorLinkStore(scope)
        self.translations = SqlTranslationStore(scope)


class SqlStorage(SqlStores):
    def __init__(self, engine: AsyncEngine, terms: LeaseTerms | None = None) -> None:
        lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._scope = Scope(engine, lock)
        self._terms = terms or LeaseTerms()  # one process: one owner of its leases
        super().__init__(self._scope, self._terms)
        self.engine = engine

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlStores]:
        async with self._scope.begin() as conn:
            yield SqlStores(self._scope.bound(conn), self._terms)

    async def migrate(self) -> str:
        return await migrate(self._scope)

    async def close(self) -> None:
        await self.engine.dispose()


async def open_storage(
    *,
    path: Path | str | None = None,
    url: str | None = None,
    run_migrations: bool = True,
    lease_seconds: float = LEASE_SECONDS,
) -> SqlStorage:
    """Open (and by default migrate) PostgreSQL when `url` is given, else SQLite at `path`.
    Each storage opened is one process as far as leases go: a new random owner id."""
    terms = LeaseTerms(seconds=lease_seconds)
    storage = SqlStorage(create_engine(database_url(path=path, url=url)), terms)
    if run_migrations:
        try:
            await storage.migrate()
        except BaseException:
            await storage.close()
            raise
    return storage


__all__ = [
    "LEASE_SECONDS",
    "DatabaseTooNewError",
    "LeaseTerms",
    "SqlStorage",
    "SqlStores",
    "StorageConfigError",
    "head_revision",
    "open_storage",
]
