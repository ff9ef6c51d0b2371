"""The figures, their targets from the throughput issue, and how they are printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

Value = float | int | None
Figures = dict[str, Value]

# The JSON keys, in the order of the table.
KEYS = (
    "queries_per_job_minute",
    "naive_queries_per_job_minute",
    "ack_ms_p50_100",
    "ack_ms_p95_100",
    "ack_ms_max_100",
    "ack_ms_p50_1000",
    "ack_ms_p95_1000",
    "ack_ms_max_1000",
    "success_to_edit_ms_p95_poll",
    "success_to_edit_ms_p95_push",
    "edits_per_job_max",
    "edits_per_job_mean",
    "identical_edits",
    "tick_ms_1000",
    "tick_ms_10000",
    "rss_mb_1000",
    "rss_mb_10000",
)


@dataclass(frozen=True)
class Target:
    text: str
    holds: Callable[[Figures], bool | None]  # None: not measured


def _at_most(key: str, limit: float) -> Callable[[Figures], bool | None]:
    def check(figures: Figures) -> bool | None:
        value = figures.get(key)
        return None if value is None else value <= limit

    return check


def _naive_ratio(figures: Figures) -> bool | None:
    ours, naive = figures.get("queries_per_job_minute"), figures.get("naive_queries_per_job_minute")
    if ours is None or naive is None:
        return None
    return naive >= 60 * ours


def targets(poll_interval: float) -> dict[str, Target]:
    """Targets from the issue; the polling one depends on the poll interval of the run."""
    poll_limit = poll_interval * 1000 + 300
    return {
        "queries_per_job_minute": Target("<= 0.3", _at_most("queries_per_job_minute", 0.3)),
        "naive_queries_per_job_minute": Target(">= 60x ours", _naive_ratio),
        "ack_ms_p95_1000": Target("<= 50", _at_most("ack_ms_p95_1000", 50)),
        "success_to_edit_ms_p95_poll": Target(
            f"<= {poll_limit:g}", _at_most("success_to_edit_ms_p95_poll", poll_limit)
        ),
        "success_to_edit_ms_p95_push": Target(
            "<= 300", _at_most("success_to_edit_ms_p95_push", 300)
        ),
        "edits_per_job_max": Target("<= 8", _at_most("edits_per_job_max", 8)),
        "edits_per_job_mean": Target("<= 8", _at_most("edits_per_job_mean", 8)),
        "identical_edits": Target("0", _at_most("identical_edits", 0)),
        "tick_ms_1000": Target("<= 100", _at_most("tick_ms_1000", 100)),
        "tick_ms_10000": Target("<= 1000", _at_most("tick_ms_10000", 1000)),
        "rss_mb_1000": Target("<= 150", _at_most("rss_mb_1000", 150)),
        "rss_mb_10000": Target("<= 300", _at_most("rss_mb_10000", 300)),
    }


def _shown(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def table(
    figures: Figures, *, poll_interval: float, sizes: dict[str, str], notes: list[str]
) -> str:
    """A readable table: key, what it is measured at, value, target, whether it holds."""
    rules = targets(poll_interval)
    rows = [("key", "measured at", "value", "target", "holds")]
    for key in KEYS:
        rule = rules.get(key)
        verdict = rule.holds(figures) if rule else None
        holds = "" if rule is None else "n/a" if verdict is None else "yes" if verdict else "NO"
        rows.append(
            (key, sizes.get(key, ""), _shown(figures.get(key)), rule.text if rule else "", holds)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*lines, "", *notes])


def as_json(figures: Figures) -> str:
    return json.dumps({key: figures.get(key) for key in KEYS})
