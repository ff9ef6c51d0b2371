"""What the bot counts for /metrics, on its own prometheus-client registry (one per
app, so tests and several bots in one process never share counters).

Fed by the job lifecycle (jobs created and finished), the aggregator client's request
observer (latency, errors), the publisher (Discord edit latency) and the push receiver.
Label values are fixed words (kinds, statuses, error classes), never request data."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.core.events import Cause, JobEvent
from bot.core.mj.errors import (
    MJAPIError,
    MJAuthError,
    MJEndpointUnsupportedError,
    MJError,
    MJHTTPError,
    MJProtocolError,
    MJRateLimitedError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
)

AGGREGATOR_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
EDIT_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Most specific first: the first class an error is an instance of names its kind.
_ERROR_KINDS: tuple[tuple[type[MJError], str], ...] = (
    (MJTimeoutError, "timeout"),
    (MJTransportError, "transport"),
    (MJProtocolError, "protocol"),
    (MJAuthError, "auth"),
    (MJRateLimitedError, "rate_limited"),
    (MJServerError, "server"),
    (MJEndpointUnsupportedError, "unsupported"),
    (MJHTTPError, "http"),
    (MJAPIError, "api"),
)


def error_kind(error: BaseException | None) -> str:
    """A failed request's kind, as a metric label."""
    for cls, kind in _ERROR_KINDS:
        if isinstance(error, cls):
            return kind
    return "other"


class BotMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.pushes = Counter(
            "mj_bot_pushes_total",
            "Task updates the aggregator pushed (notifyHook), by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "mj_bot_jobs_total",
            "Jobs by kind and status: created, then success, failure or cancel once final",
            ["kind", "status"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "mj_bot_jobs_in_flight",
            "Jobs this process follows at the aggregator (waiting or running)",
            registry=self.registry,
        )
        self.aggregator_seconds = Histogram(
            "mj_bot_aggregator_request_seconds",
            "Aggregator API requests' duration, by outcome (ok, error)",
            ["outcome"],
            buckets=AGGREGATOR_BUCKETS,
            registry=self.registry,
        )
        self.aggregator_errors = Counter(
            "mj_bot_aggregator_errors_total",
            "Aggregator API requests that failed, by kind of error",
            ["kind"],
            registry=self.registry,
        )
        self.edit_seconds = Histogram(
            "mj_bot_discord_edit_seconds",
            "Discord message edits' duration (each delivered edit of a job's message)",
            buckets=EDIT_BUCKETS,
            registry=self.registry,
        )

    def push_received(self) -> None:
        self.pushes.labels(outcome="accepted").inc()

    def push_refused(self, reason: str) -> None:
        """`reason`: a short fixed word (forged, unknown_job, wrong_task, too_large,
        malformed), never anything taken from the request."""
        self.pushes.labels(outcome=reason).inc()

    def count_in_flight(self, count: Callable[[], int]) -> None:
        """Where the in-flight gauge reads its value at each scrape (the tracker)."""
        self.in_flight.set_function(count)

    async def on_job_event(self, event: JobEvent) -> None:
        """Lifecycle listener (after commit): a job recorded, or reaching a final state."""
        job = event.job
        kind = job.kind.value.lower()
        if event.cause is Cause.RECORDED:
            self.jobs.labels(kind=kind, status="created").inc()
        if event.finished and (event.previous is None or not event.previous.is_terminal):
            self.jobs.labels(kind=kind, status=job.status.value.lower()).inc()

    def aggregator_request(self, ok: bool, error: MJError | None, seconds: float) -> None:
        """The client's request observer."""
        self.aggregator_seconds.labels(outcome="ok" if ok else "error").observe(seconds)
        if not ok:
            self.aggregator_errors.labels(kind=error_kind(error)).inc()

    def edit_delivered(self, seconds: float) -> None:
        """The publisher's hook: one edit of a job's message reached Discord."""
        self.edit_seconds.observe(seconds)
