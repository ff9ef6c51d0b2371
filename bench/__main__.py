"""`python -m bench [--jobs N] [--json]`: the throughput figures of the real bot.

Everything runs on 127.0.0.1: the real `MJBot` (built by `bot.app.build`, started by
`bot.app.started`) logged in to the Discord stand-in of tests/fakes, the aggregator
simulator in its own process, SQLite files in a temporary folder.

`--jobs N` (default 1,000) sets the sizes: acknowledgements and the first tick/RSS size
at N, the second tick/RSS size at 10 N, the live run at N / 10. Below 1,000 the live run
uses 1-second poll interval and stages so that a smoke test is quick; its figures are
then a check that everything runs, not the figures of the issue. The figure keys keep
their names (`_100`, `_1000`, `_10000`); the table says what each was measured at.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bench import fleet, scenarios
from bench.report import Figures, as_json, table
from bench.scenarios import percentile

LIVE_STEP_SECONDS = 5.0  # one stage of a job: a job takes 9 stages (45 s), as a real one
PUSH_STEP_SECONDS = 3.0  # shorter: the push figure does not need a polling window
QUICK_SECONDS = 1.0
T = TypeVar("T")


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def push_missing() -> str | None:
    """Why the push figure cannot be measured, or None when the bot has push."""
    if importlib.util.find_spec("bot.web.push") is None:
        return "bot/web/push.py does not exist yet: the bot has no push receiver"
    return None


async def attempt(what: str, run: Callable[[], Awaitable[T]], notes: list[str]) -> T | None:
    started = time.monotonic()
    say(f"{what} ...")
    try:
        result = await run()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        notes.append(f"FAILED {what}: {exc}")
        return None
    say(f"{what}: done in {time.monotonic() - started:.0f} s")
    return result


async def measure(jobs: int) -> tuple[Figures, float, dict[str, str], list[str]]:
    big, small, huge = jobs, max(2, jobs // 10), jobs * 10
    quick = jobs < 1000
    step = QUICK_SECONDS if quick else LIVE_STEP_SECONDS
    poll = QUICK_SECONDS if quick else None  # None: the settings' default
    figures: Figures = {}
    sizes: dict[str, str] = {}
    notes: list[str] = []

    live = await attempt(
        f"live: {small} /imagine at once, followed to their results",
        lambda: scenarios.live(small, step_seconds=step, poll_interval=poll, push=False),
        notes,
    )
    poll_interval = live.poll_interval if live else (poll or 3.0)
    if live is not None:
        ours, naive = live.per_job_minute(live.queries), live.per_job_minute(live.naive_queries)
        window = f"{live.jobs} jobs, {live.window_seconds:.0f} s window"
        figures |= {
            "queries_per_job_minute": round(ours, 3),
            "naive_queries_per_job_minute": round(naive, 3),
            "ack_ms_p50_100": round(live.acks.p50, 1),
            "ack_ms_p95_100": round(live.acks.p95, 1),
            "ack_ms_max_100": round(live.acks.max, 1),
            "edits_per_job_max": max(live.edits_per_job),
            "edits_per_job_mean": round(sum(live.edits_per_job) / len(live.edits_per_job), 2),
            "identical_edits": live.identical_edits,
        }
        if live.success_to_edit_ms:
            figures["success_to_edit_ms_p95_poll"] = round(
                percentile(live.success_to_edit_ms, 0.95), 1
            )
        for key in ("queries_per_job_minute", "naive_queries_per_job_minute"):
            sizes[key] = window
        for key in ("ack_ms_p50_100", "ack_ms_p95_100", "ack_ms_max_100"):
            sizes[key] = f"{live.jobs} at once"
        for key in ("edits_per_job_max", "edits_per_job_mean", "identical_edits"):
            sizes[key] = f"{live.jobs} jobs"
        sizes["success_to_edit_ms_p95_poll"] = f"{live.jobs} jobs, poll {live.poll_interval:g} s"
        ratio = live.naive_queries / live.queries if live.queries else float("inf")
        notes.append(
            f"live run: poll interval {live.poll_interval:g} s, stages of {live.step_seconds:g} s; "
            f"in the window the bot asked {live.queries} times, the naive pattern "
            f"{live.naive_queries} times ({ratio:.0f}x)"
        )

    acks = await attempt(f"burst: {big} /imagine at once", lambda: scenarios.burst(big), notes)
    if acks is not None:
        figures |= {
            "ack_ms_p50_1000": round(acks.p50, 1),
            "ack_ms_p95_1000": round(acks.p95, 1),
            "ack_ms_max_1000": round(acks.max, 1),
        }
        for key in ("ack_ms_p50_1000", "ack_ms_p95_1000", "ack_ms_max_1000"):
            sizes[key] = f"{acks.count} at once"
        notes.append(
            f"burst: p95 of the acknowledgements as the stand-in read them "
            f"{acks.received_p95:.0f} ms; {acks.late} of {acks.count} after Discord's 3 s"
        )

    missing = push_missing()
    if missing is None:
        pushed = await attempt(
            f"push: {small} /imagine at once, with the web server (PUBLIC_URL)",
            lambda: scenarios.live(
                small,
                step_seconds=step if quick else PUSH_STEP_SECONDS,
                poll_interval=poll,
                push=True,
            ),
            notes,
        )
        if pushed is not None and not pushed.pushes:
            missing = "the bot accepted no push: the simulator does not call notifyHook"
        elif pushed is not None and pushed.success_to_edit_ms:
            figures["success_to_edit_ms_p95_push"] = round(
                percentile(pushed.success_to_edit_ms, 0.95), 1
            )
            sizes["success_to_edit_ms_p95_push"] = f"{pushed.jobs} jobs, {pushed.pushes:g} pushes"
    if missing is not None:
        notes.append(f"success_to_edit_ms_p95_push is null: {missing}")

    for count, suffix in ((big, "1000"), (huge, "10000")):
        result = await attempt(
            f"fleet: {count} jobs in flight", functools.partial(fleet.fleet, count), notes
        )
        if result is None:
            continue
        figures[f"tick_ms_{suffix}"] = round(result.tick_ms, 1)
        figures[f"rss_mb_{suffix}"] = round(result.rss_mb, 1)
        sizes[f"tick_ms_{suffix}"] = f"{count} jobs, {result.ticks} ticks"
        sizes[f"rss_mb_{suffix}"] = f"{count} jobs"
        notes.append(
            f"fleet of {count}: slowest tick {result.tick_max_ms:.0f} ms; the publisher's "
            f"work after a tick (not in it) {result.publisher_ms:.0f} ms median"
        )
    return figures, poll_interval, sizes, notes


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000, help="the big size (default 1000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    started = time.monotonic()
    figures, poll_interval, sizes, notes = asyncio.run(measure(args.jobs))
    notes.append(f"machine: {machine()}; run took {time.monotonic() - started:.0f} s")
    if args.json:
        print(as_json(figures))
        for note in notes:
            say(note)
    else:
        print(table(figures, poll_interval=poll_interval, sizes=sizes, notes=notes))
    return 1 if any(note.startswith("FAILED") for note in notes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
