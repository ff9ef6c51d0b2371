"""Migrations at start: Alembic brings the schema to the newest revision.

A database already at that revision (every start but the first after an upgrade) is
recognised from its version row alone, without importing Alembic: it and its script
machinery would stay in memory for the life of the process (about 11 MB) for nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select, text

from bot.core.storage.engine import Scope

HEAD = "0007"  # the newest revision in migrations/versions (a test holds them equal)
BASELINE = "0001"
VERSION_TABLE = "mj_bot_schema"  # not alembic_version: the database may host other apps
PRE_ALEMBIC_VERSION = 1  # PRAGMA user_version of the bot's hand-rolled migrations
# Set on SQLite after migrating, so that a bot from before Alembic (which only knew
# user_version 1) refuses the database instead of failing on "table jobs already exists".
ALEMBIC_USER_VERSION = 2
MIGRATION_LOCK = 0x6D6A626F74  # PostgreSQL advisory lock: one process migrates at a time


class DatabaseTooNewError(RuntimeError):
    """The database was migrated by a newer version of the bot; refusing to touch it."""


def head_revision() -> str:
    """The newest revision, as Alembic reads it from the migration scripts."""
    from bot.core.storage.migrate_alembic import script_head

    return script_head()


async def migrate(scope: Scope) -> str:
    """Bring the schema to the newest revision in one transaction; return it."""
    async with scope.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Wait for a process migrating now (a newer bot's revision is only seen
            # once it commits, and must then be refused).
            await conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        if await conn.run_sync(stored_revisions) == [HEAD]:
            return HEAD
        from bot.core.storage.migrate_alembic import upgrade

        return await conn.run_sync(upgrade)


def stored_revisions(conn: Connection) -> list[str]:
    """The revisions recorded in the database (none for a new or pre-Alembic one)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return []
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return [str(row[0]) for row in rows]
