"""What the core needs from storage, as Protocols; `bot.core.storage` implements them.

Every write is a typed method named for what happened. Outside a transaction each call
commits on its own; inside `Storage.transaction()` the calls share one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

from bot.core.models import (
    ChargeState,
    Final,
    InputImage,
    Job,
    JobStatus,
    LedgerEntry,
    LedgerReason,
    MessageRef,
    NewJob,
    Progress,
    ResultButton,
    StoredButton,
    Wallet,
)

if TYPE_CHECKING:
    from bot.core.editor_links import EditorLink
    from bot.core.preferences import UserPreferences
    from bot.core.stats import WindowStats


class JobStore(Protocol):
    async def create(self, new: NewJob, *, at: float) -> Job: ...

    async def get(self, job_id: int) -> Job | None: ...

    async def list_by_status(self, statuses: Sequence[JobStatus]) -> list[Job]: ...

    async def list_unshown_finals(self, *, since: float) -> list[Job]:
        """Jobs changed after `since` whose final state (or MODAL) Discord has not shown."""
        ...

    async def inputs(self, job_id: int) -> list[InputImage]: ...

    async def task_followed(self, task_id: str, *, besides: int) -> bool:
        """Whether another job already follows this aggregator task."""
        ...

    async def mark_submitted(
        self,
        job_id: int,
        *,
        task_id: str,
        status: JobStatus,
        queue_position: int | None,
        final_prompt: str | None,
        at: float,
    ) -> bool:
        """PENDING -> WAITING / MODAL with the aggregator's task id; False if not PENDING."""
        ...

    async def record_progress(self, changes: Sequence[Progress], *, at: float) -> set[int]:
        """Non-final changes of many jobs in one batch; jobs already finished are left
        alone. Returns the ids of the jobs written."""
        ...

    async def finish(
        self,
        job_id: int,
        *,
        status: JobStatus,
        progress: int,
        image_url: str | None,
        final_prompt: str | None,
        fail_reason: str | None,
        at: float,
        expected: Sequence[JobStatus] = (),
    ) -> Job | None:
        """Record a final status once: the job as stored now, or None (and nothing
        changed) if it was already final, or not in one of the `expected` statuses."""
        ...

    async def finish_many(
        self, finals: Sequence[Final], *, at: float, expected: Sequence[JobStatus] = ()
    ) -> list[Job]:
        """`finish` for many jobs in a few statements, whatever their number: the jobs
        written, as stored now, in the order given. A job already final (or not in one
        of the `expected` statuses) is left alone and not returned, even when another
        transaction finishes it meanwhile."""
        ...

    async def reopen(self, job_id: int, *, prompt: str, at: float) -> bool:
        """MODAL -> PENDING with the user's answer; False if it is no longer in MODAL."""
        ...

    async def move_message(self, job_id: int, message: MessageRef, *, at: float) -> None: ...

    async def mark_shown(self, job_id: int, status: JobStatus) -> None: ...

    async def mark_shown_many(self, marks: Mapping[int, JobStatus]) -> None:
        """`mark_shown` for many jobs in one transaction."""
        ...

    async def set_push_secret(self, job_id: int, secret_hash: str) -> None:
        """Store the SHA-256 of the job's current notifyHook secret (replacing any)."""
        ...

    async def push_secret_of(self, job_id: int) -> str | None:
        """The stored hash of the job's notifyHook secret; None if it has none."""
        ...

    async def by_task_id(self, task_id: str) -> Job | None:
        """The first job that followed this aggregator task."""
        ...

    async def list_for_user(self, user_id: int, *, limit: int, offset: int = 0) -> list[Job]:
        """A user's jobs: the unfinished first (oldest first), then the finished (newest
        first)."""
        ...

    async def count_for_user(self, user_id: int) -> int: ...

    async def pressed_buttons(self, job_id: int) -> set[int]:
        """Indices of this job's buttons that started a job."""
        ...

    async def list_expiring_private(self, *, before: float) -> list[Job]:
        """Unfinished jobs on an ephemeral or token-only message whose interaction token
        expires before `before` (they move to the user's DMs while the token works)."""
        ...


class ButtonStore(Protocol):
    async def replace(self, job_id: int, buttons: Sequence[ResultButton]) -> None:
        """Store a task's buttons in its order, replacing any earlier set."""
        ...

    async def replace_many(self, buttons: Mapping[int, Sequence[ResultButton]]) -> None:
        """`replace` for many jobs (job id -> its buttons) in two statements."""
        ...

    async def list(self, job_id: int) -> list[StoredButton]: ...

    async def get(self, job_id: int, index: int) -> StoredButton | None: ...

    async def claim_press(self, job_id: int, index: int, *, at: float, window: float) -> bool:
        """Record a press of the button at `at`; False (nothing changed) if it was pressed
        less than `window` seconds before, by this process or any other."""
        ...


class LeaseStore(Protocol):
    """Which process follows each in-flight job (PENDING, WAITING, IN_PROGRESS): a lease of
    `seconds` held by `owner`, this process's random id. Recording, reopening, submitting
    and finishing a job lease it to the process doing it (JobStore); the tracker renews
    them, takes over those whose holder died, and releases them all at a clean stop."""

    @property
    def owner(self) -> str: ...

    @property
    def seconds(self) -> float: ...

    @property
    def shared(self) -> bool:
        """Several processes may use the database at once (PostgreSQL; SQLite: one)."""
        ...

    async def claim(self, *, limit: int) -> list[Job]:
        """Up to `limit` in-flight jobs no live lease holds, now leased to this process;
        jobs another process is claiming at the same moment are skipped, never waited for."""
        ...

    async def claim_unshown(self, *, since: float, limit: int) -> list[Job]:
        """`JobStore.list_unshown_finals`, only those no live lease holds (the process that
        wrote them is gone), now leased to this process to deliver."""
        ...

    async def renew(self) -> dict[int, JobStatus]:
        """All this process's in-flight leases run `seconds` from now, in one statement:
        the ids and statuses of the jobs it holds."""
        ...

    async def mine(self, job_ids: Collection[int]) -> set[int]:
        """Which of these jobs this process holds a live lease on."""
        ...

    async def release(self) -> int:
        """End every lease of this process now (a clean stop); how many there were."""
        ...


class PreferenceStore(Protocol):
    async def get(self, user_id: int) -> UserPreferences | None: ...

    async def users_changed_since(self, since: float | None) -> list[int]:
        """Ids of the users whose row was written at or after `since` (all when None)."""
        ...

    async def put(
        self, preferences: UserPreferences, *, at: float, only: Collection[str] | None = None
    ) -> None:
        """Store the user's preferences; `only` names the fields to write over an
        existing row (the others keep what is stored)."""
        ...


class EditorLinkStore(Protocol):
    """Links to the Vary (Region) editor, keyed by the SHA-256 of their token."""

    async def add(self, link: EditorLink) -> None: ...

    async def get(self, token_hash: str) -> EditorLink | None: ...

    async def use(self, token_hash: str, *, at: float) -> bool:
        """Mark the link used at `at`; False (nothing changed) if it was used already or
        had expired by then."""
        ...

    async def release(self, token_hash: str, *, used_at: float) -> bool:
        """Undo the `use` made at `used_at` (nothing was submitted)."""
        ...

    async def purge(self, *, before: float) -> int:
        """Delete links that expired before `before`; how many."""
        ...


class TranslationStore(Protocol):
    """Translated prompts, by the model and the exact text it was sent."""

    async def get(self, model: str, source: str) -> str | None: ...

    async def put(self, model: str, source: str, translated: str, *, at: float) -> None:
        """Keep a translation; one already kept for the same model and text stays."""
        ...


class MetaStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...

    async def replace(self, key: str, expected: str, value: str) -> bool:
        """Store `value` if the key holds `expected` now; False (nothing changed) if not."""
        ...


class LedgerStore(Protocol):
    async def open_wallet(self, user_id: int, *, new_user_credits: int, at: float) -> Wallet:
        """The wallet, made on first use with `new_user_credits` (a ledger entry), and
        locked until the transaction ends."""
        ...

    async def wallet(self, user_id: int) -> Wallet | None: ...

    async def reserve(self, user_id: int, job_id: int, amount: int, *, at: float) -> bool:
        """Hold `amount` for the job; False (nothing changed) if not enough is available."""
        ...

    async def settle(self, job_id: int, *, at: float) -> bool:
        """The job's reservation is spent; False if it was settled or refunded already."""
        ...

    async def refund(self, job_id: int, *, at: float) -> bool:
        """The job's reservation goes back; False if it was settled or refunded already."""
        ...

    async def release_many(
        self, releases: Sequence[tuple[int, ChargeState]], *, at: float
    ) -> set[int]:
        """`settle` (SETTLED) and `refund` (REFUNDED) for many jobs in a few statements,
        whatever their number, with the same ledger entries in the order given; returns
        the ids whose reservation moved (the others were settled or refunded already)."""
        ...

    async def charge_state(self, job_id: int) -> ChargeState | None: ...

    async def grant(self, user_id: int, amount: int, *, admin_id: int, at: float) -> Wallet: ...

    async def revoke(self, user_id: int, amount: int, *, admin_id: int, at: float) -> int: ...

    async def add_codes(
        self, code_hashes: Sequence[str], credits: int, *, admin_id: int, at: float
    ) -> None: ...

    async def redeem(self, code_hash: str, user_id: int, *, at: float) -> int | None: ...

    async def entries(self, user_id: int, *, limit: int, offset: int = 0) -> list[LedgerEntry]: ...

    async def count_entries(self, user_id: int) -> int: ...

    async def totals(self, *, since: float = 0.0) -> dict[LedgerReason, tuple[int, int]]: ...


class PolicyStore(Protocol):
    async def lock_user(self, user_id: int) -> None:
        """Serialize this user's admissions until the transaction ends."""
        ...

    async def lock_guild(self, guild_id: int) -> None:
        """Serialize admissions against a server's daily budget (after lock_user)."""
        ...

    async def is_banned(self, user_id: int) -> bool: ...

    async def ban(self, user_id: int, *, admin_id: int, at: float) -> bool: ...

    async def unban(self, user_id: int) -> bool: ...

    async def guild_limits(self, guild_id: int) -> dict[str, str]: ...

    async def set_guild_limit(
        self, guild_id: int, setting: str, value: str, *, admin_id: int, at: float
    ) -> None: ...

    async def guild_limit_setters(self, guild_id: int) -> dict[str, int]:
        """Who set each of this server's overrides."""
        ...

    async def clear_guild_limit(self, guild_id: int, setting: str) -> bool:
        """Back to the settings' value; False if the server had no override."""
        ...

    async def record_audit(
        self,
        admin_id: int,
        action: str,
        *,
        at: float,
        guild_id: int | None = None,
        target_user_id: int | None = None,
        detail: str = "",
    ) -> None: ...

    async def unfinished_jobs(self, user_id: int, *, pending_since: float) -> int:
        """Jobs holding a place: waiting, running, asking for input, or being submitted
        (PENDING since `pending_since` or later)."""
        ...

    async def jobs_since(self, user_id: int, since: float) -> int:
        """Jobs that count toward a daily limit (not failed, not cancelled)."""
        ...

    async def guild_jobs_since(self, guild_id: int, since: float) -> int: ...

    async def last_job_at(self, user_id: int) -> float | None: ...


class StatsStore(Protocol):
    async def window(
        self, since: float, until: float, *, top: int = 5, guild_id: int | None = None
    ) -> WindowStats:
        """Jobs created, and credits settled or refunded, in [since, until); only those of
        one server's jobs when `guild_id` is given."""
        ...


class Stores(Protocol):
    @property
    def jobs(self) -> JobStore: ...

    @property
    def buttons(self) -> ButtonStore: ...

    @property
    def leases(self) -> LeaseStore: ...

    @property
    def meta(self) -> MetaStore: ...

    @property
    def ledger(self) -> LedgerStore: ...

    @property
    def policy(self) -> PolicyStore: ...

    @property
    def stats(self) -> StatsStore: ...

    @property
    def preferences(self) -> PreferenceStore: ...

    @property
    def editor_links(self) -> EditorLinkStore: ...

    @property
    def translations(self) -> TranslationStore: ...


class Storage(Stores, Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Stores]:
        """One transaction for every call made on the stores it yields."""
        ...

    async def close(self) -> None: ...
