"""Publisher: turns job changes into message edits, coalesced per message.

A change marks the job's message dirty and leaves the newest state given (by
`updated_at`) in the message's slot; an edit shows the newest state known when it is
sent, so it can never show an older state than the last one. Progress and final states
are rendered from that state without reading the job's row: in one process every write
of a job reaches the publisher as an event, and the message moves the delivery makes are
kept in the slot (a result's buttons are still read). The first edit of a message and a
re-sent final state after a restart are read from the row, and so is every state when
several processes write (`leases.shared`), since another one may have written the row.

Pacing, per message, only when what the user sees changed:
- a final state (result, failure, waiting for input) goes out at once, is retried, and
  is recorded as shown so that a restart re-sends any the bot did not manage to deliver;
- a progress state bringing a new preview image goes once `interval` has passed since
  the message's last edit;
- a progress state that changes only text ("waiting" to "0 %", "15 %" to "16 %" with the
  same preview) is held for twice `interval` from the moment it came (so at least twice
  `interval` after the last edit): it is usually overtaken by the next preview, one edit
  for both. Counting from the last edit instead would not do: with stages as long as
  `interval`, "0 %" would come out just before the first preview is polled. A change
  arriving during the hold is judged again (a new preview ends it, a final state goes
  at once).
Database reads are at most `READ_SLOTS` at a time, so that many messages drained at once
after a big tick leave the pool to the tracker and the commands; Discord edits and
uploads at most `DELIVERY_SLOTS`, well below the bot's pool of Discord connections, so
that the acknowledgements of new commands always find one. A slow channel or upload
holds one of those slots, never another message's edit.

With several processes (bot/core/storage/leases.py) a job's progress is edited only by the
process following it (its tracker makes those changes), a final state by the process that
wrote it; one that finds, after a progress edit, that the job was finished meanwhile (by a
Cancel press elsewhere, say) sends the final state again, so a late progress edit never
stays on top. Moves to DMs and the re-sending of undelivered final states are done by the
job's lease holder only, so no message is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

import discord

from bot.core.events import Cause, JobEvent
from bot.core.i18n import t
from bot.core.image_check import peek_image
from bot.core.media import sniff_video_mime
from bot.core.mj.errors import MJError
from bot.core.models import Job, JobStatus, MessageRef
from bot.core.payload import MAX_CONTENT, MessagePayload, clip
from bot.core.ports import ButtonStore, JobStore, LeaseStore
from bot.core.render import render
from bot.core.shown_marks import ShownMarks
from bot.ui.delivery import DeliveryFailedError, MessageDelivery

log = logging.getLogger(__name__)

DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024  # Discord's default per-file limit
FINAL_ATTEMPTS = 4
UNSHOWN_WINDOW_SECONDS = 86400.0  # at start, re-send final states of the last day
Downloader = Callable[[str, int], Awaitable[bytes]]
# RECOVERED: nobody showed the submit (its answer was lost), so the publisher does.
_SHOWN_CAUSES = frozenset(
    {Cause.TASK, Cause.DEADLINE, Cause.INTERRUPTED, Cause.CANCELLED, Cause.RECOVERED}
)
HANDOVER_LEAD_SECONDS = 120.0  # a private job moves to DMs this long before its token fails
HANDOVER_SWEEP_SECONDS = 30.0
MARKED_MEMORY = 10_000
UNSHOWN_BATCH = 1000  # undelivered final states taken at once
# Shared: a dead process's undelivered final states are sent by another within this many
# leases of being written; one that cannot be delivered at all (a deleted channel) is
# not tried again and again all day, only at the next start.
ORPHAN_LEASES = 5
TEXT_ONLY_INTERVALS = 2  # a progress change without a new preview is held this many intervals
READ_SLOTS = 8  # database reads at once (SQLAlchemy's pool: 5 + 10 overflow)
# Edits and uploads at once: well below the bot's pool of Discord connections, so that
# slow uploads can never take every connection from the acknowledgements of new commands.
DELIVERY_SLOTS = 64
Pause = Callable[[asyncio.Event, float], Awaitable[None]]


async def pause_until_set(event: asyncio.Event, seconds: float) -> None:
    """Wait until `event` is set or `seconds` have passed, whichever comes first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


@dataclass
class _Slot:
    dirty: bool = False
    urgent: bool = False
    shown: MessagePayload | None = None
    last_sent: float = float("-inf")
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    first_sent: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    # An edit and a move to DMs never interleave: each reads the job inside it.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # A final state a previous run may have delivered without recording it: read first.
    read_back: bool = False
    job: Job | None = None  # the newest state given to `publish`
    since: float | None = None  # when the first change not yet shown came
    message: MessageRef | None = None  # where the job's message is now, once it moved
    stale: bool = False  # a final state older than one given before came: read the row

    def nowhere(self) -> bool:
        """The job has no message at all, as far as this slot knows."""
        if self.message is not None:
            return _no_message(self.message)
        return self.job is not None and _no_message(self.job.message)


class Publisher:
    def __init__(
        self,
        delivery: MessageDelivery,
        jobs: JobStore,
        buttons: ButtonStore,
        download: Downloader,
        *,
        interval: float = 5.0,
        retry_delay: float = 1.0,
        handover_every: float = HANDOVER_SWEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,  # for the edit interval
        pause: Pause = pause_until_set,  # waits `seconds` of `clock` (or until woken)
        now: Callable[[], float] = time.time,  # for what "recent" means at start
        on_edit: Callable[[float], None] | None = None,  # each delivered edit's seconds
        leases: LeaseStore | None = None,  # several processes: who moves and re-sends what
    ) -> None:
        self._leases = leases
        self._delivery = delivery
        self._jobs = jobs
        self._shown_marks = ShownMarks(jobs)  # final states shown, written together
        self._buttons = buttons
        self._download = download
        self._interval = interval
        self._retry_delay = retry_delay
        self._clock = clock
        self._pause = pause
        self._reads = asyncio.Semaphore(READ_SLOTS)
        self._deliveries = asyncio.Semaphore(DELIVERY_SLOTS)
        self._now = now
        self._handover_every = handover_every
        self._on_edit = on_edit
        self._slots: dict[int, _Slot] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._marked: dict[tuple[int, int], None] = {}  # buttons coloured by this process
        self.edits = 0

    async def on_job_event(self, event: JobEvent) -> None:
        """Lifecycle listener: what the aggregator or the clock changed is shown; never
        blocks on Discord. Submits are shown by whoever started the job (`show_first`)."""
        if event.visible and event.cause in _SHOWN_CAUSES:
            self.publish(event.job)
        job = event.job
        if event.cause is Cause.RECORDED and job.parent_job_id and job.button_index is not None:
            pressed = (job.parent_job_id, job.button_index)
            if pressed not in self._marked:  # pressed again: it is coloured already
                self._marked[pressed] = None
                if len(self._marked) > MARKED_MEMORY:
                    self._marked.pop(next(iter(self._marked)))
                self._spawn(self._mark_pressed(job.parent_job_id), f"pressed-{job.parent_job_id}")

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        task = asyncio.create_task(_logged(work, name), name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _mark_pressed(self, job_id: int) -> None:
        """A button of a shown result started a job: colour it, as Midjourney does."""
        job = await self._jobs.get(job_id)
        if job is None or job.status is not JobStatus.SUCCESS:
            return
        if await self._delivery.refresh_buttons(job, await self.payload_of(job)):
            self.edits += 1

    async def payload_of(self, job: Job, locale: str | None = None) -> MessagePayload:
        """What the job's message shows now (also for /show, in the asker's language)."""
        if job.status is not JobStatus.SUCCESS:
            return render(job, locale=locale)
        async with self._reads:
            buttons = await self._buttons.list(job.id)
            pressed = await self._jobs.pressed_buttons(job.id)
        return render(job, buttons, locale, pressed=pressed)

    # ---------------------------------------------------------------- private jobs

    @property
    def _sweep_every(self) -> float:
        """Shared: once a lease's time, so a dead process's undelivered final states are
        sent within a lease or two of its death."""
        if self._leases is not None and self._leases.shared:
            return min(self._handover_every, self._leases.seconds)
        return self._handover_every

    def start(self) -> None:
        """Watch private jobs whose token is about to expire (they move to DMs)."""
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep_private(), name="private-handover")

    async def _sweep_private(self) -> None:
        while True:
            try:
                await self.hand_over_expiring()
            except Exception:
                log.exception("moving private jobs to DMs failed; trying again later")
            if self._leases is not None and self._leases.shared:
                try:  # final states a process that died did not deliver, lately
                    await self.republish_unshown(within=ORPHAN_LEASES * self._leases.seconds)
                except Exception:
                    log.exception("re-sending undelivered final states failed")
            await asyncio.sleep(self._sweep_every)

    async def hand_over_expiring(self) -> int:
        """Move every unfinished job the bot token cannot reach (private, or token-only:
        a user install where the bot is not present) whose token fails soon to its
        user's DMs, while the token still lets the message say where it went."""
        lead = self._delivery.token_margin + HANDOVER_LEAD_SECONDS
        jobs = await self._jobs.list_expiring_private(before=self._now() + lead)
        if self._leases is not None:  # each by the process that holds it, once
            mine = await self._leases.mine([job.id for job in jobs])
            jobs = [job for job in jobs if job.id in mine]
        for job in jobs:
            try:
                await self._hand_over(job.id)
            except Exception:  # one job's trouble must not keep the others from moving
                log.exception("job %d: could not move it to the user's DMs", job.id)
        return len(jobs)

    async def _hand_over(self, job_id: int) -> None:
        slot = self._slots.setdefault(job_id, _Slot())
        async with slot.lock:
            job = await self._jobs.get(job_id)  # as it is now, not as it was listed
            if job is None or job.status.is_settled or job.message.bot_reachable:
                return
            if job.message.interaction_token is None:
                return
            # A private message says so privately; a token-only one is seen by others.
            private = job.message.ephemeral
            payload = await self.payload_of(job)
            try:
                in_dm = await self._delivery.send_dm(job, payload, None)
            except DeliveryFailedError:
                # DMs closed: say where the result will be, then stop using the token
                # (the final result tries the DMs again, and waits in /history).
                key = "dm.closed" if private else "install.dms_closed"
                note = t(key, job.locale, job=job.id)
                text = clip(f"-# {note}\n{payload.content}", MAX_CONTENT)
                await self._delivery.edit_private(job, replace(payload, content=text))
                slot.message = job.message.without_token()
                await self._jobs.move_message(job.id, slot.message, at=self._now())
                return
            slot.message = in_dm.message
            slot.shown = payload  # what the DM now shows
            moved = t("dm.continued" if private else "install.continued", job.locale, job=job.id)
            await self._delivery.edit_private(job, MessagePayload(moved))
        self.publish(job)  # anything that changed meanwhile goes to the DM

    def publish(self, job: Job) -> None:
        slot = self._slots.setdefault(job.id, _Slot())
        known = slot.job
        # Events may come out of order (a submit's first show after the first progress);
        # a final state is always kept, whatever its time, but one older than what was
        # given before is read from the row before it is sent.
        if known is None or job.updated_at >= known.updated_at or job.status.is_settled:
            slot.stale = known is not None and job.updated_at < known.updated_at
            slot.job = job
        slot.dirty = True
        if slot.since is None:
            slot.since = self._clock()
        if job.status.is_settled:
            slot.urgent = True
        slot.wake.set()  # a waiting edit is judged again (a new preview, a final state)
        if slot.task is None or slot.task.done():
            slot.task = asyncio.create_task(self._drain(job.id, slot), name=f"publish-{job.id}")

    async def show_first(self, job: Job) -> None:
        """Publish and wait until this job's message has been edited once."""
        self.publish(job)
        slot = self._slots.get(job.id)
        if slot is not None:
            await slot.first_sent.wait()

    async def republish_unshown(self, *, within: float = UNSHOWN_WINDOW_SECONDS) -> int:
        """At start-up: send the final states of the last `within` seconds a previous run
        did not deliver (with leases: only those whose writer's lease ran out, now this
        process's to deliver)."""
        since = self._now() - within
        if self._leases is not None:
            jobs = await self._leases.claim_unshown(since=since, limit=UNSHOWN_BATCH)
        else:
            jobs = await self._jobs.list_unshown_finals(since=since)
        for job in jobs:
            self._slots.setdefault(job.id, _Slot()).read_back = True
            self.publish(job)
        return len(jobs)

    async def _drain(self, job_id: int, slot: _Slot) -> None:
        try:
            while slot.dirty:
                delay = 0.0 if slot.urgent else self._due(slot) - self._clock()
                if delay > 0:
                    slot.wake.clear()
                    await self._pause(slot.wake, delay)
                    continue  # woken or due: judge the newest state again
                slot.dirty = slot.urgent = False
                slot.since = None
                await self._edit(job_id, slot)
        except Exception:  # never let one job's edits die silently
            log.exception("job %d: publishing failed", job_id)
        finally:
            slot.first_sent.set()
            # Keep the slot (and its last edit time) while the job runs: that is the
            # coalescing memory. Once its final state is shown it is no longer needed,
            # nor once a job with no message to show it on has settled.
            finished = slot.shown is not None and slot.shown.final
            if slot.job is not None and slot.nowhere():
                finished = slot.job.status.is_settled
            if finished and not slot.dirty and self._slots.get(job_id) is slot:
                del self._slots[job_id]

    def _due(self, slot: _Slot) -> float:
        """When the pending progress edit may go (see the module's pacing rule)."""
        due = slot.last_sent + self._interval
        job, shown = slot.job, slot.shown
        if shown is None or job is None or slot.since is None:
            return due  # the first edit: at once
        if job.image_url is not None and job.image_url != shown.image_url:
            return due  # a new preview
        return max(due, slot.since + self._interval * TEXT_ONLY_INTERVALS)

    async def _current(self, job_id: int, slot: _Slot) -> Job | None:
        """The state to show: the newest given, or the row where that may be stale (the
        first edit: the job given may predate a move of its message, say). A final state
        given is as new as the row: in one process its write was the job's last."""
        known = slot.job
        if known is not None and slot.nowhere():
            return known  # no message at all (nothing to edit): not worth a read
        shared = self._leases is not None and self._leases.shared
        first = slot.shown is None or slot.message is None
        if known is None or first or slot.read_back or slot.stale or shared:
            slot.stale = False
            async with self._reads:
                job = await self._jobs.get(job_id)
            if job is not None:
                slot.message = job.message
            return job
        if slot.message is not None and slot.message != known.message:
            return known.model_copy(update={"message": slot.message})
        return known

    async def _edit(self, job_id: int, slot: _Slot) -> None:
        async with slot.lock:
            await self._edit_locked(job_id, slot)

    async def _edit_locked(self, job_id: int, slot: _Slot) -> None:
        job = await self._current(job_id, slot)
        if job is None or _no_message(job.message):
            return
        payload = await self.payload_of(job)
        if payload == slot.shown:
            return
        if slot.read_back and payload.final:
            slot.read_back = False
            if await self._delivery.already_shows(job, payload):
                log.info("job %d: its final state was shown before the restart", job.id)
                slot.shown = payload
                await self._shown_marks.mark(job.id, job.status)
                return
        attempts = FINAL_ATTEMPTS if payload.final else 1
        if (delivered := await self._send(job, payload, attempts)) is not None:
            slot.message = delivered.message  # moved, perhaps: later edits go there
            slot.shown = payload
            if payload.final:
                await self._shown_marks.mark(job.id, job.status)
            elif await self._settled_meanwhile(job):
                slot.dirty = slot.urgent = True  # this edit may have overtaken the final one
        slot.last_sent = self._clock()
        slot.first_sent.set()

    async def _settled_meanwhile(self, sent: Job) -> bool:
        """Whether the job was settled (by another process) while its progress was sent."""
        if self._leases is None or not self._leases.shared:
            return False  # one process: its own final edit waits for this one (the lock)
        now = await self._jobs.get(sent.id)
        return now is not None and now.status.is_settled and now.status is not sent.status

    async def _send(self, job: Job, payload: MessagePayload, attempts: int) -> Job | None:
        """The job as delivered (its message moved, perhaps); None when not delivered."""
        image = await self.result_image(job, payload)
        for attempt in range(attempts):
            try:
                async with self._deliveries:
                    started = time.perf_counter()
                    delivered = await self._delivery.deliver(job, payload, image)
                self.edits += 1
                if self._on_edit is not None:
                    self._on_edit(time.perf_counter() - started)
                return delivered
            except discord.HTTPException as exc:
                if image is not None and exc.status == 413:  # too large after all: link it
                    image = None
                    continue
                log.warning("job %d: edit failed (%s)", job.id, exc)
            except DeliveryFailedError as exc:
                log.warning("%s", exc)  # its text names the job
                return None
            except Exception:  # RateLimited, network errors: retry a final state
                log.exception("job %d: unexpected error while editing its message", job.id)
            if attempt + 1 < attempts:
                await asyncio.sleep(self._retry_delay * 2**attempt)
                job = await self._jobs.get(job.id) or job  # the message may have moved
        return None

    async def result_image(
        self, job: Job, payload: MessagePayload, *, upload_limit: int | None = None
    ) -> bytes | None:
        """The result image to upload with the payload; None to link it instead.
        `upload_limit`: of the place it goes to, when not the job's own message."""
        if not payload.attach_image or not payload.image_url:
            return None
        limit = upload_limit or job.message.upload_limit or DEFAULT_UPLOAD_LIMIT
        try:
            data = await self._download(payload.image_url, limit)
        except MJError as exc:
            log.info("job %d: result image not attached (%s); linking it instead", job.id, exc)
            return None
        if payload.video and sniff_video_mime(data) is None:
            log.info("job %d: the result is not a video file; linking it instead", job.id)
            return None
        if not payload.video and peek_image(data) is None:  # an error page, say
            log.info("job %d: the result is not an image file; linking it instead", job.id)
            return None
        return data

    async def flush(self, within: float | None = None) -> bool:
        """Wait until every pending edit has been sent (shutdown and tests), at most
        `within` seconds; False when some were still pending then (a final state not
        delivered is sent again at the next start)."""
        deadline = None if within is None else asyncio.get_running_loop().time() + within
        if within is not None and (waiting := self._unfinished()):
            log.info("stopping: up to %g s for %d message edits to finish", within, len(waiting))
        while tasks := self._unfinished():
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                log.warning(
                    "%d message edits still pending after the shutdown grace; final states "
                    "among them are sent again at the next start",
                    len(tasks),
                )
                return False
            await asyncio.wait(tasks, timeout=left)
        return True

    def _unfinished(self) -> list[asyncio.Task[None]]:
        slots = [s.task for s in self._slots.values() if s.task and not s.task.done()]
        return [*slots, *self._background]

    async def close(self) -> None:
        tasks = [s.task for s in self._slots.values() if s.task is not None]
        tasks += [*self._background, *([self._sweeper] if self._sweeper else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._slots.clear()


async def _logged(work: Awaitable[None], name: str) -> None:
    try:
        await work
    except Exception:
        log.exception("%s failed", name)


def _no_message(message: MessageRef) -> bool:
    """No message at all (nothing to edit)."""
    return message.message_id is None and message.channel_id is None
