"""Links to the Vary (Region) editor in the browser: one per press of the button.

The token in the link is the capability: random, shown once (in the user's ephemeral
answer) and stored only as its SHA-256. A link is bound to one job's button and to the
user who pressed it (their stored origin says where the result goes and who asks), works
for 30 minutes, and is used up when its form is submitted; opening it before that is fine.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.models import Origin
from bot.core.ports import EditorLinkStore

LINK_SECONDS = 30 * 60
TOKEN_BYTES = 32  # 43 URL-safe characters
PURGE_AFTER_SECONDS = 86400.0  # expired links are deleted a day later
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")


class LinkRefusal(StrEnum):
    """Why a link does nothing; the web layer says it in the user's language."""

    UNKNOWN = "unknown"  # never issued, mistyped or changed
    EXPIRED = "expired"
    USED = "used"
    NOT_YOURS = "not_yours"  # a request that is not this link's own


class LinkRefusedError(Exception):
    def __init__(self, reason: LinkRefusal, locale: str | None = None) -> None:
        self.reason = reason
        self.locale = locale  # the link's user's, when the link is known
        super().__init__(str(reason))


@dataclass(frozen=True)
class EditorLink:
    token_hash: str
    job_id: int
    button_index: int
    user_id: int
    origin: Origin  # where the press came from: the result goes there, as that user
    created_at: float
    expires_at: float
    used_at: float | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class EditorLinks:
    def __init__(
        self,
        store: EditorLinkStore,
        *,
        lifetime: float = LINK_SECONDS,
        clock: Callable[[], float] = time.time,
        new_token: Callable[[], str] = lambda: secrets.token_urlsafe(TOKEN_BYTES),
    ) -> None:
        self._store = store
        self._lifetime = lifetime
        self._clock = clock
        self._new_token = new_token

    async def issue(self, origin: Origin, job_id: int, index: int) -> str:
        """A new link's token for `origin`'s user to paint a mask for this button."""
        now = self._clock()
        token = self._new_token()
        link = EditorLink(
            token_hash=hash_token(token),
            job_id=job_id,
            button_index=index,
            user_id=origin.user_id,
            origin=origin,
            created_at=now,
            expires_at=now + self._lifetime,
        )
        await self._store.add(link)
        await self._store.purge(before=now - PURGE_AFTER_SECONDS)
        return token

    async def check(self, token: str) -> EditorLink:
        """The link, if it can still be used; LinkRefusedError says why not."""
        link = await self._find(token)
        if link.used_at is not None:
            raise LinkRefusedError(LinkRefusal.USED, link.origin.locale)
        if self._clock() >= link.expires_at:
            raise LinkRefusedError(LinkRefusal.EXPIRED, link.origin.locale)
        return link

    async def use(self, token: str) -> EditorLink:
        """Use the link up (once, even when two submits race); the link as it was."""
        link = await self.check(token)
        now = self._clock()
        if not await self._store.use(link.token_hash, at=now):
            raise LinkRefusedError(LinkRefusal.USED, link.origin.locale)
        return replace(link, used_at=now)

    async def release(self, link: EditorLink) -> None:
        """Nothing was submitted after all (a limit, the user's balance): the link works
        again until it expires."""
        if link.used_at is not None:
            await self._store.release(link.token_hash, used_at=link.used_at)

    async def _find(self, token: str) -> EditorLink:
        if not _TOKEN_SHAPE.fullmatch(token):
            raise LinkRefusedError(LinkRefusal.UNKNOWN)
        link = await self._store.get(hash_token(token))
        # A stored origin of another user than the link's would start a job as them.
        if link is None or link.origin.user_id != link.user_id:
            raise LinkRefusedError(LinkRefusal.UNKNOWN)
        return link
