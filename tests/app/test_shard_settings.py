"""SHARD_COUNT, SHARD_IDS and LEASE_SECONDS as an operator meets them: one plain line for
each mistake when `python -m bot` starts, and `--check` saying which shards this process
would run (with a warning when sharded with DISCORD_GUILD_ID)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sim import Simulator
from tests.app.test_check import by_name, check, discord_fake, keyed_sim, settings  # noqa: F401
from tests.app.test_start import start
from tests.fakes.discord_server import FakeDiscord

REQUIRED = {
    "DISCORD_TOKEN": "token-never-shown",
    "MJ_API_KEY": "key-never-shown",
    "MJ_API_BASE_URL": "http://127.0.0.1:9",
}


@pytest.mark.parametrize(
    ("shards", "said"),
    [
        (
            {"SHARD_IDS": "1"},
            "SHARD_IDS is set without SHARD_COUNT: set SHARD_COUNT to the number of shards",
        ),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "names shard 2, but SHARD_COUNT=2 has shards 0"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1"}, "must share one PostgreSQL database"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,x"}, "SHARD_IDS: must be shard numbers (0, 1, ...)"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: must be at least 1"),
        ({"LEASE_SECONDS": "0"}, "LEASE_SECONDS: must be more than 0"),
    ],
)
def test_a_shard_mistake_is_one_plain_line(
    tmp_path: Path, shards: dict[str, str], said: str
) -> None:
    result = start(tmp_path, **REQUIRED, **shards)
    assert result.returncode == 2, result
    header, line = result.stderr.strip().splitlines()  # one line for the one setting
    assert header == "Configuration error (see .env.example):"
    assert said in line and line.startswith(("SHARD_", "LEASE_")), line
    assert "never-shown" not in result.stderr + result.stdout
    assert not (tmp_path / "data").exists()  # refused before anything was opened


async def test_check_says_which_shards_this_process_runs(
    tmp_path: Path,
    keyed_sim: Simulator,  # noqa: F811
    discord_fake: FakeDiscord,  # noqa: F811
) -> None:
    alone = await check(tmp_path, discord_fake, settings(keyed_sim, tmp_path))
    assert alone.returncode == 0, alone
    line = by_name(alone)["settings"]
    assert "shards: as many as Discord recommends, all in this process" in line

    sharded = settings(keyed_sim, tmp_path, SHARD_COUNT="4", SHARD_IDS="0,1,2,3")
    result = await check(tmp_path, discord_fake, sharded)
    assert result.returncode == 0, result
    line = by_name(result)["settings"]
    assert "shards: all 4 in this process" in line and "warning" not in line

    with_guild = {**sharded, "DISCORD_GUILD_ID": str(discord_fake.guild_id)}
    result = await check(tmp_path, discord_fake, with_guild)
    line = by_name(result)["settings"]
    assert line.startswith("OK: ") and "SHARD_COUNT is set with DISCORD_GUILD_ID" in line
