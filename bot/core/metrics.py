"""What the bot counts for /metrics, on its own prometheus-client registry (one per
app, so tests and several bots in one process never share counters)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class BotMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.pushes = Counter(
            "mj_bot_pushes_total",
            "Task updates the aggregator pushed (notifyHook), by outcome",
            ["outcome"],
            registry=self.registry,
        )

    def push_received(self) -> None:
        self.pushes.labels(outcome="accepted").inc()

    def push_refused(self, reason: str) -> None:
        """`reason`: a short fixed word (forged, unknown_job, wrong_task, too_large,
        malformed), never anything taken from the request."""
        self.pushes.labels(outcome=reason).inc()
