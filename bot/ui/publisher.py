"""Publisher: turns job changes into message edits, coalesced per message.

At most one edit per interval per job, only when what the user sees changed; a newer state
replaces one still waiting, and a final state goes out at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import discord

from bot.core.mj.errors import MJError
from bot.core.payload import MessagePayload
from bot.core.render import render
from bot.core.storage import Job, JobRepository, StoredButton
from bot.ui.delivery import DeliveryFailedError, MessageDelivery

log = logging.getLogger(__name__)

DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024  # Discord's default per-file limit
Downloader = Callable[[str, int], Awaitable[bytes]]


@dataclass
class _Slot:
    pending: MessagePayload | None = None
    shown: MessagePayload | None = None
    last_sent: float = float("-inf")
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Publisher:
    def __init__(
        self,
        delivery: MessageDelivery,
        jobs: JobRepository,
        download: Downloader,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._delivery = delivery
        self._jobs = jobs
        self._download = download
        self._interval = interval
        self._clock = clock
        self._slots: dict[int, _Slot] = {}
        self.edits = 0

    async def job_changed(self, job: Job, buttons: Sequence[StoredButton]) -> None:
        """Tracker callback: never blocks on Discord."""
        self.publish(job, render(job, buttons))

    def publish(self, job: Job, payload: MessagePayload) -> None:
        slot = self._slots.setdefault(job.id, _Slot())
        if payload == slot.shown and slot.pending is None:
            return
        slot.pending = payload
        if payload.final:
            slot.wake.set()
        if slot.task is None or slot.task.done():
            slot.task = asyncio.create_task(self._drain(job.id, slot), name=f"publish-{job.id}")

    async def show_now(self, job: Job, payload: MessagePayload) -> None:
        """Publish and wait until it is on Discord (first state after a command)."""
        self.publish(job, payload)
        slot = self._slots.get(job.id)
        if slot is not None and slot.task is not None:
            await asyncio.shield(slot.task)

    async def _drain(self, job_id: int, slot: _Slot) -> None:
        while slot.pending is not None:
            if not slot.pending.final:
                delay = slot.last_sent + self._interval - self._clock()
                if delay > 0:
                    slot.wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(slot.wake.wait(), delay)
            payload, slot.pending = slot.pending, None
            if payload is None or payload == slot.shown:
                continue
            await self._send(job_id, payload)
            slot.shown = payload
            slot.last_sent = self._clock()
        if slot.shown is not None and slot.shown.final and self._slots.get(job_id) is slot:
            del self._slots[job_id]

    async def _send(self, job_id: int, payload: MessagePayload) -> None:
        job = await self._jobs.get(job_id)  # fresh: the message may have moved
        if job is None:
            return
        image = await self._result_image(job, payload)
        try:
            await self._delivery.deliver(job, payload, image)
            self.edits += 1
        except discord.HTTPException as exc:
            if image is not None and exc.status == 413:  # too large after all: link it
                await self._delivery.deliver(job, payload, None)
                self.edits += 1
            else:
                log.warning("job %d: edit failed: %s", job.id, exc)
        except DeliveryFailedError as exc:
            log.warning("job %d: %s", job.id, exc)
        except Exception:  # one bad edit must not stop later ones for this job
            log.exception("job %d: unexpected error while editing its message", job.id)

    async def _result_image(self, job: Job, payload: MessagePayload) -> bytes | None:
        if not payload.attach_image or not payload.image_url:
            return None
        limit = job.upload_limit or DEFAULT_UPLOAD_LIMIT
        try:
            return await self._download(payload.image_url, limit)
        except MJError as exc:
            log.info("job %d: result image not attached (%s); linking it instead", job.id, exc)
            return None

    async def flush(self) -> None:
        """Wait until every pending edit has been sent (shutdown and tests)."""
        while tasks := [s.task for s in self._slots.values() if s.task and not s.task.done()]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        for slot in self._slots.values():
            if slot.task is not None:
                slot.task.cancel()
        await asyncio.gather(
            *(s.task for s in self._slots.values() if s.task), return_exceptions=True
        )
        self._slots.clear()
