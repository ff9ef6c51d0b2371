"""`python -m bot migrate-to URL` as a real process: a real SQLite file with jobs, buttons,
inputs, ledger entries, codes, preferences and the rest, moved into a real PostgreSQL;
every row arrives as it was, the ids go on after the copied ones, and a database that
already holds rows is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.core.editor_links import EditorLink
from bot.core.models import (
    InputImage,
    JobKind,
    JobStatus,
    LedgerReason,
    MessageRef,
    NewJob,
    Origin,
    ResultButton,
)
from bot.core.preferences import UserPreferences
from bot.core.storage import SqlStorage, head_revision, open_storage
from bot.core.storage.schema import metadata
from tests.app.bot_process import run_bot

USER, OTHER, ADMIN = 9001, 9002, 1
IMAGE = InputImage(mime="image/png", data=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)


async def fill(storage: SqlStorage) -> None:
    """A bot's life: jobs (one with an input image, one finished with buttons and a
    child), credits moved for them, a code, preferences, a ban, an override, an audit
    line, an editor link, a translation, meta values."""
    origin = Origin(user_id=USER, guild_id=5, message=MessageRef(channel_id=6, message_id=7))
    await storage.ledger.grant(USER, 10, admin_id=ADMIN, at=1.0)
    grid = await storage.jobs.create(NewJob(JobKind.IMAGINE, origin, prompt="a fox"), at=2.0)
    await storage.ledger.reserve(USER, grid.id, 2, at=2.0)
    await storage.jobs.mark_submitted(
        grid.id, task_id="t-1", status=JobStatus.WAITING, queue_position=1, final_prompt=None,
        at=3.0,
    )  # fmt: skip
    await storage.jobs.finish(
        grid.id, status=JobStatus.SUCCESS, progress=100, image_url="http://127.0.0.1/g.png",
        final_prompt="a fox --v 6", fail_reason=None, at=4.0,
    )  # fmt: skip
    await storage.ledger.settle(grid.id, at=4.0)
    await storage.buttons.replace(
        grid.id, [ResultButton(custom_id=f"MJ::JOB::upsample::{n}", label=f"U{n}") for n in (1, 2)]
    )
    await storage.buttons.claim_press(grid.id, 0, at=5.0, window=1.0)
    await storage.jobs.mark_shown(grid.id, JobStatus.SUCCESS)
    child = NewJob(JobKind.ACTION, origin, prompt="a fox", parent_job_id=grid.id, button_index=0)
    await storage.jobs.create(child, at=5.0)
    described = NewJob(JobKind.DESCRIBE, origin, inputs=(IMAGE,), options={"mode": "fast"})
    await storage.jobs.create(described, at=6.0)
    await storage.ledger.add_codes(["code-hash-1", "code-hash-2"], 3, admin_id=ADMIN, at=7.0)
    await storage.ledger.redeem("code-hash-1", OTHER, at=8.0)
    await storage.preferences.put(
        UserPreferences(user_id=USER, suffix="--ar 16:9", private=True, remix=True), at=9.0
    )
    await storage.policy.ban(OTHER, admin_id=ADMIN, at=10.0)
    await storage.policy.set_guild_limit(5, "cooldown_seconds", "30", admin_id=ADMIN, at=11.0)
    await storage.policy.record_audit(ADMIN, "grant", at=12.0, target_user_id=USER, detail="10")
    await storage.editor_links.add(
        EditorLink("link-hash", grid.id, 1, USER, origin, created_at=13.0, expires_at=9e9)
    )
    await storage.translations.put("gpt-4o-mini", "一只狐狸", "a fox", at=14.0)
    await storage.meta.put("instance_id", "abc123")


async def rows(storage: SqlStorage) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary key order."""
    found = {}
    async with storage.engine.connect() as conn:
        for table in metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [dict(row) for row in (await conn.execute(query)).mappings()]
    return found


async def test_every_table_moves_to_postgresql_as_it_was(tmp_path: Path, postgres_url: str) -> None:
    db = tmp_path / "data" / "bot.db"
    sqlite = await open_storage(path=db)
    try:
        await fill(sqlite)
        before = await rows(sqlite)
    finally:
        await sqlite.close()

    result = await run_bot(tmp_path, "migrate-to", DATABASE_PATH=str(db), DATABASE_URL=postgres_url)
    assert result.returncode == 0, result
    assert result.stderr == ""
    total = sum(len(table) for table in before.values())
    assert result.lines[0].startswith(f"moved {total} rows in {len(before)} tables to PostgreSQL")
    assert "  jobs: 3" in result.lines and "  job_buttons: 2" in result.lines
    assert f"  ledger: {len(before['ledger'])}" in result.lines
    assert result.lines[-1] == f"schema revision {head_revision()} on both"
    assert "mjtest:mjtest@" not in result.stdout  # the URL's password is never shown

    postgres = await open_storage(url=postgres_url)
    try:
        after = await rows(postgres)
        for job in before["jobs"]:  # nobody follows them until a process starts
            job.update(lease_owner=None, lease_expires_at=None)
        assert after == before
        assert all(after.values()), "every table had rows: none may be skipped"
        # The stores read it back; new ids go on after the copied ones.
        wallet = await postgres.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (8, 0)
        reasons = [e.reason for e in await postgres.ledger.entries(USER, limit=10)]
        assert reasons == [LedgerReason.SETTLE, LedgerReason.RESERVE, LedgerReason.GRANT]
        assert await postgres.jobs.inputs(3) == [IMAGE]
        prefs = await postgres.preferences.get(USER)
        assert prefs is not None and prefs.private and prefs.suffix == "--ar 16:9"
        origin = Origin(user_id=USER)
        new = await postgres.jobs.create(NewJob(JobKind.IMAGINE, origin, prompt="next"), at=20.0)
        assert new.id == 4
        await postgres.ledger.grant(USER, 1, admin_id=ADMIN, at=21.0)
        await postgres.policy.record_audit(ADMIN, "grant", at=21.0)
    finally:
        await postgres.close()


async def test_a_database_that_holds_rows_is_refused(tmp_path: Path, postgres_url: str) -> None:
    db = tmp_path / "bot.db"
    sqlite = await open_storage(path=db)
    try:
        await fill(sqlite)
    finally:
        await sqlite.close()
    first = await run_bot(tmp_path, "migrate-to", postgres_url, DATABASE_PATH=str(db))
    assert first.returncode == 0, first
    postgres = await open_storage(url=postgres_url)
    try:
        moved = await rows(postgres)
    finally:
        await postgres.close()

    again = await run_bot(tmp_path, "migrate-to", postgres_url, DATABASE_PATH=str(db))
    assert again.returncode == 1, again
    (line,) = again.stderr.strip().splitlines()
    assert line.startswith("Move failed: PostgreSQL 127.0.0.1:") and "already holds" in line
    postgres = await open_storage(url=postgres_url)
    try:
        assert await rows(postgres) == moved  # nothing added twice
    finally:
        await postgres.close()


async def test_no_sqlite_database_or_no_target_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "bot.db"
    url = "postgresql://bot:not-the-password-xyz@127.0.0.1:9/bot"
    result = await run_bot(tmp_path, "migrate-to", url, DATABASE_PATH=str(missing))
    assert result.returncode == 1, result
    (line,) = result.stderr.strip().splitlines()
    assert line == f"Move failed: DATABASE_PATH {missing}: no database file there"
    assert not missing.parent.exists()

    await (await open_storage(path=tmp_path / "bot.db")).close()
    result = await run_bot(tmp_path, "migrate-to", DATABASE_PATH=str(tmp_path / "bot.db"))
    assert result.returncode == 2, result
    assert "migrate-to postgresql://" in result.stderr

    result = await run_bot(tmp_path, "migrate-to", url, DATABASE_PATH=str(tmp_path / "bot.db"))
    assert result.returncode == 1, result
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Move failed: ") and "not-the-password-xyz" not in result.stderr
