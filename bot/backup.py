"""`python -m bot backup PATH`: a consistent copy of the SQLite database, taken while the
bot keeps running.

SQLite's online backup API copies every page in one step under a read transaction: in WAL
mode (the bot's) writers go on meanwhile, and the copy is the database as of one moment.
The copy is written beside PATH under a temporary name, checked (`PRAGMA quick_check`),
switched to a self-contained rollback journal and only then renamed to PATH, so a file at
PATH is always a whole backup. A backup never overwrites a file. PostgreSQL is refused:
pg_dump is the tool for it.

Only DATABASE_PATH and DATABASE_URL are read (environment, then .env): a backup needs no
token and works while other settings are being fixed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings_errors import describe_settings_error

BUSY_TIMEOUT_SECONDS = 30.0  # waiting for a writer's lock, at most
SCHEMA_TABLE = "mj_bot_schema"  # bot.core.storage.migrate.VERSION_TABLE


class BackupError(Exception):
    """The backup cannot be made; the message is the one line an operator reads."""


class DatabaseSettings(BaseSettings):
    """The two settings a backup reads, from the same places as the bot's settings."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_path: Path = Path("data/bot.db")
    database_url: SecretStr | None = None

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@dataclass(frozen=True)
class BackupResult:
    path: Path
    revision: str
    jobs: int
    size: int

    @property
    def line(self) -> str:
        return (
            f"backup written to {self.path} ({self.jobs} jobs, schema revision "
            f"{self.revision}, {_size(self.size)})"
        )


def backup(source: Path, target: Path) -> BackupResult:
    """Copy the bot's SQLite database at `source` to `target` (a new file, or a folder to
    put `bot-<UTC time>.db` in). Raises BackupError with one line saying why not."""
    source = Path(source)
    if not str(source).strip() or not source.is_file():
        raise BackupError(f"DATABASE_PATH {source}: no database file there")
    target = Path(target)
    if target.is_dir():
        target = target / f"bot-{datetime.now(UTC):%Y%m%d-%H%M%S}.db"
    if target.exists():
        raise BackupError(f"{target} already exists: a backup never overwrites a file")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        revision, jobs = _copy(source, partial)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return BackupResult(target, revision, jobs, target.stat().st_size)


def _copy(source: Path, partial: Path) -> tuple[str, int]:
    # Created here first, readable by the owner only: the copy holds every job and wallet.
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise BackupError(f"cannot write in {partial.parent}: {exc.strerror or exc}") from exc
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        revision = _revision(src, source)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent moment
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"the copy failed its integrity check: {verdict}")
            (jobs,) = dst.execute("SELECT count(*) FROM jobs").fetchone()
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"DATABASE_PATH {source}: {type(exc).__name__}: {exc}") from exc
    finally:
        src.close()
    with open(partial, "rb+") as written:  # on disk before the rename makes it a backup
        os.fsync(written.fileno())
    return revision, int(jobs)


def _revision(connection: sqlite3.Connection, source: Path) -> str:
    try:
        row = connection.execute(f"SELECT version_num FROM {SCHEMA_TABLE}").fetchone()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            raise BackupError(f"DATABASE_PATH {source}: not a database of this bot") from exc
        raise BackupError(f"DATABASE_PATH {source}: not a SQLite database ({exc})") from exc
    if row is None:
        raise BackupError(f"DATABASE_PATH {source}: the database was never migrated")
    return str(row[0])


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


POSTGRES_REFUSAL = (
    "python -m bot backup copies SQLite databases only, and DATABASE_URL selects "
    "PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file bot.dump "
    '"$DATABASE_URL") and restore with pg_restore.'
)


def main(target: str, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """0: written; 1: no backup made (the line says why); 2: a settings problem or
    PostgreSQL, which this command does not back up."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        settings = DatabaseSettings()
    except ValidationError as exc:
        print(describe_settings_error(exc), file=err)
        return 2
    if settings.database_url is not None:
        print(POSTGRES_REFUSAL, file=err)
        return 2
    try:
        result = backup(settings.database_path, Path(target))
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=err)
        return 1
    except OSError as exc:
        print(f"Backup failed: {type(exc).__name__}: {exc.strerror or exc}", file=err)
        return 1
    print(result.line, file=out)
    return 0
