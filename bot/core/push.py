"""Push: the aggregator calls `notifyHook` when a task changes, and the bot applies it at
once instead of waiting for the next poll.

Every submit gets a hook `{PUBLIC_URL}/push/{job id}/{secret}` with a fresh random secret;
only its SHA-256 is stored (a copied database cannot forge pushes) and it is compared in
constant time. A push is checked (secret, then body, then that the task is the job's) and
handed to the tracker, which applies it with the other pending pushes in one batch; the
push is answered at once. The secret is never logged, put in an exception or shown:
refusals name the job and a fixed reason only.

One process (no shared leases): the hashes of the hooks it issued are also kept in memory
(`PushSecrets`), so that a push for a job the tracker follows is checked without reading
the database; anything else (a miss, a mismatch, a job not followed) is checked against
the store as before.

Refusals are logged sparingly, since anyone can send them: those before a valid secret
(unknown job, wrong secret, too large) as one kind, whatever job their URL names; those
after it once per job and reason; and never more than a few lines a minute in all, the
rest summed up in one line a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

from bot.core.events import JobEvent
from bot.core.metrics import BotMetrics
from bot.core.mj.client import NotifyHook
from bot.core.mj.errors import MJProtocolError
from bot.core.mj.responses import parse_task
from bot.core.mj.schemas import Task
from bot.core.models import Job, JobStatus, TaskUpdate
from bot.core.ports import JobStore

log = logging.getLogger(__name__)

SECRET_BYTES = 32  # token_urlsafe: 43 characters
PUSH_PATH = "/push"
PUSHED_POLL_SECONDS = 30.0  # a job that receives pushes is still polled this often
_LOGGED_MAX = 4096  # refusals remembered for "log once"; forgotten all at once when full
LOG_WINDOW_SECONDS = 60.0  # refusal lines: at most LOG_LINES a window, then one summary
LOG_LINES = 5
_NO_JOB_HASH = hashlib.sha256(b"no such job").hexdigest()
SECRETS_KEPT = 20_000  # hashes kept in memory at most; the oldest are read again if needed


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    """Constant time; a job without a stored hash matches nothing."""
    expected = stored_hash or _NO_JOB_HASH
    return hmac.compare_digest(secret_hash(secret), expected) and stored_hash is not None


class PushSecrets:
    """The hashes of the current hooks of jobs in flight, in memory. Only for one process:
    there every hook is issued here, so what is kept is current. A job that stops being
    followed (finished, waiting for input) is forgotten; past `limit` the oldest go."""

    def __init__(self, limit: int = SECRETS_KEPT) -> None:
        self._hashes: dict[int, str] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._hashes)

    def get(self, job_id: int) -> str | None:
        return self._hashes.get(job_id)

    def remember(self, job_id: int, stored_hash: str) -> None:
        self._hashes.pop(job_id, None)  # a new hook: now the newest
        self._hashes[job_id] = stored_hash
        while len(self._hashes) > self._limit:
            del self._hashes[next(iter(self._hashes))]

    def forget(self, job_id: int) -> None:
        self._hashes.pop(job_id, None)

    async def on_job_event(self, event: JobEvent) -> None:
        """Lifecycle listener: a settled job (final, or asking for input) needs no hook
        now; a modal's answer gets a new one."""
        if event.job.status.is_settled:
            self.forget(event.job.id)


class PushHooks:
    """Issues each submit's notifyHook: a new secret, its hash stored before the submit."""

    def __init__(
        self, jobs: JobStore, public_base: str, *, secrets: PushSecrets | None = None
    ) -> None:
        self._jobs = jobs
        self._base = public_base.rstrip("/")
        self._secrets = secrets

    async def issue(self, job_id: int) -> NotifyHook:
        """A new hook for this job; a previous one (an earlier submit of the same job,
        e.g. the action before its modal answer) stops working."""
        secret = new_secret()
        hashed = secret_hash(secret)
        await self._jobs.set_push_secret(job_id, hashed)
        if self._secrets is not None:
            self._secrets.remember(job_id, hashed)
        return NotifyHook(f"{self._base}{PUSH_PATH}/{job_id}/{secret}", secret)


# ---------------------------------------------------------------- ordering

_RANK = {
    JobStatus.PENDING: 0,
    JobStatus.WAITING: 1,
    JobStatus.MODAL: 1,  # a waiting action may turn out to want input; a running one not
    JobStatus.IN_PROGRESS: 2,
    JobStatus.SUCCESS: 3,
    JobStatus.FAILURE: 3,
    JobStatus.CANCEL: 3,
}


def moves_back(job: Job, update: TaskUpdate) -> bool:
    """Whether applying `update` would move the job backwards: an older answer (a push
    or a poll) arriving after a newer one. Status and progress never go back."""
    if job.status.is_terminal:
        return True
    before, after = _RANK[job.status], _RANK[update.status]
    if after != before:
        return after < before
    return update.progress is not None and update.progress < job.progress


# ---------------------------------------------------------------- receiving


class PushOutcome(StrEnum):
    ACCEPTED = "accepted"  # applied, or nothing new (a duplicate, a final job)
    EARLY = "early"  # authentic, but the job's submit answer is not recorded yet
    UNKNOWN_JOB = "unknown_job"  # answered like FORGED: job ids cannot be probed
    FORGED = "forged"
    MALFORMED = "malformed"
    WRONG_TASK = "wrong_task"
    TOO_LARGE = "too_large"


# Refused before a valid secret was seen: the job id in their URL is anybody's guess.
_UNAUTHENTICATED = frozenset({PushOutcome.UNKNOWN_JOB, PushOutcome.FORGED, PushOutcome.TOO_LARGE})


class PushTarget(Protocol):
    def follows(self, job_id: int, task_id: str) -> bool:
        """Whether the job is followed here, for that task."""
        ...

    def push(self, task: Task) -> Awaitable[bool]:
        """Queue a task to be applied like a polled one (not waited for here)."""
        ...


class PushInbox:
    """Checks pushed task updates and hands the authentic ones to the tracker."""

    def __init__(
        self,
        jobs: JobStore,
        target: PushTarget,
        *,
        metrics: BotMetrics | None = None,
        secrets: PushSecrets | None = None,
        log_window: float = LOG_WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._jobs = jobs
        self._target = target
        self._metrics = metrics or BotMetrics()
        self._secrets = secrets
        self._logged: set[tuple[int | None, PushOutcome | None]] = set()
        self._log_window = log_window
        self._monotonic = monotonic
        self._window_start = float("-inf")
        self._lines = 0  # refusal lines logged in this window
        self._unlogged: Counter[PushOutcome] = Counter()  # for the window's summary
        self._summary: asyncio.TimerHandle | None = None

    async def receive(self, job_id: int | None, secret: str, body: bytes) -> PushOutcome:
        """`job_id`: from the path, None if it was not a number. Answered as soon as the
        push is checked: the tracker applies it with the next batch."""
        known = self._secrets.get(job_id) if self._secrets and job_id is not None else None
        if known is not None and job_id is not None and secret_matches(secret, known):
            task = _task_of(body)
            if task is None:
                return self.refused(job_id, PushOutcome.MALFORMED)
            if self._target.follows(job_id, task.id):
                return self._accept(task)
        return await self._checked(job_id, secret, body)

    async def _checked(self, job_id: int | None, secret: str, body: bytes) -> PushOutcome:
        """The push checked against the store (the job, its secret hash)."""
        job = await self._jobs.get(job_id) if job_id is not None else None
        stored = await self._jobs.push_secret_of(job.id) if job is not None else None
        matches = secret_matches(secret, stored)  # computed for unknown jobs too
        if job is None:
            return self.refused(job_id, PushOutcome.UNKNOWN_JOB)
        if not matches:
            return self.refused(job.id, PushOutcome.FORGED)
        task = _task_of(body)
        if task is None:
            return self.refused(job.id, PushOutcome.MALFORMED)
        if job.task_id is None:
            return self.refused(job.id, PushOutcome.EARLY)
        if not hmac.compare_digest(task.id.encode(), job.task_id.encode()):
            return self.refused(job.id, PushOutcome.WRONG_TASK)
        if (
            self._secrets is not None
            and stored is not None
            and self._target.follows(job.id, task.id)
        ):
            self._secrets.remember(job.id, stored)  # e.g. a job resumed after a restart
        return self._accept(task)

    def _accept(self, task: Task) -> PushOutcome:
        self._metrics.push_received()
        self._target.push(task)  # applied with the next batch; the answer does not wait
        return PushOutcome.ACCEPTED

    def refused(self, job_id: int | None, outcome: PushOutcome) -> PushOutcome:
        """Count a refusal and log it (never the secret): once for all refusals before a
        valid secret, once per job and reason after one, at most `LOG_LINES` lines a
        window; what is not logged is summed up once the window is over."""
        self._metrics.push_refused(outcome.value)
        unauthenticated = outcome in _UNAUTHENTICATED
        key = (None, None) if unauthenticated else (job_id, outcome)
        now = self._monotonic()
        if now - self._window_start >= self._log_window and self._summary is None:
            self._log_summary()  # the window is over (no loop summed it up): a new one
        if key in self._logged or self._lines >= LOG_LINES:
            self._count_unlogged(outcome, now)
            return outcome
        if len(self._logged) >= _LOGGED_MAX:
            self._logged.clear()
        self._logged.add(key)
        self._lines += 1
        level = logging.INFO if outcome is PushOutcome.EARLY else logging.WARNING
        who = "without a valid secret" if unauthenticated else f"for job {job_id}"
        log.log(level, "push %s refused: %s (further ones summed up)", who, outcome)
        return outcome

    def _count_unlogged(self, outcome: PushOutcome, now: float) -> None:
        self._unlogged[outcome] += 1
        if self._summary is not None:
            return
        delay = max(0.0, self._window_start + self._log_window - now)
        with contextlib.suppress(RuntimeError):  # no loop: the next refusal sums it up
            self._summary = asyncio.get_running_loop().call_later(delay, self._log_summary)

    def _log_summary(self) -> None:
        """One line for the refusals a window did not log; a new window starts."""
        self._summary = None
        counts, self._unlogged = self._unlogged, Counter()
        self._window_start, self._lines = self._monotonic(), 0
        if counts:
            parts = ", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items()))
            log.warning(
                "%d pushes refused in the last %g s, not logged one by one: %s",
                counts.total(),
                self._log_window,
                parts,
            )


def _task_of(body: bytes) -> Task | None:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return parse_task(data)
    except MJProtocolError:
        return None
