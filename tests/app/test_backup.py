"""`python -m bot backup PATH` as a real process: a consistent copy of the SQLite database
while another connection keeps writing, which opens, migrates and holds the rows; clear
refusals for PostgreSQL, an existing file and a missing database."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

from sqlalchemy import func, select

from bot.core.models import JobKind, MessageRef, NewJob, Origin
from bot.core.storage import SqlStorage, head_revision, open_storage
from bot.core.storage.schema import jobs, ledger
from tests.app.bot_process import run_bot

BEFORE = 25  # rows written before the backup starts


async def write_row(storage: SqlStorage, i: int) -> None:
    """A job and its user's grant in one transaction: a consistent copy has both or none."""
    origin = Origin(user_id=1000 + i % 7, message=MessageRef(channel_id=1, message_id=i))
    async with storage.transaction() as tx:
        await tx.jobs.create(NewJob(JobKind.IMAGINE, origin, prompt=f"row {i}"), at=float(i))
        await tx.ledger.grant(origin.user_id, 1, admin_id=1, at=float(i))


def partial_files(folder: Path) -> list[Path]:
    """What an unfinished backup leaves: nothing, once it has ended either way."""
    return list(folder.glob(".*partial*"))


async def counts(storage: SqlStorage) -> tuple[int, int]:
    async with storage.engine.connect() as conn:
        job_rows = (await conn.execute(select(func.count()).select_from(jobs))).scalar_one()
        grants = (await conn.execute(select(func.count()).select_from(ledger))).scalar_one()
    return int(job_rows), int(grants)


async def test_a_backup_taken_during_writes_opens_migrates_and_holds_the_rows(
    tmp_path: Path,
) -> None:
    db = tmp_path / "data" / "bot.db"
    storage = await open_storage(path=db)
    stop = asyncio.Event()
    written = 0

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            await write_row(storage, written)
            written += 1
            await asyncio.sleep(0)

    try:
        for _ in range(BEFORE):
            await write_row(storage, written)
            written += 1
        writer = asyncio.create_task(keep_writing())
        target = tmp_path / "backups" / "bot-backup.db"
        target.parent.mkdir()
        # Nothing but the database's place: a backup needs no token.
        result = await run_bot(tmp_path, "backup", str(target), DATABASE_PATH=str(db))
        during = written
        stop.set()
        await writer
        await write_row(storage, written)  # the bot's database still takes writes
    finally:
        await storage.close()

    assert result.returncode == 0, result
    assert result.stderr == ""
    (line,) = result.lines
    assert line.startswith(f"backup written to {target} (") and head_revision() in line
    assert during > BEFORE  # the writer ran while the backup process did

    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # every job and wallet is in it
    assert not partial_files(target.parent)
    with sqlite3.connect(target) as plain:  # one self-contained file: no -wal beside it
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert plain.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    restored = await open_storage(path=target)  # as the bot opens it: migrated to head
    try:
        assert await restored.migrate() == head_revision()
        job_rows, grants = await counts(restored)
        assert BEFORE <= job_rows <= during and job_rows == grants  # one moment, whole
        assert f"({job_rows} jobs," in line
        first = await restored.jobs.get(1)
        assert first is not None and first.prompt == "row 0"
        wallet = await restored.ledger.wallet(1000)
        assert wallet is not None and wallet.available > 0
    finally:
        await restored.close()


async def test_a_folder_gets_a_dated_file(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    storage = await open_storage(path=db)
    try:
        await write_row(storage, 0)
    finally:
        await storage.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    result = await run_bot(tmp_path, "backup", str(folder), DATABASE_PATH=str(db))
    assert result.returncode == 0, result
    (made,) = folder.glob("bot-*.db")
    assert result.lines == [line for line in result.lines if str(made) in line]


async def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await (await open_storage(path=db)).close()
    target = tmp_path / "precious.db"
    target.write_bytes(b"keep me")
    result = await run_bot(tmp_path, "backup", str(target), DATABASE_PATH=str(db))
    assert result.returncode == 1, result
    (line,) = result.stderr.strip().splitlines()
    assert line == f"Backup failed: {target} already exists: a backup never overwrites a file"
    assert target.read_bytes() == b"keep me"


async def test_no_database_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "bot.db"
    result = await run_bot(tmp_path, "backup", str(tmp_path / "b.db"), DATABASE_PATH=str(missing))
    assert result.returncode == 1, result
    (line,) = result.stderr.strip().splitlines()
    assert line == f"Backup failed: DATABASE_PATH {missing}: no database file there"
    assert not (tmp_path / "b.db").exists() and not missing.parent.exists()


async def test_a_file_that_is_not_the_bots_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all\n" * 50)
    for source, why in ((other, "not a database of this bot"), (text, "not a SQLite database")):
        target = tmp_path / f"copy-of-{source.name}"
        result = await run_bot(tmp_path, "backup", str(target), DATABASE_PATH=str(source))
        assert result.returncode == 1, result
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"Backup failed: DATABASE_PATH {source}: {why}"), line
        assert not target.exists() and not partial_files(tmp_path)


async def test_postgresql_is_refused_pointing_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://bot:not-the-password-xyz@127.0.0.1:9/bot"
    result = await run_bot(tmp_path, "backup", str(tmp_path / "b.db"), DATABASE_URL=url)
    assert result.returncode == 2, result
    (line,) = result.stderr.strip().splitlines()
    assert "pg_dump" in line and "PostgreSQL" in line
    assert "not-the-password-xyz" not in result.stdout + result.stderr
    assert not (tmp_path / "b.db").exists() and not (tmp_path / "data").exists()
