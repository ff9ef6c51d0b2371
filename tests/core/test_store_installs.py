"""What user installs and lost-answer recovery keep in storage, on both backends: a
job's token-only message (in its options, no column of its own) and the bot's instance
id (bot_meta, written once)."""

from __future__ import annotations

import asyncio

from bot.core.models import JobKind, MessageKind, MessageRef, NewJob, Origin
from bot.core.storage import SqlStorage
from bot.core.submit_state import INSTANCE_KEY, SubmitStates

SNOWFLAKE = 1_234_567_890_123_456_789


def origin(*, token_only: bool, ephemeral: bool = False) -> Origin:
    return Origin(
        user_id=SNOWFLAKE,
        guild_id=222,
        message=MessageRef(
            channel_id=333,
            message_id=444,
            interaction_token="interaction-token",
            token_expires_at=1_000.0,
            token_only=token_only,
            ephemeral=ephemeral,
        ),
    )


async def test_a_token_only_message_stays_token_only(any_storage: SqlStorage) -> None:
    new = NewJob(JobKind.IMAGINE, origin(token_only=True), prompt="p", options={"mode": "fast"})
    job = await any_storage.jobs.create(new, at=1.0)
    assert job.message.token_only and job.options == {"mode": "fast"}
    assert not job.message.bot_reachable
    dm = MessageRef(channel_id=9, message_id=10, kind=MessageKind.DM)
    await any_storage.jobs.move_message(job.id, dm, at=2.0)  # its flag is where it came from
    moved = await any_storage.jobs.get(job.id)
    assert moved is not None and moved.message.token_only and moved.message.bot_reachable
    plain = await any_storage.jobs.create(NewJob(JobKind.IMAGINE, origin(token_only=False)), at=1.0)
    assert not plain.message.token_only and plain.message.bot_reachable


async def test_expiring_tokens_are_listed_for_private_and_token_only_jobs(
    any_storage: SqlStorage,
) -> None:
    token_only = await any_storage.jobs.create(
        NewJob(JobKind.IMAGINE, origin(token_only=True)), at=1.0
    )
    private = await any_storage.jobs.create(
        NewJob(JobKind.IMAGINE, origin(token_only=False, ephemeral=True)), at=1.0
    )
    await any_storage.jobs.create(NewJob(JobKind.IMAGINE, origin(token_only=False)), at=1.0)
    listed = await any_storage.jobs.list_expiring_private(before=2_000.0)
    assert [job.id for job in listed] == [token_only.id, private.id]
    assert await any_storage.jobs.list_expiring_private(before=500.0) == []


async def test_the_instance_id_is_made_once_whoever_asks_first(any_storage: SqlStorage) -> None:
    ids = iter(["first", "second", "third"])
    makers = [SubmitStates(any_storage.meta, new_id=lambda: next(ids)) for _ in range(3)]
    instances = await asyncio.gather(*(maker.instance() for maker in makers))
    assert len(set(instances)) == 1 and await any_storage.meta.get(INSTANCE_KEY) == instances[0]
    assert await makers[0].of(42) == f"{instances[0]}:42"
