"""Alembic migrations, run at start on the bot's own engine.

An existing SQLite database from before Alembic (PRAGMA user_version = 1, the tables of
revision 0001) is adopted: stamped 0001, then upgraded, keeping every row. A database
whose revision this code does not know was made by a newer bot and is refused.
"""

from __future__ import annotations

import logging
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select

from bot.core.storage.engine import Scope

log = logging.getLogger(__name__)

BASELINE = "0001"
VERSION_TABLE = "mj_bot_schema"  # not alembic_version: the database may host other apps
_PRE_ALEMBIC_VERSION = 1  # PRAGMA user_version of the bot's hand-rolled migrations
# Set on SQLite after migrating, so that a bot from before Alembic (which only knew
# user_version 1) refuses the database instead of failing on "table jobs already exists".
_ALEMBIC_USER_VERSION = 2
_MIGRATION_LOCK = 0x6D6A626F74  # PostgreSQL advisory lock: one process migrates at a time


class DatabaseTooNewError(RuntimeError):
    """The database was migrated by a newer version of the bot; refusing to touch it."""


def alembic_config() -> Config:
    config = Config()
    folder = resources.files("bot.core.storage") / "migrations"
    config.set_main_option("script_location", str(folder))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def migrate(scope: Scope) -> str:
    """Bring the schema to the newest revision in one transaction; return it."""
    async with scope.begin() as conn:
        return await conn.run_sync(_upgrade)


def _upgrade(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    current = _context(conn).get_current_heads()
    unknown = [revision for revision in current if revision not in known]
    if unknown:
        raise DatabaseTooNewError(
            f"database schema revision {unknown[0]} is newer than this bot knows "
            f"({script.get_current_head()}); upgrade the bot or use another database"
        )
    config.attributes["connection"] = conn
    if not current and _is_pre_alembic(conn):
        command.stamp(config, BASELINE)
        log.info("adopted a schema version 1 database as revision %s", BASELINE)
    command.upgrade(config, "head")
    after = _context(conn).get_current_heads()
    if after != current:
        before = ", ".join(current) or "an empty database"
        log.info("database schema migrated from %s to %s", before, ", ".join(after))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version={_ALEMBIC_USER_VERSION}")
    head = _context(conn).get_current_revision()
    if head is None:
        raise RuntimeError("the database has no schema revision after migrating")
    return head


def _context(conn: Connection) -> MigrationContext:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})


def _is_pre_alembic(conn: Connection) -> bool:
    if conn.dialect.name != "sqlite":
        return False
    version = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    if version > _ALEMBIC_USER_VERSION:
        raise DatabaseTooNewError(
            f"database schema version {version} is newer than this bot knows; "
            "upgrade the bot or use another database"
        )
    return version == _PRE_ALEMBIC_VERSION and inspect(conn).has_table("jobs")
