"""Alembic environment: migrations always run on a connection the bot hands in
(`bot.core.storage.migrate`), inside the transaction it opened."""

from __future__ import annotations

from alembic import context

from bot.core.storage.migrate import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
