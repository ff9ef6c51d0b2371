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
from sqlalchemy import Connection, inspect

from bot.core.storage.engine import Scope

log = logging.getLogger(__name__)

BASELINE = "0001"
_PRE_ALEMBIC_VERSION = 1  # PRAGMA user_version of the bot's hand-rolled migrations


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
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    current = MigrationContext.configure(conn).get_current_heads()
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
    head = MigrationContext.configure(conn).get_current_revision()
    assert head is not None
    return head


def _is_pre_alembic(conn: Connection) -> bool:
    if conn.dialect.name != "sqlite":
        return False
    version = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    if version > _PRE_ALEMBIC_VERSION:
        raise DatabaseTooNewError(
            f"database schema version {version} is newer than this bot knows; "
            "upgrade the bot or use another database"
        )
    return version == _PRE_ALEMBIC_VERSION and inspect(conn).has_table("jobs")
