"""The Alembic side of migrating (imported only when a migration may be due).

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

from bot.core.storage.migrate import (
    ALEMBIC_USER_VERSION,
    BASELINE,
    MIGRATION_LOCK,
    PRE_ALEMBIC_VERSION,
    VERSION_TABLE,
    DatabaseTooNewError,
)

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    config = Config()
    folder = resources.files("bot.core.storage") / "migrations"
    config.set_main_option("script_location", str(folder))
    return config


def script_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
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
        conn.exec_driver_sql(f"PRAGMA user_version={ALEMBIC_USER_VERSION}")
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
    if version > ALEMBIC_USER_VERSION:
        raise DatabaseTooNewError(
            f"database schema version {version} is newer than this bot knows; "
            "upgrade the bot or use another database"
        )
    return version == PRE_ALEMBIC_VERSION and inspect(conn).has_table("jobs")
