"""Each user's own defaults, one row per user who changed any."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from bot.core.preferences import UserPreferences
from bot.core.storage.engine import Scope
from bot.core.storage.schema import user_preferences


class SqlPreferenceStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def get(self, user_id: int) -> UserPreferences | None:
        query = select(user_preferences).where(user_preferences.c.user_id == user_id)
        async with self._scope.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            return None
        return UserPreferences.model_validate({k: v for k, v in row.items() if k != "updated_at"})

    async def users_changed_since(self, since: float | None) -> list[int]:
        query = select(user_preferences.c.user_id)
        if since is not None:
            query = query.where(user_preferences.c.updated_at >= since)
        async with self._scope.read() as conn:
            return [int(user_id) for user_id in (await conn.execute(query)).scalars()]

    async def put(
        self, preferences: UserPreferences, *, at: float, only: Collection[str] | None = None
    ) -> None:
        values = {**preferences.model_dump(), "updated_at": at}
        changed = {
            k: v
            for k, v in values.items()
            if k != "user_id" and (only is None or k in only or k == "updated_at")
        }
        statement = (
            self._scope.upsert(user_preferences)
            .values(**values)
            .on_conflict_do_update(index_elements=[user_preferences.c.user_id], set_=changed)
        )
        async with self._scope.write() as conn:
            await conn.execute(statement)
