"""The one gate every job passes, in the transaction that records it: commands, buttons
and modals alike are refused by the same rules and charged by the same wallet."""

from __future__ import annotations

from bot.core.credits import Credits
from bot.core.limits import Limits
from bot.core.models import Job, NewJob
from bot.core.ports import Stores


class Admission:
    def __init__(self, limits: Limits, credits: Credits) -> None:
        self.limits = limits
        self.credits = credits

    async def admit(self, stores: Stores, new: NewJob) -> None:
        """Before the job's row exists: may this user start it here, now?"""
        guild_id = new.origin.guild_id
        await stores.policy.lock_user(new.origin.user_id)
        limits = (await self.limits.effective(stores.policy, guild_id)).values
        if guild_id is not None and limits.daily_jobs_per_server:
            await stores.policy.lock_guild(guild_id)
        await self.limits.check(stores.policy, new, limits)

    async def affordable(self, stores: Stores, new: NewJob) -> None:
        """Could its payer pay for it now? (Nothing is reserved.)"""
        await self.credits.check_affordable(stores, new)

    async def charge(self, stores: Stores, new: NewJob, job: Job) -> None:
        """After the row exists: reserve its price (refusing rolls the job back)."""
        await self.credits.reserve(stores, new, job)
