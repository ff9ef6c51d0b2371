"""Small named values the bot keeps about itself (bot_meta)."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.core.storage.engine import Scope
from bot.core.storage.schema import bot_meta


class SqlMetaStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def get(self, key: str) -> str | None:
        async with self._scope.read() as conn:
            result = await conn.execute(select(bot_meta.c.value).where(bot_meta.c.key == key))
            return result.scalar_one_or_none()

    async def put(self, key: str, value: str) -> None:
        upsert = self._scope.upsert(bot_meta)
        statement = upsert.values(key=key, value=value).on_conflict_do_update(
            index_elements=[bot_meta.c.key], set_={"value": value}
        )
        async with self._scope.write() as conn:
            await conn.execute(statement)

    async def put_new(self, key: str, value: str) -> str:
        """Store `value` unless the key has one already; the value kept either way (of
        two processes racing, the first write wins and both read it)."""
        statement = self._scope.upsert(bot_meta).values(key=key, value=value)
        async with self._scope.write() as conn:
            await conn.execute(statement.on_conflict_do_nothing(index_elements=[bot_meta.c.key]))
            kept = await conn.execute(select(bot_meta.c.value).where(bot_meta.c.key == key))
            return str(kept.scalar_one())

    async def replace(self, key: str, expected: str, value: str) -> bool:
        """Set `value` only if the key holds `expected` now: of two processes doing the
        same thing at once (the daily summary), one goes on."""
        statement = (
            update(bot_meta)
            .where(bot_meta.c.key == key, bot_meta.c.value == expected)
            .values(value=value)
        )
        async with self._scope.write() as conn:
            return (await conn.execute(statement)).rowcount == 1
