"""LOG_FORMAT=json: one JSON object per line (time, level, logger, message, and the job's
ids when a record carries them), secrets still blanked; text stays the default."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.logging_setup import JsonFormatter, SecretRedactor
from bot.sim import SimConfig, Simulator, running_simulator
from tests.app.bot_process import run_bot
from tests.fakes.discord_server import FakeDiscord, running_fake_discord

SECRET = "json-log-secret-token-0123456789"


def json_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger of its own writing JSON lines through the redaction filter, as
    configure_logging sets up the root logger (which the test runner needs left alone)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    redactor = SecretRedactor([SECRET])
    handler.setFormatter(JsonFormatter(redactor.redact))
    handler.addFilter(redactor)
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def entries(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_job_line_carries_its_ids_after_the_four_fields() -> None:
    log, stream = json_logger("tests.json.ids")
    log.info("job %d succeeded", 42, extra={"job_id": 42, "user_id": 7, "task_id": "1730000000001"})
    (entry,) = entries(stream)
    assert list(entry)[:7] == [
        "time", "level", "logger", "message", "job_id", "user_id", "task_id",
    ]  # fmt: skip
    assert entry["level"] == "INFO" and entry["logger"] == "tests.json.ids"
    assert entry["message"] == "job 42 succeeded"
    assert (entry["job_id"], entry["user_id"], entry["task_id"]) == (42, 7, "1730000000001")
    assert str(entry["time"]).endswith("Z")  # UTC
    assert datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))


def test_a_line_without_ids_has_only_the_four_fields() -> None:
    log, stream = json_logger("tests.json.plain")
    log.warning("aggregator is back")
    (entry,) = entries(stream)
    assert sorted(entry) == ["level", "logger", "message", "time"]


def test_secrets_are_blanked_in_the_message_the_extras_and_the_traceback() -> None:
    log, stream = json_logger("tests.json.secrets")
    log.info("token %s", SECRET, extra={"job_id": 1, "url": f"https://x/?k={SECRET}"})
    log.debug("PATCH /webhooks/123/aW50ZXJhY3Rpb246MTIz.abc/messages/@original")
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError:
        log.exception("boom", extra={"job_id": 2})
    text = stream.getvalue()
    assert SECRET not in text and SECRET[-8:] not in text and "aW50ZXJhY3Rpb246MTIz" not in text
    first, webhook, failure = entries(stream)
    assert first["message"] == "token ***" and first["url"] == "https://x/?k=***"
    assert webhook["message"] == "PATCH /webhooks/123/***/messages/@original"
    assert failure["job_id"] == 2 and "RuntimeError: failed with ***" in str(failure["exc"])
    assert len(text.splitlines()) == 3  # the traceback stays inside its line


def test_odd_extras_and_unicode_stay_one_line_of_json() -> None:
    log, stream = json_logger("tests.json.odd")
    log.info("提示词 ready\nsecond line", extra={"user_id": 5, "path": Path("/x"), "ids": (1, 2)})
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "提示词 ready\nsecond line" and "提示词" in line
    assert entry["path"] == "/x" and entry["ids"] == [1, 2]


# -- the real process -------------------------------------------------------------------


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator(SimConfig(step_seconds=0)) as simulator:
        yield simulator


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord(bot_token="the-right-token-is-another") as fake:
        yield fake


async def start_refused(tmp_path: Path, sim: Simulator, fake: FakeDiscord, **env: str) -> str:
    """`python -m bot` up to Discord refusing the token; its stderr."""
    result = await run_bot(
        tmp_path,
        discord_api=fake.api_base,
        DISCORD_TOKEN=SECRET,
        MJ_API_KEY="sk-json-log-key-never-shown",
        MJ_API_BASE_URL=sim.base_url,
        DATABASE_PATH=str(tmp_path / "bot.db"),
        **env,
    )
    assert result.returncode == 2, result
    assert result.stdout == ""
    return result.stderr


async def test_the_bot_writes_only_json_lines_with_log_format_json(
    tmp_path: Path, sim: Simulator, discord_fake: FakeDiscord
) -> None:
    stderr = await start_refused(tmp_path, sim, discord_fake, LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    lines = stderr.strip().splitlines()
    assert len(lines) > 2, stderr
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    for entry in parsed:
        assert {"time", "level", "logger", "message"} <= set(entry), entry
    assert any(e["logger"] == "bot.app" and e["level"] == "INFO" for e in parsed), stderr
    last = parsed[-1]
    assert last["level"] == "CRITICAL"
    assert last["message"] == "Configuration error: Discord refused DISCORD_TOKEN."
    for secret in (SECRET, SECRET[-8:], "sk-json-log-key-never-shown", "log-key-never-shown"):
        assert secret not in stderr


async def test_text_is_the_default(
    tmp_path: Path, sim: Simulator, discord_fake: FakeDiscord
) -> None:
    stderr = await start_refused(tmp_path, sim, discord_fake)
    lines = stderr.strip().splitlines()
    assert lines[-1] == "Configuration error: Discord refused DISCORD_TOKEN."
    assert not any(line.startswith("{") for line in lines)
    assert any(" INFO    bot.app: " in line for line in lines), stderr
    assert SECRET not in stderr
