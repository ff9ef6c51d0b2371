"""Wallets and the append-only credit ledger. Every change of a wallet writes its ledger
entry in the same transaction; conditional updates keep a balance from going negative and
settle or refund each job's charge once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import ChargeState, LedgerEntry, LedgerReason, Wallet
from bot.core.storage.engine import Scope
from bot.core.storage.jobs import chunks
from bot.core.storage.schema import job_charges, ledger, redeem_codes, wallets


class SqlLedgerStore:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def open_wallet(self, user_id: int, *, new_user_credits: int, at: float) -> Wallet:
        """The user's wallet, made on first use (with its new-user credits), and locked
        until the transaction ends, so one user's admissions happen one at a time."""
        upsert = self._scope.upsert(wallets)
        statement = upsert.values(
            user_id=user_id, available=new_user_credits, reserved=0, created_at=at
        ).on_conflict_do_nothing(index_elements=[wallets.c.user_id])
        async with self._scope.write() as conn:
            created = (await conn.execute(statement)).rowcount == 1
            if created and new_user_credits > 0:
                await _entry(conn, user_id, LedgerReason.NEW_USER, new_user_credits, 0, at=at)
            query = select(wallets).where(wallets.c.user_id == user_id).with_for_update()
            return _wallet((await conn.execute(query)).mappings().one())

    async def wallet(self, user_id: int) -> Wallet | None:
        async with self._scope.read() as conn:
            query = select(wallets).where(wallets.c.user_id == user_id)
            row = (await conn.execute(query)).mappings().first()
        return _wallet(row) if row else None

    async def reserve(self, user_id: int, job_id: int, amount: int, *, at: float) -> bool:
        async with self._scope.write() as conn:
            moved = await conn.execute(
                update(wallets)
                .where(wallets.c.user_id == user_id, wallets.c.available >= amount)
                .values(
                    available=wallets.c.available - amount, reserved=wallets.c.reserved + amount
                )
            )
            if moved.rowcount != 1:
                return False
            await conn.execute(
                insert(job_charges).values(
                    job_id=job_id,
                    user_id=user_id,
                    amount=amount,
                    state=ChargeState.RESERVED.value,
                    updated_at=at,
                )
            )
            await _entry(conn, user_id, LedgerReason.RESERVE, -amount, amount, job_id=job_id, at=at)
        return True

    async def settle(self, job_id: int, *, at: float) -> bool:
        return await self._release(job_id, ChargeState.SETTLED, at=at)

    async def refund(self, job_id: int, *, at: float) -> bool:
        return await self._release(job_id, ChargeState.REFUNDED, at=at)

    async def _release(self, job_id: int, state: ChargeState, *, at: float) -> bool:
        """Move a job's reservation to spent or back to available, once."""
        async with self._scope.write() as conn:
            claimed = (
                await conn.execute(
                    update(job_charges)
                    .where(
                        job_charges.c.job_id == job_id,
                        job_charges.c.state == ChargeState.RESERVED.value,
                    )
                    .values(state=state.value, updated_at=at)
                    .returning(job_charges.c.user_id, job_charges.c.amount)
                )
            ).first()
            if claimed is None:
                return False
            user_id, amount = claimed
            refunded = state is ChargeState.REFUNDED
            await conn.execute(
                update(wallets)
                .where(wallets.c.user_id == user_id)
                .values(
                    reserved=wallets.c.reserved - amount,
                    available=wallets.c.available + (amount if refunded else 0),
                )
            )
            reason = LedgerReason.REFUND if refunded else LedgerReason.SETTLE
            delta = amount if refunded else 0
            await _entry(conn, user_id, reason, delta, -amount, job_id=job_id, at=at)
        return True

    async def release_many(
        self, releases: Sequence[tuple[int, ChargeState]], *, at: float
    ) -> set[int]:
        """`_release` for many jobs: the reservations still held (locked), their claims
        in one batch, each wallet changed once by its jobs' sum, and the ledger entries
        (the same as one `_release` each would write, in the order given) in one batch."""
        wanted: dict[int, ChargeState] = {}
        for job_id, state in releases:
            if state not in (ChargeState.SETTLED, ChargeState.REFUNDED):
                raise ValueError(f"{state} is not a release")
            wanted.setdefault(job_id, state)
        if not wanted:
            return set()
        async with self._scope.write() as conn:
            held: dict[int, tuple[int, int]] = {}  # job id -> (user id, amount)
            for chunk in chunks(list(wanted)):
                query = (
                    select(job_charges.c.job_id, job_charges.c.user_id, job_charges.c.amount)
                    .where(
                        job_charges.c.job_id.in_(chunk),
                        job_charges.c.state == ChargeState.RESERVED.value,
                    )
                    .order_by(job_charges.c.job_id)
                    .with_for_update()
                )
                for job_id, user_id, amount in (await conn.execute(query)).all():
                    held[int(job_id)] = (int(user_id), int(amount))
            if not held:
                return set()
            claimed = [(job_id, state) for job_id, state in wanted.items() if job_id in held]
            result = await conn.execute(
                update(job_charges)
                .where(
                    job_charges.c.job_id == bindparam("b_job_id"),
                    job_charges.c.state == ChargeState.RESERVED.value,
                )
                .values(state=bindparam("b_state"), updated_at=at),
                [{"b_job_id": job_id, "b_state": state.value} for job_id, state in claimed],
            )
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(claimed):
                raise RuntimeError("a locked reservation changed under its release")
            moves: dict[int, tuple[int, int]] = {}  # user id -> (reserved -, available +)
            entries = []
            for job_id, state in claimed:
                user_id, amount = held[job_id]
                refunded = state is ChargeState.REFUNDED
                delta = amount if refunded else 0
                less, more = moves.get(user_id, (0, 0))
                moves[user_id] = (less + amount, more + delta)
                reason = LedgerReason.REFUND if refunded else LedgerReason.SETTLE
                entries.append(
                    {
                        "user_id": user_id,
                        "reason": reason.value,
                        "delta": delta,
                        "held": -amount,
                        "job_id": job_id,
                        "admin_id": None,
                        "created_at": at,
                    }
                )
            await conn.execute(
                update(wallets)
                .where(wallets.c.user_id == bindparam("b_user_id"))
                .values(
                    reserved=wallets.c.reserved - bindparam("b_less"),
                    available=wallets.c.available + bindparam("b_more"),
                ),
                [
                    {"b_user_id": user_id, "b_less": less, "b_more": more}
                    for user_id, (less, more) in sorted(moves.items())
                ],
            )
            await conn.execute(insert(ledger), entries)
        return {job_id for job_id, _ in claimed}

    async def charge_state(self, job_id: int) -> ChargeState | None:
        async with self._scope.read() as conn:
            query = select(job_charges.c.state).where(job_charges.c.job_id == job_id)
            value = (await conn.execute(query)).scalar_one_or_none()
        return ChargeState(value) if value else None

    async def grant(self, user_id: int, amount: int, *, admin_id: int, at: float) -> Wallet:
        async with self._scope.write() as conn:
            await self._ensure(conn, user_id, at)
            await conn.execute(
                update(wallets)
                .where(wallets.c.user_id == user_id)
                .values(available=wallets.c.available + amount)
            )
            await _entry(conn, user_id, LedgerReason.GRANT, amount, 0, admin_id=admin_id, at=at)
            return await self._read_wallet(conn, user_id)

    async def revoke(self, user_id: int, amount: int, *, admin_id: int, at: float) -> int:
        """Take up to `amount` of the available credits; returns how many were taken."""
        async with self._scope.write() as conn:
            await self._ensure(conn, user_id, at)
            wallet = await self._read_wallet(conn, user_id, lock=True)
            taken = min(amount, wallet.available)
            if taken > 0:
                await conn.execute(
                    update(wallets)
                    .where(wallets.c.user_id == user_id)
                    .values(available=wallets.c.available - taken)
                )
                await _entry(
                    conn, user_id, LedgerReason.REVOKE, -taken, 0, admin_id=admin_id, at=at
                )
        return taken

    async def add_codes(
        self, code_hashes: Sequence[str], credits: int, *, admin_id: int, at: float
    ) -> None:
        rows = [
            {"code_hash": h, "credits": credits, "created_by": admin_id, "created_at": at}
            for h in code_hashes
        ]
        async with self._scope.write() as conn:
            await conn.execute(insert(redeem_codes), rows)

    async def redeem(self, code_hash: str, user_id: int, *, at: float) -> int | None:
        """The credits of an unused code, now the user's; None if unknown or used."""
        async with self._scope.write() as conn:
            credits = (
                await conn.execute(
                    update(redeem_codes)
                    .where(
                        redeem_codes.c.code_hash == code_hash, redeem_codes.c.redeemed_by.is_(None)
                    )
                    .values(redeemed_by=user_id, redeemed_at=at)
                    .returning(redeem_codes.c.credits)
                )
            ).scalar_one_or_none()
            if credits is None:
                return None
            await self._ensure(conn, user_id, at)
            await conn.execute(
                update(wallets)
                .where(wallets.c.user_id == user_id)
                .values(available=wallets.c.available + credits)
            )
            await _entry(conn, user_id, LedgerReason.REDEEM, int(credits), 0, at=at)
        return int(credits)

    async def entries(self, user_id: int, *, limit: int, offset: int = 0) -> list[LedgerEntry]:
        query = (
            select(ledger)
            .where(ledger.c.user_id == user_id)
            .order_by(ledger.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._scope.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [LedgerEntry.model_validate(dict(row)) for row in rows]

    async def count_entries(self, user_id: int) -> int:
        query = select(func.count()).select_from(ledger).where(ledger.c.user_id == user_id)
        async with self._scope.read() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def totals(self, *, since: float = 0.0) -> dict[LedgerReason, tuple[int, int]]:
        """(sum of delta, sum of held) per reason over entries since `since`."""
        query = (
            select(ledger.c.reason, func.sum(ledger.c.delta), func.sum(ledger.c.held))
            .where(ledger.c.created_at >= since)
            .group_by(ledger.c.reason)
        )
        async with self._scope.read() as conn:
            rows = (await conn.execute(query)).all()
        return {LedgerReason(r): (int(d or 0), int(h or 0)) for r, d, h in rows}

    async def _ensure(self, conn: AsyncConnection, user_id: int, at: float) -> None:
        upsert = self._scope.upsert(wallets)
        await conn.execute(
            upsert.values(
                user_id=user_id, available=0, reserved=0, created_at=at
            ).on_conflict_do_nothing(index_elements=[wallets.c.user_id])
        )

    @staticmethod
    async def _read_wallet(conn: AsyncConnection, user_id: int, *, lock: bool = False) -> Wallet:
        query = select(wallets).where(wallets.c.user_id == user_id)
        if lock:
            query = query.with_for_update()
        return _wallet((await conn.execute(query)).mappings().one())


async def _entry(
    conn: AsyncConnection,
    user_id: int,
    reason: LedgerReason,
    delta: int,
    held: int,
    *,
    at: float,
    job_id: int | None = None,
    admin_id: int | None = None,
) -> None:
    await conn.execute(
        insert(ledger).values(
            user_id=user_id,
            reason=reason.value,
            delta=delta,
            held=held,
            job_id=job_id,
            admin_id=admin_id,
            created_at=at,
        )
    )


def _wallet(row: RowMapping) -> Wallet:
    return Wallet(user_id=row["user_id"], available=row["available"], reserved=row["reserved"])
