"""Request counters and a bounded request log, so tests can see what a client sent."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

MAX_RECORDS = 20_000


@dataclass(frozen=True)
class RequestRecord:
    method: str
    endpoint: str  # e.g. "submit/imagine", "task/fetch", "task/list-by-condition"
    mode: str | None  # FAST | RELAX | TURBO from the path prefix, None for plain /mj
    body_json: Any  # parsed JSON body; None for GET or an unparsable body


class RequestLog:
    def __init__(self, maxlen: int = MAX_RECORDS) -> None:
        self.counts: Counter[str] = Counter()
        self.records: deque[RequestRecord] = deque(maxlen=maxlen)

    def record(self, rec: RequestRecord) -> None:
        self.counts[rec.endpoint] += 1
        self.counts["total"] += 1  # "total" counts midjourney API requests only
        self.records.append(rec)

    def record_image(self) -> None:
        self.counts["image"] += 1  # image downloads are tallied but not in "total"

    def record_other(self, endpoint: str) -> None:
        self.counts[endpoint] += 1  # e.g. billing: not a midjourney route, not in "total"

    def count(self, endpoint: str = "total") -> int:
        return self.counts[endpoint]

    def of(self, endpoint: str | None = None) -> list[RequestRecord]:
        return [r for r in self.records if endpoint is None or r.endpoint == endpoint]

    def listed_ids(self) -> list[list[str]]:
        """The `ids` of every logged list-by-condition call, oldest first."""
        out: list[list[str]] = []
        for rec in self.of("task/list-by-condition"):
            ids = rec.body_json.get("ids") if isinstance(rec.body_json, dict) else None
            out.append([str(i) for i in ids] if isinstance(ids, list) else [])
        return out

    def snapshot(self) -> dict[str, int]:
        return {"total": 0, **dict(sorted(self.counts.items()))}

    def clear(self) -> None:
        self.counts.clear()
        self.records.clear()
