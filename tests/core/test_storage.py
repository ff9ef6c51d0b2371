"""Storage on a real SQLite file: migrations and repository round-trips."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.mj.schemas import TaskButton
from bot.core.storage import (
    ButtonRepository,
    Database,
    DatabaseTooNewError,
    InputImage,
    JobKind,
    JobRepository,
    JobStatus,
    Origin,
)
from bot.core.storage.database import Migration, bundled_migrations

ORIGIN = Origin(
    user_id=111,
    guild_id=222,
    channel_id=333,
    message_id=444,
    interaction_token="interaction-token",
    token_expires_at=1_700_000_900.0,
    locale="zh-CN",
)


async def test_migrates_an_empty_file_and_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.db"
    db = await Database.open(path)
    try:
        version = await db.migrate()
    finally:
        await db.close()
    assert path.exists()
    assert version == len(bundled_migrations())
    with sqlite3.connect(path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert {"jobs", "job_buttons", "job_inputs"} <= tables
        assert raw.execute("PRAGMA user_version").fetchone()[0] == version
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_rerunning_migrations_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    db = await Database.open(path)
    await db.migrate()
    jobs = JobRepository(db)
    job = await jobs.create(JobKind.IMAGINE, ORIGIN, prompt="kept")
    await db.close()

    db = await Database.open(path)
    try:
        assert await db.migrate() == len(bundled_migrations())
        assert (await JobRepository(db).get(job.id)) == job
    finally:
        await db.close()


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version=99")
    db = await Database.open(path)
    try:
        with pytest.raises(DatabaseTooNewError, match="99"):
            await db.migrate()
        assert await db.user_version() == 99
    finally:
        await db.close()


async def test_a_failing_migration_is_rolled_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    broken = [
        Migration(1, "ok", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "broken", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"),
    ]
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate(broken)
        assert await db.user_version() == 1
        async with db.conn.execute("SELECT name FROM sqlite_master WHERE name='b'") as cur:
            assert await cur.fetchone() is None
    finally:
        await db.close()


async def test_foreign_keys_and_busy_timeout_are_on(db: Database) -> None:
    async with db.conn.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1
    async with db.conn.execute("PRAGMA busy_timeout") as cur:
        assert (await cur.fetchone())[0] >= 1000
    with pytest.raises(sqlite3.IntegrityError):
        await db.conn.execute(
            "INSERT INTO job_buttons (job_id, idx, custom_id) VALUES (12345, 0, 'x')"
        )


async def test_job_round_trip(db: Database) -> None:
    jobs = JobRepository(db)
    image = InputImage(mime="image/png", data=b"\x89PNG\r\n\x1a\nrest")
    created = await jobs.create(
        JobKind.DESCRIBE, ORIGIN, prompt="", options={"mode": "fast"}, inputs=[image]
    )
    assert created.status is JobStatus.PENDING
    assert created.locale == "zh-CN"
    assert created.interaction_token == "interaction-token"
    assert created.options == {"mode": "fast"}

    updated = await jobs.update(
        created.id,
        task_id="1730621718151844",
        status=JobStatus.IN_PROGRESS,
        progress=46,
        image_url="http://127.0.0.1/preview.png",
    )
    assert updated.progress == 46
    assert updated.updated_at >= created.updated_at
    assert await jobs.inputs(created.id) == [image]
    assert [j.id for j in await jobs.list_by_status([JobStatus.IN_PROGRESS])] == [created.id]

    child = await jobs.create(
        JobKind.ACTION, ORIGIN, prompt="p", parent_job_id=created.id, button_index=3
    )
    assert (child.parent_job_id, child.button_index) == (created.id, 3)
    assert await jobs.get(child.id) == child


async def test_unshown_finals_are_listed_until_shown(db: Database) -> None:
    jobs = JobRepository(db)
    job = await jobs.create(JobKind.IMAGINE, ORIGIN, prompt="cat")
    assert await jobs.list_unshown_finals() == []
    job = await jobs.update(job.id, status=JobStatus.SUCCESS)
    assert [j.id for j in await jobs.list_unshown_finals()] == [job.id]
    await jobs.update(job.id, shown_status=JobStatus.SUCCESS)
    assert await jobs.list_unshown_finals() == []


async def test_update_rejects_unknown_fields(db: Database) -> None:
    jobs = JobRepository(db)
    job = await jobs.create(JobKind.IMAGINE, ORIGIN, prompt="cat")
    with pytest.raises(ValueError, match="user_id"):
        await jobs.update(job.id, user_id=5)
    assert (await jobs.get(job.id)) == job


async def test_buttons_round_trip_in_order(db: Database) -> None:
    jobs = JobRepository(db)
    buttons = ButtonRepository(db)
    job = await jobs.create(JobKind.IMAGINE, ORIGIN, prompt="cat")
    wire = [
        TaskButton(customId="MJ::JOB::upsample::1::abc", label="U1"),
        TaskButton(customId="MJ::JOB::reroll::0::abc::SOLO", emoji="🔄"),
        TaskButton(customId="MJ::JOB::variation::1::abc", label="V1", style=1),
    ]
    stored = await buttons.replace(job.id, wire)
    assert [(b.index, b.custom_id, b.label, b.emoji, b.style) for b in stored] == [
        (0, "MJ::JOB::upsample::1::abc", "U1", "", 2),
        (1, "MJ::JOB::reroll::0::abc::SOLO", "", "🔄", 2),
        (2, "MJ::JOB::variation::1::abc", "V1", "", 1),
    ]
    assert await buttons.get(job.id, 1) == stored[1]
    assert await buttons.get(job.id, 9) is None

    again = await buttons.replace(job.id, wire[:1])
    assert [b.custom_id for b in again] == ["MJ::JOB::upsample::1::abc"]
