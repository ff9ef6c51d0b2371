"""Gateway shards: which ones this process runs (SHARD_COUNT, SHARD_IDS), what the logs
and `--check` say about it, and whether this process syncs the slash commands.

Unset, discord.py asks Discord how many shards the bot needs and runs them all here.
SHARD_COUNT alone runs all shards of that count here; with SHARD_IDS several processes
each run some of them (each guild's events go to shard (guild_id >> 22) % SHARD_COUNT,
DMs to shard 0) and share the work through PostgreSQL leases. The commands are synced by
the process that runs shard 0 only: one sync per deployment, and always the same process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """SHARD_IDS: shard numbers separated by commas; ValueError on anything else."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise ValueError("must be shard numbers (0, 1, ...) separated by commas")
    ids = tuple(int(part) for part in parts)
    if len(set(ids)) != len(ids):
        raise ValueError("names a shard twice")
    return tuple(sorted(ids))


def check_shards(count: int | None, ids: tuple[int, ...], *, shared: bool) -> None:
    """The rules between SHARD_COUNT, SHARD_IDS and the database, as one plain sentence."""
    if ids and count is None:
        raise ValueError(
            "SHARD_IDS is set without SHARD_COUNT: set SHARD_COUNT to the number of shards "
            "of all processes together"
        )
    if count is None:
        return
    if too_big := [shard for shard in ids if shard >= count]:
        raise ValueError(
            f"SHARD_IDS names shard {too_big[0]}, but SHARD_COUNT={count} has shards "
            f"0 to {count - 1}"
        )
    if ids and len(ids) < count and not shared:
        raise ValueError(
            "SHARD_IDS runs only some of the shards, so other processes run the rest: they "
            "must share one PostgreSQL database (DATABASE_URL); SQLite holds one process"
        )


@dataclass(frozen=True)
class ShardPlan:
    count: int | None  # None: as Discord recommends
    ids: tuple[int, ...] | None  # None: every shard of `count`

    @classmethod
    def of(cls, settings: Settings) -> ShardPlan:
        ids = parse_shard_ids(settings.shard_ids)
        return cls(settings.shard_count, ids or None)

    @property
    def sharded(self) -> bool:
        return self.count is not None and self.count > 1

    @property
    def syncs_commands(self) -> bool:
        """Only the process running shard 0 (all of them, unless SHARD_IDS says)."""
        return self.ids is None or 0 in self.ids

    def describe(self) -> str:
        if self.count is None:
            return "shards: as many as Discord recommends, all in this process"
        if self.ids is None or len(self.ids) == self.count:
            return f"shards: all {self.count} in this process"
        listed = ", ".join(str(shard) for shard in self.ids)
        return f"shards: {listed} of {self.count} in this process"

    def warnings(self, guild_id: int | None) -> list[str]:
        notes = []
        if self.sharded and guild_id is not None:
            notes.append(
                "SHARD_COUNT is set with DISCORD_GUILD_ID: sharded deployments use global "
                "commands (a bot in that many servers is not in one server); unset "
                "DISCORD_GUILD_ID"
            )
        return notes
