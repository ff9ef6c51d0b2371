"""Links to the Vary (Region) editor: only the SHA-256 of each token is stored."""

from __future__ import annotations

from sqlalchemy import RowMapping, delete, insert, select, update

from bot.core.editor_links import EditorLink
from bot.core.models import Origin
from bot.core.storage.engine import Scope
from bot.core.storage.schema import editor_links


class SqlEditorLinkStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def add(self, link: EditorLink) -> None:
        row = {
            "token_hash": link.token_hash,
            "job_id": link.job_id,
            "button_index": link.button_index,
            "user_id": link.user_id,
            "origin": link.origin.model_dump_json(),
            "created_at": link.created_at,
            "expires_at": link.expires_at,
            "used_at": link.used_at,
        }
        async with self._scope.write() as conn:
            await conn.execute(insert(editor_links).values(**row))

    async def get(self, token_hash: str) -> EditorLink | None:
        query = select(editor_links).where(editor_links.c.token_hash == token_hash)
        async with self._scope.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _link(row) if row else None

    async def use(self, token_hash: str, *, at: float) -> bool:
        statement = (
            update(editor_links)
            .where(
                editor_links.c.token_hash == token_hash,
                editor_links.c.used_at.is_(None),
                editor_links.c.expires_at > at,
            )
            .values(used_at=at)
        )
        async with self._scope.write() as conn:
            result = await conn.execute(statement)
        return result.rowcount == 1

    async def release(self, token_hash: str, *, used_at: float) -> bool:
        statement = (
            update(editor_links)
            .where(editor_links.c.token_hash == token_hash, editor_links.c.used_at == used_at)
            .values(used_at=None)
        )
        async with self._scope.write() as conn:
            result = await conn.execute(statement)
        return result.rowcount == 1

    async def purge(self, *, before: float) -> int:
        statement = delete(editor_links).where(editor_links.c.expires_at < before)
        async with self._scope.write() as conn:
            result = await conn.execute(statement)
        return int(result.rowcount)


def _link(row: RowMapping) -> EditorLink:
    return EditorLink(
        token_hash=row["token_hash"],
        job_id=row["job_id"],
        button_index=row["button_index"],
        user_id=row["user_id"],
        origin=Origin.model_validate_json(row["origin"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )
