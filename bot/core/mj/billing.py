"""The aggregator key's remaining quota, where a relay answers the OpenAI-style billing
endpoints (new-api, one-api): `GET /v1/dashboard/billing/subscription` and `.../usage`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BILLING_PATH = "/v1/dashboard/billing"  # at the root, not under /mj


@dataclass(frozen=True)
class Quota:
    """What the aggregator key may still spend, in USD (new-api / one-api billing)."""

    limit_usd: float
    used_usd: float

    @property
    def remaining_usd(self) -> float:
        return self.limit_usd - self.used_usd


def quota_of(subscription: Any, usage: Any) -> Quota | None:
    """The quota from `GET .../billing/subscription` and `.../billing/usage` answers
    (`hard_limit_usd`, else `system_hard_limit_usd`; `total_usage` in cents)."""
    if not isinstance(subscription, dict) or not isinstance(usage, dict):
        return None
    limit = subscription.get("hard_limit_usd")
    if limit is None:
        limit = subscription.get("system_hard_limit_usd")
    used = usage.get("total_usage")
    if not isinstance(limit, int | float) or not isinstance(used, int | float):
        return None
    if isinstance(limit, bool) or isinstance(used, bool):
        return None
    return Quota(limit_usd=float(limit), used_usd=float(used) / 100.0)
