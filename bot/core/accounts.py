"""What users and admins do with credits and limits outside of jobs: balances, codes,
grants, bans and per-server limits. Every admin action names its admin in the ledger or
the audit trail."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.admission import Admission
from bot.core.credits import code_hash, new_code
from bot.core.limits import (
    DAY,
    EffectiveLimits,
    LimitSetting,
    format_limit,
    loosens,
    next_utc_midnight,
    parse_limit,
)
from bot.core.models import LedgerEntry, Wallet
from bot.core.ports import Storage
from bot.core.validation import Rejection, RequestRejectedError

MAX_CODES = 100
MAX_AMOUNT = 1_000_000_000
LEDGER_PAGE = 10
RESET_WORDS = ("default", "reset")


@dataclass(frozen=True)
class BalanceView:
    """What /balance shows."""

    credits_enabled: bool
    wallet: Wallet | None  # None in community mode
    jobs_today: int
    limits: EffectiveLimits
    exempt: bool
    resets_at: int  # next UTC midnight, for the daily limits


@dataclass(frozen=True)
class OperatorsLimit:
    value: Any
    by_operator: bool = False

    @property
    def text(self) -> str:
        return format_limit(self.value)


@dataclass(frozen=True)
class LedgerPage:
    entries: list[LedgerEntry]
    page: int
    pages: int


class Accounts:
    def __init__(
        self,
        storage: Storage,
        admission: Admission,
        *,
        admin_user_ids: frozenset[int] = frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self._admission = admission
        self._admins = admin_user_ids
        self._clock = clock

    @property
    def credits_enabled(self) -> bool:
        return self._admission.credits.enabled

    def is_admin(self, user_id: int, *, manages_server: bool) -> bool:
        """Members with Manage Server in that server, and ADMIN_USER_IDS everywhere."""
        return manages_server or user_id in self._admins

    def is_operator(self, user_id: int, *, manages_server: bool) -> bool:
        """Who may grant, revoke, make codes and ban. Wallets and bans count in every
        server, so once ADMIN_USER_IDS names the operators, a server's own managers may
        not; without it (one community running its own bot) Manage Server suffices."""
        return user_id in self._admins or (manages_server and not self._admins)

    async def first_seen(self, user_id: int) -> None:
        """Any interaction: a new user's wallet is made, with its new-user credits.
        Read first, so a known user costs no write."""
        if self.credits_enabled and await self._storage.ledger.wallet(user_id) is None:
            async with self._storage.transaction() as stores:
                await self._admission.credits.open_wallet(stores.ledger, user_id)

    async def balance(self, user_id: int, guild_id: int | None) -> BalanceView:
        now = self._clock()
        midnight = next_utc_midnight(now)
        wallet = None
        if self.credits_enabled:
            wallet = await self._storage.ledger.wallet(user_id) or Wallet(user_id=user_id)
        limits = await self._admission.limits.effective(self._storage.policy, guild_id)
        return BalanceView(
            credits_enabled=self.credits_enabled,
            wallet=wallet,
            jobs_today=await self._storage.policy.jobs_since(user_id, midnight - DAY),
            limits=limits,
            exempt=self._admission.limits.is_exempt(user_id),
            resets_at=int(midnight),
        )

    async def redeem(self, user_id: int, code: str) -> Wallet:
        self._need_credits()
        async with self._storage.transaction() as stores:
            await self._admission.credits.open_wallet(stores.ledger, user_id)
            credits = await stores.ledger.redeem(code_hash(code), user_id, at=self._clock())
            if credits is None:
                raise RequestRejectedError(Rejection.CODE_INVALID)
        return await self.wallet(user_id)

    # ---------------------------------------------------------------- admins

    async def grant(self, admin_id: int, user_id: int, amount: int) -> Wallet:
        _check_amount(amount)
        async with self._storage.transaction() as stores:
            # A user granted before their first interaction still gets new-user credits.
            await self._admission.credits.open_wallet(stores.ledger, user_id)
            return await stores.ledger.grant(user_id, amount, admin_id=admin_id, at=self._clock())

    async def revoke(self, admin_id: int, user_id: int, amount: int) -> tuple[int, Wallet]:
        """Takes up to `amount` of the available credits (never reserved ones)."""
        _check_amount(amount)
        async with self._storage.transaction() as stores:
            await self._admission.credits.open_wallet(stores.ledger, user_id)
            taken = await stores.ledger.revoke(user_id, amount, admin_id=admin_id, at=self._clock())
        return taken, await self.wallet(user_id)

    async def wallet(self, user_id: int) -> Wallet:
        return await self._storage.ledger.wallet(user_id) or Wallet(user_id=user_id)

    async def make_codes(
        self, admin_id: int, count: int, credits: int, *, guild_id: int | None
    ) -> list[str]:
        """One-time codes; only their hashes are stored."""
        if not 1 <= count <= MAX_CODES:
            raise RequestRejectedError(Rejection.AMOUNT_INVALID, min=1, max=MAX_CODES)
        _check_amount(credits)
        codes = [new_code() for _ in range(count)]
        now = self._clock()
        async with self._storage.transaction() as stores:
            await stores.ledger.add_codes(
                [code_hash(code) for code in codes], credits, admin_id=admin_id, at=now
            )
            await stores.policy.record_audit(
                admin_id, "codes", at=now, guild_id=guild_id, detail=f"{count} x {credits}"
            )
        return codes

    async def ban(self, admin_id: int, user_id: int, *, guild_id: int | None) -> bool:
        now = self._clock()
        async with self._storage.transaction() as stores:
            changed = await stores.policy.ban(user_id, admin_id=admin_id, at=now)
            await stores.policy.record_audit(
                admin_id, "ban", at=now, guild_id=guild_id, target_user_id=user_id
            )
        return changed

    async def unban(self, admin_id: int, user_id: int, *, guild_id: int | None) -> bool:
        now = self._clock()
        async with self._storage.transaction() as stores:
            changed = await stores.policy.unban(user_id)
            await stores.policy.record_audit(
                admin_id, "unban", at=now, guild_id=guild_id, target_user_id=user_id
            )
        return changed

    async def limits(self, guild_id: int | None) -> EffectiveLimits:
        return await self._admission.limits.effective(self._storage.policy, guild_id)

    async def set_limit(
        self,
        admin_id: int,
        guild_id: int,
        setting: LimitSetting,
        text: str,
        *,
        operator: bool = True,
    ) -> EffectiveLimits:
        """Set a limit for this server; `default` puts the settings' value back. A server's
        own managers (not operators) may only make the settings' limits stricter, and may
        not change one an operator set for this server."""
        reset = text.strip().lower() in RESET_WORDS
        floor = None if operator else await self._operators_limit(guild_id, setting)
        if floor is not None and floor.by_operator:
            # Changed by a manager, even to stricter, it would lose the operator's mark.
            raise RequestRejectedError(
                Rejection.LIMIT_SET_BY_OPERATOR, setting=setting.value, value=floor.text
            )
        if reset:
            now = self._clock()
            async with self._storage.transaction() as stores:
                await stores.policy.clear_guild_limit(guild_id, setting.value)
                await stores.policy.record_audit(
                    admin_id, "limit", at=now, guild_id=guild_id, detail=f"{setting}=default"
                )
            return await self.limits(guild_id)
        try:
            value = parse_limit(setting, text)
        except ValueError as exc:
            raise RequestRejectedError(
                Rejection.LIMIT_VALUE_INVALID, setting=setting.value, problem=str(exc)
            ) from exc
        if floor is not None and loosens(setting, floor.value, value):
            raise RequestRejectedError(
                Rejection.LIMIT_LOOSER, setting=setting.value, default=floor.text
            )
        stored = format_limit(value)
        now = self._clock()
        async with self._storage.transaction() as stores:
            await stores.policy.set_guild_limit(
                guild_id, setting.value, stored, admin_id=admin_id, at=now
            )
            await stores.policy.record_audit(
                admin_id, "limit", at=now, guild_id=guild_id, detail=f"{setting}={stored}"
            )
        return await self.limits(guild_id)

    async def _operators_limit(self, guild_id: int, setting: LimitSetting) -> OperatorsLimit:
        """What a server's managers may not loosen: an operator's override for this
        server, else the settings' value."""
        setters = await self._storage.policy.guild_limit_setters(guild_id)
        if setters.get(setting.value) in self._admins:
            current = getattr((await self.limits(guild_id)).values, setting.value)
            return OperatorsLimit(current, by_operator=True)
        return OperatorsLimit(getattr(self._admission.limits.defaults, setting.value))

    async def ledger_page(self, user_id: int, page: int) -> LedgerPage:
        total = await self._storage.ledger.count_entries(user_id)
        pages = max(1, -(-total // LEDGER_PAGE))
        page = min(max(page, 0), pages - 1)
        entries = await self._storage.ledger.entries(
            user_id, limit=LEDGER_PAGE, offset=page * LEDGER_PAGE
        )
        return LedgerPage(entries, page, pages)

    def _need_credits(self) -> None:
        if not self.credits_enabled:
            raise RequestRejectedError(Rejection.CREDITS_OFF)


def _check_amount(amount: int) -> None:
    if not 1 <= amount <= MAX_AMOUNT:
        raise RequestRejectedError(Rejection.AMOUNT_INVALID, min=1, max=MAX_AMOUNT)
