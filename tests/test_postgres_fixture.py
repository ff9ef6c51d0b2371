"""The `postgres_url` fixture gives each test a real, empty database of its own."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg


async def test_postgres_url_is_a_fresh_database_that_stores_rows(
    postgres_url: str, postgres_admin_url: str
) -> None:
    name = urlsplit(postgres_url).path.lstrip("/")
    assert name.startswith("mjtest_")
    assert name != urlsplit(postgres_admin_url).path.lstrip("/")

    conn = await asyncpg.connect(postgres_url)
    try:
        assert await conn.fetchval("SELECT current_database()") == name
        tables = await conn.fetch(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == []

        await conn.execute("CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)")
        await conn.execute("INSERT INTO notes (body) VALUES ($1)", "héllo, 世界")
        row = await conn.fetchrow("SELECT id, body FROM notes")
    finally:
        await conn.close()

    assert row is not None
    assert (row["id"], row["body"]) == (1, "héllo, 世界")
