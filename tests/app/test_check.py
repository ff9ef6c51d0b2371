"""`python -m bot --check` as a real process, against the simulator (which checks the key)
and the loopback Discord stand-in (which checks the token): one line per check, exit 0 only
when every check passed, and never a secret on screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.storage import head_revision, open_storage
from bot.sim import SimConfig, Simulator, running_simulator
from tests.app.bot_process import Finished, run_bot
from tests.fakes.discord_server import FakeDiscord, running_fake_discord
from tests.postgres import fresh_database

API_KEY = "sk-check-key-never-shown-1234"
TOKEN = "check-discord-token-never-shown-5678"
SECRETS = (API_KEY, TOKEN, API_KEY[-8:], TOKEN[-8:])


@pytest.fixture
async def keyed_sim() -> AsyncIterator[Simulator]:
    async with running_simulator(SimConfig(api_key=API_KEY, step_seconds=0)) as simulator:
        yield simulator


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord(bot_token=TOKEN) as fake:
        yield fake


def settings(sim: Simulator, folder: Path, **overrides: str) -> dict[str, str]:
    values = {
        "DISCORD_TOKEN": TOKEN,
        "MJ_API_KEY": API_KEY,
        "MJ_API_BASE_URL": sim.base_url,
        "DATABASE_PATH": str(folder / "data" / "bot.db"),
    }
    return {**values, **overrides}


async def check(folder: Path, fake: FakeDiscord, env: dict[str, str]) -> Finished:
    return await run_bot(folder, "--check", discord_api=fake.api_base, **env)


def by_name(result: Finished) -> dict[str, str]:
    """{"settings": "OK: ...", ...}: every line is `name: OUTCOME: detail`."""
    lines = result.lines
    names = [line.split(":", 1)[0] for line in lines]
    assert names == ["settings", "database", "aggregator", "discord"], result
    return {name: line.split(": ", 1)[1] for name, line in zip(names, lines, strict=True)}


def assert_no_secret(result: Finished) -> None:
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


async def test_every_check_passes_and_says_who_the_bot_is(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord
) -> None:
    result = await check(tmp_path, discord_fake, settings(keyed_sim, tmp_path))
    assert result.returncode == 0, result
    lines = by_name(result)
    assert all(text.startswith("OK: ") for text in lines.values()), result
    assert f"revision {head_revision()}" in lines["database"] and "SQLite" in lines["database"]
    assert keyed_sim.base_url in lines["aggregator"] and "accepted" in lines["aggregator"]
    me = discord_fake.bot_user
    assert lines["discord"] == f"OK: logged in as {me['username']} ({me['id']})"
    assert keyed_sim.count("task/list-by-condition") == 1  # one cheap question, no submit
    assert keyed_sim.count("total") == 1
    assert result.stderr == ""
    assert_no_secret(result)
    # The database it checked is there and migrated: the bot starts on it as it is.
    storage = await open_storage(path=tmp_path / "data" / "bot.db", run_migrations=False)
    try:
        assert await storage.migrate() == head_revision()
    finally:
        await storage.close()


async def test_a_wrong_api_key_fails_naming_the_aggregator(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord
) -> None:
    wrong = "sk-wrong-key-also-secret-9999"
    env = settings(keyed_sim, tmp_path, MJ_API_KEY=wrong)
    result = await check(tmp_path, discord_fake, env)
    assert result.returncode == 1, result
    lines = by_name(result)
    assert lines["aggregator"].startswith("FAILED: ")
    assert keyed_sim.base_url in lines["aggregator"] and "MJ_API_KEY" in lines["aggregator"]
    assert "401" in lines["aggregator"]
    assert [lines[n][:3] for n in ("settings", "database", "discord")] == ["OK:"] * 3
    assert wrong not in result.stdout + result.stderr and wrong[-8:] not in result.stdout
    assert_no_secret(result)


async def test_an_unreachable_aggregator_fails(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord
) -> None:
    await keyed_sim.stop()  # nothing listens on its port any more
    result = await check(tmp_path, discord_fake, settings(keyed_sim, tmp_path))
    assert result.returncode == 1, result
    lines = by_name(result)
    assert lines["aggregator"].startswith("FAILED: cannot reach ")
    assert keyed_sim.base_url in lines["aggregator"]


async def test_discord_refusing_the_token_fails(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord
) -> None:
    wrong = "not-the-bot-token-secret-4321"
    result = await check(tmp_path, discord_fake, settings(keyed_sim, tmp_path, DISCORD_TOKEN=wrong))
    assert result.returncode == 1, result
    lines = by_name(result)
    assert lines["discord"] == "FAILED: Discord refused DISCORD_TOKEN (401 Unauthorized)"
    assert lines["aggregator"].startswith("OK: ") and lines["database"].startswith("OK: ")
    assert wrong not in result.stdout + result.stderr
    assert_no_secret(result)


@pytest.mark.parametrize("kind", ["folder", "not-sqlite", "empty"])
async def test_a_bad_database_path_fails(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord, kind: str
) -> None:
    if kind == "folder":
        path = tmp_path / "a-folder"
        path.mkdir()
    elif kind == "not-sqlite":
        path = tmp_path / "notes.txt"
        path.write_text("these are not the rows you are looking for\n" * 20)
    else:
        path = Path("")
    env = settings(keyed_sim, tmp_path, DATABASE_PATH=str(path))
    result = await check(tmp_path, discord_fake, env)
    assert result.returncode == 1, result
    lines = by_name(result)
    assert lines["database"].startswith("FAILED: DATABASE_PATH"), result
    assert "Traceback" not in result.stdout + result.stderr
    assert lines["aggregator"].startswith("OK: ") and lines["discord"].startswith("OK: ")
    if kind == "not-sqlite":
        assert path.read_text().startswith("these are not")  # left as it was


async def test_invalid_settings_fail_and_skip_the_rest(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord
) -> None:
    env = settings(keyed_sim, tmp_path, POLL_INTERVAL_SECONDS="-1", LOG_FORMAT="xml")
    result = await check(tmp_path, discord_fake, env)
    assert result.returncode == 1, result
    lines = by_name(result)
    assert lines["settings"].startswith("FAILED: ") and "POLL_INTERVAL_SECONDS" in lines["settings"]
    assert "LOG_FORMAT" in lines["settings"] and "must be text or json" in lines["settings"]
    assert all(lines[n].startswith("SKIPPED: ") for n in ("database", "aggregator", "discord"))
    assert keyed_sim.count("total") == 0 and discord_fake.requests == []
    assert_no_secret(result)


async def test_postgresql_is_checked_without_showing_the_password(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord, postgres_admin_url: str
) -> None:
    async with fresh_database(postgres_admin_url) as url:
        env = settings(keyed_sim, tmp_path, DATABASE_URL=url)
        result = await check(tmp_path, discord_fake, env)
    assert result.returncode == 0, result
    lines = by_name(result)
    assert lines["database"].startswith("OK: PostgreSQL DATABASE_URL")
    assert f"revision {head_revision()}" in lines["database"]
    from urllib.parse import urlsplit

    password = urlsplit(url).password
    if password:
        assert password not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()  # DATABASE_URL wins: no SQLite file made


async def test_postgresql_refusing_fails_without_the_password(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord, postgres_admin_url: str
) -> None:
    from urllib.parse import urlsplit

    server = urlsplit(postgres_admin_url)
    url = f"postgresql://mjtest:not-the-password-xyz@{server.hostname}:{server.port}/postgres"
    result = await check(tmp_path, discord_fake, settings(keyed_sim, tmp_path, DATABASE_URL=url))
    assert result.returncode == 1, result
    lines = by_name(result)
    assert lines["database"].startswith("FAILED: DATABASE_URL")
    assert "not-the-password-xyz" not in result.stdout + result.stderr


async def test_a_guild_for_the_commands_warns_that_user_installs_miss_them(
    tmp_path: Path, keyed_sim: Simulator, discord_fake: FakeDiscord
) -> None:
    env = settings(keyed_sim, tmp_path, DISCORD_GUILD_ID=str(discord_fake.guild_id))
    result = await check(tmp_path, discord_fake, env)
    assert result.returncode == 0, result  # a warning, not a failure
    line = by_name(result)["settings"]
    assert line.startswith("OK: ") and "warning: DISCORD_GUILD_ID is set" in line
    assert "user installs" in line and "global commands only" in line
    unset = by_name(await check(tmp_path, discord_fake, settings(keyed_sim, tmp_path)))
    assert "warning" not in unset["settings"]
