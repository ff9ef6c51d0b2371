"""What a job costs: a price per kind of work, from the operator's PRICES setting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.models import JobKind

DEFAULT_PRICE = 1


class PriceKind(StrEnum):
    IMAGINE = "imagine"
    BLEND = "blend"
    DESCRIBE = "describe"
    SHORTEN = "shorten"
    UPSCALE = "upscale"
    VARIATION = "variation"  # V1-V4
    REROLL = "reroll"
    ZOOM = "zoom"  # Zoom Out, Make Square, Custom Zoom
    PAN = "pan"
    VARY = "vary"  # Vary (Strong) / (Subtle)
    REGION = "region"  # Vary (Region)
    MODAL = "modal"  # added to an action that asks for the user's input first
    SWAPFACE = "swapface"
    VIDEO = "video"  # Animate, Extend and the video upscales: several images' work upstream


_DEFAULTS = {kind: DEFAULT_PRICE for kind in PriceKind} | {PriceKind.MODAL: 0}
_BY_JOB_KIND = {
    JobKind.IMAGINE: PriceKind.IMAGINE,
    JobKind.BLEND: PriceKind.BLEND,
    JobKind.DESCRIBE: PriceKind.DESCRIBE,
    JobKind.SHORTEN: PriceKind.SHORTEN,
    JobKind.SWAPFACE: PriceKind.SWAPFACE,
}
# Aggregator button ids (shared/mj-api.md) -> what the press produces.
_ACTIONS: tuple[tuple[re.Pattern[str], PriceKind], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"MJ::JOB::upsample", PriceKind.UPSCALE),
        (r"MJ::JOB::(?:low|high)_variation", PriceKind.VARY),
        (r"MJ::JOB::variation", PriceKind.VARIATION),
        (r"MJ::JOB::reroll", PriceKind.REROLL),
        (r"MJ::JOB::pan_", PriceKind.PAN),
        (r"MJ::(?:Outpaint|CustomZoom)::", PriceKind.ZOOM),
        (r"MJ::Inpaint::", PriceKind.REGION),
        (r"MJ::JOB::(?:animate_|video_)", PriceKind.VIDEO),
    )
)


def price_kind(kind: JobKind, custom_id: str | None = None) -> PriceKind:
    """The kind of work a job is, for pricing and statistics."""
    if kind in _BY_JOB_KIND:
        return _BY_JOB_KIND[kind]
    for pattern, priced in _ACTIONS:
        if custom_id and pattern.match(custom_id):
            return priced
    return PriceKind.VARIATION  # other aggregator actions produce a new grid


@dataclass(frozen=True)
class Prices:
    table: Mapping[PriceKind, int] = field(default_factory=lambda: dict(_DEFAULTS))

    def of(self, kind: PriceKind, *, asks_first: bool = False) -> int:
        """The price of one job; an action that opens a modal first adds `modal`."""
        return self.table[kind] + (self.table[PriceKind.MODAL] if asks_first else 0)


def parse_prices(text: str) -> Prices:
    """`kind=credits` pairs, comma-separated; raises ValueError naming the bad part."""
    table = dict(_DEFAULTS)
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not sep or name not in PriceKind.__members__.values():
            known = ", ".join(kind.value for kind in PriceKind)
            raise ValueError(f"'{part}' is not kind=credits with a kind among {known}")
        if not value.isdigit():
            raise ValueError(f"'{part}': the price must be a whole number of credits, 0 or more")
        table[PriceKind(name)] = int(value)
    return Prices(table)
