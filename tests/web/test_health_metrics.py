"""/healthz and /metrics through the real bot: the gateway as discord.py's own events
report it, a real database write, the tracker's loop; the metrics read back with
prometheus-client's own parser."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.core.models import JobStatus
from bot.web import health
from bot.web.health import HEARTBEAT_KEY, DatabaseProbe
from tests.e2e.harness import API_KEY, BOT_TOKEN, Harness, harness, web_settings


async def healthz(h: Harness) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{h.web_url}/healthz")
    assert answer.headers["content-type"].startswith("application/json")
    assert API_KEY not in answer.text and BOT_TOKEN not in answer.text
    body: dict[str, Any] = answer.json()
    return answer.status_code, body


async def healthz_becomes(h: Harness, status: int, within: float = 5.0) -> dict[str, Any]:
    """Listeners run as tasks after `dispatch`: ask until the answer has `status`."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        code, body = await healthz(h)
        if code == status:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/healthz answered {code}, not {status}: {body}")
        await asyncio.sleep(0.02)


async def test_healthz_is_503_naming_the_gateway_until_it_connects_and_after_it_drops(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        # Logged in over HTTP only: a bot that never connected to the gateway is down.
        code, body = await healthz(h)
        assert code == 503
        assert body["gateway"] is False and body["failing"] == ["gateway"]
        assert body["database"] is True and body["tracker"] is True  # idle: no jobs

        h.bot.dispatch("connect")
        body = await healthz_becomes(h, 200)
        assert body["status"] == "ok" and body["failing"] == []
        assert body["gateway"] is body["database"] is body["tracker"] is True
        assert body["gateway_since"] is not None
        assert body["aggregator"]["down"] is False and body["aggregator"]["key_refused"] is False

        h.bot.dispatch("disconnect")
        body = await healthz_becomes(h, 503)
        assert body["gateway"] is False and body["failing"] == ["gateway"]

        h.bot.dispatch("resumed")
        await healthz_becomes(h, 200)


async def test_healthz_reports_the_aggregators_last_answer(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        h.bot.dispatch("ready")
        await healthz_becomes(h, 200)
        inter = await h.command("imagine", {"prompt": "a quiet harbour"})
        await h.wait_final(inter.token)
        body = await healthz_becomes(h, 200)
        aggregator = body["aggregator"]
        assert aggregator["last_request_ok"] is True
        assert aggregator["last_request_at"].endswith("+00:00")

        await h.core.tracker.stop()  # the loop ended: the tracker is named
        body = await healthz_becomes(h, 503)
        assert body["tracker"] is False and body["failing"] == ["tracker"]


class CountingMeta:
    """A MetaStore whose heartbeat writes are counted, and fail while `broken`."""

    def __init__(self) -> None:
        self.writes = 0
        self.broken = False

    async def get(self, key: str) -> str | None:
        return None

    async def put(self, key: str, value: str) -> None:
        assert key == HEARTBEAT_KEY
        self.writes += 1
        if self.broken:
            raise OSError("disk gone")


async def test_the_database_check_is_reused_for_a_few_seconds() -> None:
    meta, now = CountingMeta(), [100.0]
    probe = DatabaseProbe(meta, reuse_for=5.0, monotonic=lambda: now[0])
    answers = await asyncio.gather(*(probe.writable() for _ in range(20)))
    assert all(answers) and meta.writes == 1  # requests together: one write
    now[0] += 4.9
    assert await probe.writable() and meta.writes == 1  # at most one write an interval
    meta.broken = True
    now[0] += 0.2
    assert not await probe.writable() and meta.writes == 2
    assert not await probe.writable() and meta.writes == 2  # a failure is reused too
    meta.broken = False
    now[0] += 5.0
    assert await probe.writable() and meta.writes == 3


@pytest.fixture
def quick_database_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's database check reused for 0.1 s, not 5: the tests see a change soon."""
    monkeypatch.setattr(health, "DATABASE_REUSE_SECONDS", 0.1)


@pytest.mark.usefixtures("quick_database_checks")
async def test_healthz_is_503_naming_the_database_while_it_is_gone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with harness(data, **web_settings()) as h:
        h.bot.dispatch("connect")
        await healthz_becomes(h, 200)

        # The database's directory goes away (a lost volume) and the pool reconnects.
        data.rename(tmp_path / "elsewhere")
        await h.storage.engine.dispose()
        body = await healthz_becomes(h, 503)  # once the last good answer is too old
        assert body["database"] is False and body["failing"] == ["database"]
        assert body["gateway"] is True and body["tracker"] is True

        (tmp_path / "elsewhere").rename(data)  # back: the next check writes again
        body = await healthz_becomes(h, 200)
        assert body["database"] is True


@pytest.mark.usefixtures("quick_database_checks")
async def test_healthz_is_503_while_another_writer_holds_the_database(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        h.bot.dispatch("connect")
        await healthz_becomes(h, 200)

        # Off the event loop: waiting for SQLite's lock must not stop the bot's own writes.
        other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, check_same_thread=False)
        try:
            # A stuck writer: the heartbeat cannot commit.
            await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
            body = await healthz_becomes(h, 503)  # within the probe's short timeout
            assert body["failing"] == ["database"], body
        finally:
            await asyncio.to_thread(other.execute, "ROLLBACK")
            other.close()
        await healthz_becomes(h, 200)


def samples(text: str) -> dict[str, list[Sample]]:
    """Every sample of the exposition, by sample name (`..._total`, `..._count`)."""
    found: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        found.setdefault(family.name, [])
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def value(found: dict[str, list[Sample]], name: str, **labels: str) -> float:
    matching = [s.value for s in found.get(name, []) if s.labels == labels]
    assert len(matching) == 1, f"{name}{labels}: {found.get(name)}"
    return matching[0]


async def test_metrics_count_a_finished_imagine_the_aggregator_and_the_edits(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        inter = await h.command("imagine", {"prompt": "a lantern in the fog"})
        await h.wait_final(inter.token)
        h.sim.faults.fault_scope = "submit"
        h.sim.faults.http_500 = 1  # the aggregator fails the next submit: an error by kind
        await h.command("imagine", {"prompt": "a lantern in the rain"})
        await h.wait_job(2, JobStatus.FAILURE)  # the user was told; nothing is tracked
        await h.app.publisher.flush()
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"{h.web_url}/metrics")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert API_KEY not in answer.text and BOT_TOKEN not in answer.text
        found = samples(answer.text)

        assert value(found, "mj_bot_jobs_total", kind="imagine", status="created") == 2
        assert value(found, "mj_bot_jobs_total", kind="imagine", status="success") == 1
        assert value(found, "mj_bot_jobs_total", kind="imagine", status="failure") == 1
        assert value(found, "mj_bot_jobs_in_flight") == 0  # finished: no longer followed
        assert value(found, "mj_bot_aggregator_request_seconds_count", outcome="ok") >= 1
        assert value(found, "mj_bot_aggregator_request_seconds_sum", outcome="ok") > 0
        assert value(found, "mj_bot_aggregator_request_seconds_count", outcome="error") == 1
        assert value(found, "mj_bot_aggregator_errors_total", kind="server") == 1
        assert value(found, "mj_bot_discord_edit_seconds_count") >= 2
        buckets = [s for s in found["mj_bot_discord_edit_seconds_bucket"] if s.value > 0]
        assert buckets, "the edit's duration fell in some bucket"
        assert "mj_bot_pushes" in found  # the push receiver's counter, declared


async def test_metrics_count_jobs_in_flight(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        h.sim.faults.never_finish = True
        await h.command("imagine", {"prompt": "a slow tide"})
        await h.wait(lambda: h.core.tracker.tracked_count == 1, "the job followed")
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"{h.web_url}/metrics")).text
        found = samples(text)
        assert value(found, "mj_bot_jobs_in_flight") == 1
        assert value(found, "mj_bot_jobs_total", kind="imagine", status="created") == 1
        assert not [s for s in found["mj_bot_jobs_total"] if s.labels["status"] == "success"]
