"""Operator alerts on Discord: posted to ADMIN_LOG_CHANNEL_ID when it is set, otherwise
(or when that channel refuses the bot) sent as a DM to each user in ADMIN_USER_IDS, never
mentioning anyone. The background
loop asks the core (`OperatorAlerts`) what is due: at once when the client reports an
alert-worthy outcome, and every `interval` seconds for the time-based ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import discord

from bot.core.health import OperatorAlerts

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000  # characters of content Discord takes per message
CHECK_INTERVAL_SECONDS = 15.0


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single line longer than a message
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


class AlertSender:
    def __init__(
        self,
        client: discord.Client,
        *,
        channel_id: int | None,
        admin_ids: Iterable[int] = (),
        interval: float = CHECK_INTERVAL_SECONDS,
    ) -> None:
        self._client = client
        self._channel_id = channel_id
        self._admin_ids = tuple(sorted(set(admin_ids)))
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    @property
    def has_destination(self) -> bool:
        return self._channel_id is not None or bool(self._admin_ids)

    async def send(self, text: str) -> int:
        """Post `text`; returns in how many places it arrived. Failures are logged."""
        if not self.has_destination:
            log.warning("operator alert not sent: set ADMIN_LOG_CHANNEL_ID or ADMIN_USER_IDS")
            return 0
        if self._channel_id is not None:
            channel = self._client.get_partial_messageable(self._channel_id)
            if await self._post(channel, text, f"channel {self._channel_id}"):
                return 1
            # the channel is gone or closed to the bot: the admins still hear of it
        reached = 0
        for user_id in self._admin_ids:
            try:
                dm = await self._client.create_dm(discord.Object(id=user_id))
            except discord.HTTPException as exc:
                log.warning("no DM channel with admin %d for an alert: %s", user_id, exc.status)
                continue
            reached += await self._post(dm, text, f"admin {user_id}")
        return reached

    async def _post(self, target: discord.abc.Messageable, text: str, where: str) -> bool:
        try:
            for piece in split_message(text):
                await target.send(piece, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("operator alert to %s failed: HTTP %s", where, exc.status)
            return False
        return True

    # ---------------------------------------------------------------- the loop

    def start(self, alerts: OperatorAlerts) -> None:
        """Check what is due until `stop()`; a second call does nothing."""
        if self._task is not None:
            return
        if not self.has_destination:
            log.info("no ADMIN_LOG_CHANNEL_ID or ADMIN_USER_IDS: operator alerts go to the log")
        self._task = asyncio.create_task(self._run(alerts), name="operator-alerts")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, alerts: OperatorAlerts) -> None:
        while True:
            try:
                await alerts.check()
            except Exception:  # the loop outlives one bad round
                log.exception("checking the operator alerts failed")
            await alerts.wait(self._interval)
