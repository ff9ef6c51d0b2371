"""Credits: a wallet per Discord user, reserved in the transaction that records a job,
settled when its task succeeds and refunded on every other ending, each exactly once.

Community mode (credits off) charges nothing; reservations made while credits were on
are still settled or refunded."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Sequence

from bot.core.events import Cause, JobEvent
from bot.core.models import ChargeState, Job, JobStatus, NewJob, Wallet
from bot.core.ports import LedgerStore, Stores
from bot.core.pricing import Prices, price_kind
from bot.core.validation import Rejection, RequestRejectedError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud without doubt
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4


class Credits:
    def __init__(
        self,
        prices: Prices,
        *,
        enabled: bool,
        new_user_credits: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.prices = prices
        self.enabled = enabled
        self._new_user_credits = new_user_credits
        self._clock = clock

    def price(self, new: NewJob) -> int:
        kind = price_kind(new.kind, (new.options or {}).get("custom_id"))
        return self.prices.of(kind, asks_first=new.asks_first) if self.enabled else 0

    async def open_wallet(self, ledger: LedgerStore, user_id: int) -> Wallet | None:
        """The user's wallet, made at their first interaction with their new-user credits;
        None in community mode."""
        if not self.enabled:
            return None
        return await ledger.open_wallet(
            user_id, new_user_credits=self._new_user_credits, at=self._clock()
        )

    async def check_affordable(self, stores: Stores, new: NewJob) -> None:
        """Refuse, as `reserve` would, a job its payer cannot pay for now."""
        amount = self.price(new)
        if amount <= 0:
            return
        wallet = await self.open_wallet(stores.ledger, new.payer)
        assert wallet is not None
        if wallet.available < amount:
            if new.payer != new.origin.user_id:
                raise RequestRejectedError(Rejection.OWNER_NO_CREDITS)
            raise RequestRejectedError(
                Rejection.NO_CREDITS, price=amount, available=wallet.available
            )

    async def reserve(self, stores: Stores, new: NewJob, job: Job) -> None:
        """Hold the job's price from its payer, or refuse it (the transaction rolls back)."""
        amount = self.price(new)
        if amount <= 0:
            return
        wallet = await self.open_wallet(stores.ledger, new.payer)
        assert wallet is not None
        if not await stores.ledger.reserve(new.payer, job.id, amount, at=self._clock()):
            if new.payer != new.origin.user_id:  # owner_pays: their balance is their own
                raise RequestRejectedError(Rejection.OWNER_NO_CREDITS)
            raise RequestRejectedError(
                Rejection.NO_CREDITS, price=amount, available=wallet.available
            )

    async def on_job_event(self, stores: Stores, event: JobEvent) -> None:
        """In the transaction that records a final state: spend or give back, once. A
        submit the aggregator answered with an existing task is not charged again."""
        await self.on_job_events(stores, [event])

    async def on_job_events(self, stores: Stores, events: Sequence[JobEvent]) -> None:
        """`on_job_event` for every change of one transaction (a whole polling tick):
        the settles and refunds of all its final states in one batch."""
        releases: list[tuple[int, ChargeState]] = []
        for event in events:
            if event.cause is Cause.SUBMITTED and event.duplicate:
                task_id = event.job.task_id
                # Only when another job already pays for that task (not one whose own
                # submit timed out and was never confirmed: it is refunded at its deadline).
                if task_id and await stores.jobs.task_followed(task_id, besides=event.job.id):
                    releases.append((event.job.id, ChargeState.REFUNDED))
                continue
            if not event.finished or event.previous is None or event.previous.is_terminal:
                continue
            if event.job.status is JobStatus.SUCCESS:
                releases.append((event.job.id, ChargeState.SETTLED))
            else:
                releases.append((event.job.id, ChargeState.REFUNDED))
        if len(releases) == 1:  # one job: the single-job statements, as before
            ((job_id, state),) = releases
            if state is ChargeState.SETTLED:
                await stores.ledger.settle(job_id, at=self._clock())
            else:
                await stores.ledger.refund(job_id, at=self._clock())
        elif releases:
            await stores.ledger.release_many(releases, at=self._clock())


def new_code() -> str:
    """A one-time code such as MJ7K-3QXP-9ZTA: letters and digits, at least one digit."""
    while True:
        groups = [
            "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
            for _ in range(CODE_GROUPS)
        ]
        code = "-".join(groups)
        if any(ch.isdigit() for ch in code):
            return code


def normalize_code(text: str) -> str:
    return "".join(text.split()).upper()


def code_hash(code: str) -> str:
    """What is stored: a copied database does not give away unused codes."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()
