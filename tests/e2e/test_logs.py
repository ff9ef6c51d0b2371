"""What the operator reads: one line per job event with its ids, and DEBUG for the bot's
own loggers only."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import configure_logging
from tests.e2e.harness import Harness


async def test_every_status_change_of_a_job_is_one_line_with_its_ids(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        inter = await h.command("imagine", {"prompt": "log me"}, user_id=7007)
        await h.wait_final(inter.token)
    (job,) = await h.jobs()
    records = [r for r in caplog.records if r.name == "bot.jobs"]
    causes = [getattr(r, "cause", None) for r in records]
    assert causes[0] == "recorded" and causes[1] == "submitted" and causes[-1] == "task"
    finished = records[-1]
    assert finished.getMessage().startswith(f"job {job.id} imagine task: SUCCESS user=7007")
    assert f"task={job.task_id}" in finished.getMessage() and " after " in finished.getMessage()
    assert finished.__dict__["job_id"] == job.id and finished.__dict__["task_id"] == job.task_id
    assert finished.__dict__["guild_id"] == h.fake.guild_id
    assert isinstance(finished.__dict__["duration_s"], float)
    progress_lines = [r for r in records if "IN_PROGRESS" in r.getMessage()]
    assert len(progress_lines) == 1  # the start, not every percentage


def test_debug_is_for_the_bots_own_loggers() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", secrets=[])
        assert logging.getLogger("bot.core.tracker").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("cogs.imagine").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("discord.gateway").isEnabledFor(logging.INFO)
        assert not logging.getLogger("discord.http").isEnabledFor(logging.INFO)
        assert logging.getLogger("discord.http").isEnabledFor(logging.WARNING)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name in ("bot", "cogs", "discord.http", "discord.gateway"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger("aiosqlite").setLevel(logging.NOTSET)


async def test_ready_says_who_the_bot_is_and_in_how_many_servers(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.discord_bot"):
        h.bot.dispatch("ready")
        await h.wait(lambda: "logged in as" in caplog.text, "the ready line")
    assert f"({h.fake.bot_user['id']}) in 0 servers" in caplog.text
