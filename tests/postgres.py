"""Fixtures for tests against a real PostgreSQL server.

`bash .ci/postgres.sh` starts a throwaway server and prints its URL; `.ci/run` exports it as
TEST_DATABASE_URL. Each test that asks for `postgres_url` gets a database of its own, created
for it and dropped (with FORCE) after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

ENV_VAR = "TEST_DATABASE_URL"
SKIP_MESSAGE = (
    "PostgreSQL tests need TEST_DATABASE_URL; "
    "run `eval $(bash .ci/postgres.sh --export)` or `bash .ci/run`"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _with_database(url: str, name: str) -> str:
    """`url` with its database (the path) replaced by `name`; user, host, port, query kept."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The URL of a superuser on the test server, from TEST_DATABASE_URL.

    Unset: skipped on a developer's machine, a failure in CI (CI=true), which must never skip.
    """
    url = os.environ.get(ENV_VAR, "").strip()
    if not url:
        if _in_ci():
            pytest.fail(
                f"{ENV_VAR} is not set while CI=true: CI must run the PostgreSQL tests. "
                "`bash .ci/run` starts the server (.ci/postgres.sh) and sets it.",
                pytrace=False,
            )
        pytest.skip(SKIP_MESSAGE)
    return url


@asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty database on the test server; its URL. Dropped (with FORCE) afterwards."""
    name = f"mjtest_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"CREATE DATABASE {_quote_ident(name)}")
    finally:
        await admin.close()
    try:
        yield _with_database(admin_url, name)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
        finally:
            await admin.close()


@pytest.fixture
async def postgres_url(postgres_admin_url: str) -> AsyncIterator[str]:
    """A fresh, empty database for this test alone; its URL, with the admin's credentials."""
    async with fresh_database(postgres_admin_url) as url:
        yield url
