"""The `state` every submit carries: `<instance>:<job id>`.

The aggregator echoes `state` in the task, so a job whose submit answer was lost (a
crash, a timeout) can find its task again. `<instance>` is a random id this bot's
database keeps from its first start: two bots sharing one aggregator key never take each
other's tasks, and a restart on the same database finds its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Protocol

INSTANCE_KEY = "instance_id"


class InstanceStore(Protocol):
    async def put_new(self, key: str, value: str) -> str:
        """Store `value` unless the key has one; the value kept either way."""
        ...


def _random_id() -> str:
    return secrets.token_hex(6)


class SubmitStates:
    def __init__(self, meta: InstanceStore, *, new_id: Callable[[], str] = _random_id) -> None:
        self._meta = meta
        self._new_id = new_id
        self._instance: str | None = None

    async def instance(self) -> str:
        """This bot's id, made and stored at the first start, read once per process."""
        if self._instance is None:
            self._instance = await self._meta.put_new(INSTANCE_KEY, self._new_id())
        return self._instance

    async def of(self, job_id: int) -> str:
        return f"{await self.instance()}:{job_id}"
