"""One-shot 429s, shaped so discord.py's retry logic (not its Cloudflare-ban path) kicks in."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import DiscordError


@dataclass
class PendingRateLimit:
    method: str | None
    route: str | None  # spec path template or concrete path; None matches any
    retry_after: float
    is_global: bool
    remaining: int

    def matches(self, method: str, route: str, path: str) -> bool:
        return self.method in (None, method) and self.route in (None, route, path)

    def error(self) -> DiscordError:
        headers = {
            "Retry-After": str(math.ceil(self.retry_after)),
            "X-RateLimit-Scope": "global" if self.is_global else "user",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": "fakebucket",
            # discord.py and its webhook adapter treat a 429 without Via as a Cloudflare ban.
            "Via": "1.1 google",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"retry_after": self.retry_after, "global": self.is_global}
        return DiscordError(429, 0, "You are being rate limited.", headers=headers, extra=body)
