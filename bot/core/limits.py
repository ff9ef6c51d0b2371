"""Who may start a job, where and how often: bans, channels, roles, a cooldown, running
jobs, daily jobs per user and per server. Settings give the defaults; a server's admins
override them at run time (stored per server). Users in ADMIN_USER_IDS are exempt."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.core.models import NewJob
from bot.core.ports import PolicyStore
from bot.core.validation import Rejection, RequestRejectedError

DAY = 86400.0
# Longer than any submit can take (REQUEST_TIMEOUT_SECONDS is at most 300): a job still
# PENDING after that lost its answer and stops holding a place among the running ones.
SUBMIT_WINDOW_SECONDS = 360.0


class LimitSetting(StrEnum):
    """Limit names as `/mjadmin limits` takes them (the settings' names in lower case)."""

    MAX_CONCURRENT_JOBS_PER_USER = "max_concurrent_jobs_per_user"
    DAILY_JOBS_PER_USER = "daily_jobs_per_user"
    DAILY_JOBS_PER_SERVER = "daily_jobs_per_server"
    COOLDOWN_SECONDS = "cooldown_seconds"
    ALLOWED_CHANNEL_IDS = "allowed_channel_ids"
    ALLOWED_ROLE_IDS = "allowed_role_ids"


class Source(StrEnum):
    SETTINGS = "settings"
    SERVER = "server"


@dataclass(frozen=True)
class LimitValues:
    max_concurrent_jobs_per_user: int = 3  # 0 = unlimited
    daily_jobs_per_user: int = 0  # 0 = unlimited
    daily_jobs_per_server: int = 0  # 0 = unlimited
    cooldown_seconds: float = 0.0
    allowed_channel_ids: frozenset[int] = frozenset()  # empty = everywhere
    allowed_role_ids: frozenset[int] = frozenset()  # empty = everyone


@dataclass(frozen=True)
class EffectiveLimits:
    values: LimitValues
    sources: Mapping[LimitSetting, Source]


def parse_ids(text: str) -> frozenset[int]:
    """Comma-separated Discord ids; raises ValueError on anything else."""
    parts = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise ValueError("must be Discord ids separated by commas")
    return frozenset(int(part) for part in parts)


def parse_limit(setting: LimitSetting, text: str) -> Any:
    """The typed value of one limit from what an admin typed; ValueError if it is not."""
    text = text.strip()
    if setting in (LimitSetting.ALLOWED_CHANNEL_IDS, LimitSetting.ALLOWED_ROLE_IDS):
        return frozenset() if text.lower() in ("", "none", "all", "-") else parse_ids(text)
    if setting is LimitSetting.COOLDOWN_SECONDS:
        value = float(text)
        if not math.isfinite(value) or value < 0:
            raise ValueError("must be 0 or more seconds")
        return value
    if not text.isdigit():
        raise ValueError("must be a whole number, 0 for unlimited")
    return int(text)


def loosens(setting: LimitSetting, default: Any, value: Any) -> bool:
    """Would `value` allow more than the operator's `default` does?"""
    if setting in (LimitSetting.ALLOWED_CHANNEL_IDS, LimitSetting.ALLOWED_ROLE_IDS):
        return bool(default) and not (value and value <= default)  # empty = everywhere
    if setting is LimitSetting.COOLDOWN_SECONDS:
        return bool(value < default)
    return bool(default) and (value == 0 or value > default)  # 0 = unlimited


def format_limit(value: Any) -> str:
    if isinstance(value, frozenset):
        return ", ".join(str(i) for i in sorted(value)) or "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def with_overrides(defaults: LimitValues, overrides: Mapping[str, str]) -> EffectiveLimits:
    values, sources = defaults, {setting: Source.SETTINGS for setting in LimitSetting}
    for name, text in overrides.items():
        try:
            setting = LimitSetting(name)
            values = replace(values, **{setting.value: parse_limit(setting, text)})
        except ValueError:
            continue  # a value stored by an older bot that this one reads differently
        sources[setting] = Source.SERVER
    return EffectiveLimits(values, sources)


def next_utc_midnight(now: float) -> float:
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (day + timedelta(days=1)).timestamp()


class Limits:
    def __init__(
        self,
        defaults: LimitValues,
        *,
        exempt_user_ids: frozenset[int] = frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.defaults = defaults
        self._exempt = exempt_user_ids
        self._clock = clock

    def is_exempt(self, user_id: int) -> bool:
        return user_id in self._exempt

    async def effective(self, policy: PolicyStore, guild_id: int | None) -> EffectiveLimits:
        overrides = await policy.guild_limits(guild_id) if guild_id is not None else {}
        return with_overrides(self.defaults, overrides)

    async def check(
        self, policy: PolicyStore, new: NewJob, limits: LimitValues | None = None
    ) -> None:
        """Refuse a job the rules do not allow; called in the transaction that records it,
        before its row exists, after `lock_user` so one user's requests queue."""
        origin = new.origin
        user = origin.user_id
        if self.is_exempt(user):
            return
        if await policy.is_banned(user):
            raise RequestRejectedError(Rejection.BANNED)
        if limits is None:
            limits = (await self.effective(policy, origin.guild_id)).values
        channel = origin.message.channel_id
        if limits.allowed_channel_ids and channel not in limits.allowed_channel_ids:
            raise RequestRejectedError(Rejection.CHANNEL_NOT_ALLOWED)
        # Outside a server (a DM) nobody has a role: with roles required, it is refused.
        if limits.allowed_role_ids and not limits.allowed_role_ids & origin.role_ids:
            raise RequestRejectedError(Rejection.ROLE_NOT_ALLOWED)
        now = self._clock()
        last = await policy.last_job_at(user)
        cooling = limits.cooldown_seconds and not new.same_request
        if cooling and last is not None and now - last < limits.cooldown_seconds:
            again = math.ceil(last + limits.cooldown_seconds)
            raise RequestRejectedError(
                Rejection.COOLDOWN, seconds=format_limit(limits.cooldown_seconds), at=again
            )
        running = limits.max_concurrent_jobs_per_user
        window = now - SUBMIT_WINDOW_SECONDS
        if running and await policy.unfinished_jobs(user, pending_since=window) >= running:
            raise RequestRejectedError(Rejection.TOO_MANY_RUNNING, max=running)
        midnight = next_utc_midnight(now)
        day_start = midnight - DAY
        daily = limits.daily_jobs_per_user
        if daily and await policy.jobs_since(user, day_start) >= daily:
            raise RequestRejectedError(Rejection.DAILY_LIMIT, max=daily, at=int(midnight))
        budget = limits.daily_jobs_per_server
        if (
            budget
            and origin.guild_id is not None
            and await policy.guild_jobs_since(origin.guild_id, day_start) >= budget
        ):
            raise RequestRejectedError(Rejection.SERVER_DAILY_LIMIT, max=budget, at=int(midnight))
