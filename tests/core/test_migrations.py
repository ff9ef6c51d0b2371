"""Migrations on real databases: new files, databases from before Alembic, newer ones."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect

from bot.core.models import JobStatus, MessageKind
from bot.core.storage import (
    DatabaseTooNewError,
    SqlStorage,
    StorageConfigError,
    head_revision,
    open_storage,
)
from bot.core.storage.migrate import HEAD
from bot.core.storage.schema import metadata

SCHEMA_V1 = Path(__file__).parent / "data" / "schema_v1.sql"


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        return str(raw.execute("SELECT version_num FROM mj_bot_schema").fetchone()[0])


async def test_a_new_file_gets_every_table_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.db"
    storage = await open_storage(path=path)
    await storage.close()
    with sqlite3.connect(path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert {"jobs", "job_buttons", "job_inputs", "bot_meta"} <= tables
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert revision_of(path) == head_revision()


async def test_opening_again_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    storage = await open_storage(path=path)
    await storage.meta.put("kept", "yes")
    await storage.close()
    storage = await open_storage(path=path)
    try:
        assert await storage.meta.get("kept") == "yes"
    finally:
        await storage.close()


def make_v1_database(path: Path) -> None:
    """A database exactly as the bot made it before Alembic, with a finished job."""
    with sqlite3.connect(path) as raw:
        raw.executescript(SCHEMA_V1.read_text())
        raw.execute("PRAGMA user_version=1")
        raw.execute(
            """INSERT INTO jobs (id, task_id, kind, status, prompt, options, user_id, guild_id,
                   channel_id, message_id, message_kind, interaction_token, token_expires_at,
                   locale, progress, image_url, final_prompt, shown_status, created_at,
                   updated_at, submitted_at, finished_at)
               VALUES (7, '1730621718151844', 'IMAGINE', 'SUCCESS', 'a castle', '{"mode": "fast"}',
                   1234567890123456789, 222, 333, 444, 'channel', NULL, NULL, 'zh-CN', 100,
                   'http://127.0.0.1/r.png', 'a castle --v 6', 'SUCCESS', 1.0, 2.0, 1.5, 2.0)"""
        )
        raw.execute(
            """INSERT INTO job_buttons (job_id, idx, custom_id, label, emoji, style)
               VALUES (7, 0, 'MJ::JOB::upsample::1::abc', 'U1', '', 2),
                      (7, 1, 'MJ::JOB::reroll::0::abc::SOLO', '', '🔄', 2)"""
        )
        raw.execute("INSERT INTO job_inputs VALUES (7, 0, 'image/png', x'89504e47')")


async def test_a_schema_version_1_database_is_adopted_with_its_jobs_and_buttons(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db"
    make_v1_database(path)
    storage = await open_storage(path=path)
    try:
        job = await storage.jobs.get(7)
        assert job is not None
        assert (job.status, job.prompt, job.options) == (
            JobStatus.SUCCESS,
            "a castle",
            {"mode": "fast"},
        )
        assert job.user_id == 1234567890123456789
        assert job.message.kind is MessageKind.CHANNEL and job.message.message_id == 444
        buttons = await storage.buttons.list(7)
        assert [(b.index, b.label, b.emoji) for b in buttons] == [(0, "U1", ""), (1, "", "🔄")]
        assert [image.data for image in await storage.jobs.inputs(7)] == [b"\x89PNG"]
        await storage.meta.put("adopted", "1")  # the newer tables exist too
    finally:
        await storage.close()
    assert revision_of(path) == head_revision()


async def test_a_database_from_a_newer_bot_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await (await open_storage(path=path)).close()  # made by this bot...
    with sqlite3.connect(path) as raw:  # ...then migrated by a newer one
        raw.execute("UPDATE mj_bot_schema SET version_num = '9999'")
    with pytest.raises(DatabaseTooNewError, match="9999"):
        await open_storage(path=path)
    assert revision_of(path) == "9999"


async def test_a_pre_alembic_database_newer_than_version_1_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version=99")
    with pytest.raises(DatabaseTooNewError, match="99"):
        await open_storage(path=path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT name FROM sqlite_master").fetchall() == []


async def test_postgresql_is_migrated_and_a_newer_revision_refused(postgres_url: str) -> None:
    storage = await open_storage(url=postgres_url)
    try:
        await storage.meta.put("k", "v")
        async with storage.engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE mj_bot_schema SET version_num = '9999'")
    finally:
        await storage.close()
    with pytest.raises(DatabaseTooNewError, match="9999"):
        await open_storage(url=postgres_url)


async def test_sqlite_pragmas_hold_on_every_connection(tmp_path: Path) -> None:
    storage = await open_storage(path=tmp_path / "bot.db")
    try:
        async with storage.engine.connect() as conn:
            foreign_keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
        assert (foreign_keys, busy >= 1000) == (1, True)
    finally:
        await storage.close()


@pytest.mark.parametrize("path", [":memory:", "", "file:bot.db?mode=memory"])
async def test_a_database_path_that_is_not_a_file_is_refused(path: str) -> None:
    with pytest.raises(StorageConfigError, match=r"DATABASE_PATH|path"):
        await open_storage(path=path)


async def test_a_database_made_here_is_refused_by_a_bot_from_before_alembic(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db"
    await (await open_storage(path=path)).close()
    with sqlite3.connect(path) as raw:
        # The old bot refused any user_version above the 1 it knew.
        assert raw.execute("PRAGMA user_version").fetchone()[0] > 1


async def test_libpq_sslmode_in_the_url_is_understood(postgres_url: str) -> None:
    storage = await open_storage(url=postgres_url + "?sslmode=disable")
    try:
        await storage.meta.put("ssl", "off")
        assert await storage.meta.get("ssl") == "off"
    finally:
        await storage.close()


async def test_a_bad_url_never_echoes_its_password() -> None:
    with pytest.raises(StorageConfigError) as caught:
        await open_storage(url="postgresql://bot:s3cret-pw@[::1/db")
    assert "s3cret-pw" not in str(caught.value)


async def every_column_is_there(storage: SqlStorage) -> None:
    """The tables and columns of `schema.py` all exist after migrating (a column added in
    code without a migration fails here, not in production)."""

    def columns(sync_conn: Connection) -> dict[str, set[str]]:
        inspector = inspect(sync_conn)
        return {
            table: {c["name"] for c in inspector.get_columns(table)}
            for table in inspector.get_table_names()
        }

    try:
        async with storage.engine.connect() as conn:
            found = await conn.run_sync(columns)
        for table in metadata.sorted_tables:
            assert {c.name for c in table.columns} <= found.get(table.name, set()), table.name
    finally:
        await storage.close()


async def test_the_migrated_sqlite_schema_has_every_column_the_code_uses(tmp_path: Path) -> None:
    await every_column_is_there(await open_storage(path=tmp_path / "bot.db"))


async def test_the_migrated_postgresql_schema_has_every_column_the_code_uses(
    postgres_url: str,
) -> None:
    await every_column_is_there(await open_storage(url=postgres_url))


def test_the_head_named_in_code_is_the_newest_script() -> None:
    assert head_revision() == HEAD


async def test_a_database_at_the_newest_revision_opens_without_alembic(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await (await open_storage(path=path)).close()  # new: migrated by Alembic
    opener = (
        "import asyncio, sys\n"
        "from bot.core.storage import open_storage\n"
        "async def main():\n"
        f"    storage = await open_storage(path={str(path)!r})\n"
        "    await storage.close()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", opener, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0
    assert out.decode().strip() == "[]"  # a restart: nothing to migrate, nothing loaded
