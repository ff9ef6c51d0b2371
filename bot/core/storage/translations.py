"""The prompt translation cache: one row per (model, text sent), kept once."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.core.storage.engine import Scope
from bot.core.storage.schema import prompt_translations


def cache_key(model: str, source: str) -> str:
    return hashlib.sha256(f"{model}\x00{source}".encode()).hexdigest()


class SqlTranslationStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def get(self, model: str, source: str) -> str | None:
        table = prompt_translations
        query = select(table.c.source, table.c.translated).where(
            table.c.key == cache_key(model, source)
        )
        async with self._scope.read() as conn:
            row = (await conn.execute(query)).first()
        # The text is compared too: a key is a hash, and a wrong translation costs money.
        return str(row.translated) if row is not None and row.source == source else None

    async def put(self, model: str, source: str, translated: str, *, at: float) -> None:
        statement = (
            self._scope.upsert(prompt_translations)
            .values(
                key=cache_key(model, source),
                model=model,
                source=source,
                translated=translated,
                created_at=at,
            )
            .on_conflict_do_nothing(index_elements=[prompt_translations.c.key])
        )
        async with self._scope.write() as conn:
            await conn.execute(statement)
