"""The stores behind /settings, /history, /show, pressed buttons and private jobs, on a
SQLite file and a real PostgreSQL."""

from __future__ import annotations

from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.models import JobKind, JobStatus, MessageKind, MessageRef, NewJob, Origin
from bot.core.preferences import UserPreferences, VariationStrength
from bot.core.storage import SqlStorage
from tests.core.test_store_contract import SNOWFLAKE, new_job, submitted

OTHER = 77


async def test_preferences_round_trip_and_are_replaced(any_storage: SqlStorage) -> None:
    store = any_storage.preferences
    assert await store.get(SNOWFLAKE) is None
    prefs = UserPreferences(
        user_id=SNOWFLAKE,
        mode=SpeedMode.RELAX,
        bot_type=BotType.NIJI_JOURNEY,
        suffix="--ar 3:2",
        private=True,
        remix=True,
        variation=VariationStrength.STRONG,
    )
    await store.put(prefs, at=1.0)
    assert await store.get(SNOWFLAKE) == prefs
    cleared = prefs.model_copy(update={"mode": None, "suffix": "", "private": False})
    await store.put(cleared, at=2.0)
    assert await store.get(SNOWFLAKE) == cleared
    assert await store.get(OTHER) is None


async def test_a_users_jobs_list_unfinished_first_then_newest(any_storage: SqlStorage) -> None:
    jobs = any_storage.jobs
    ids = []
    for n in range(5):
        job = await jobs.create(new_job(f"job {n}"), at=float(n))
        ids.append(job.id)
    for job_id in (ids[0], ids[2], ids[3]):
        await jobs.finish(
            job_id,
            status=JobStatus.SUCCESS,
            progress=100,
            image_url="u",
            final_prompt=None,
            fail_reason=None,
            at=9.0,
        )
    other = Origin(user_id=OTHER, message=MessageRef(channel_id=1, message_id=2))
    await jobs.create(NewJob(JobKind.IMAGINE, other, prompt="not mine"), at=1.0)

    listed = await jobs.list_for_user(SNOWFLAKE, limit=10)
    assert [j.id for j in listed] == [ids[1], ids[4], ids[3], ids[2], ids[0]]
    assert [j.id for j in await jobs.list_for_user(SNOWFLAKE, limit=2, offset=2)] == [
        ids[3],
        ids[2],
    ]
    assert await jobs.count_for_user(SNOWFLAKE) == 5
    assert await jobs.count_for_user(OTHER) == 1


async def test_a_job_is_found_by_its_task_and_its_pressed_buttons(any_storage: SqlStorage) -> None:
    parent_id = await submitted(any_storage, task_id="1734567890123456")
    found = await any_storage.jobs.by_task_id("1734567890123456")
    assert found is not None and found.id == parent_id
    assert await any_storage.jobs.by_task_id("nope") is None
    assert await any_storage.jobs.pressed_buttons(parent_id) == set()
    for index in (0, 0, 5):
        await any_storage.jobs.create(new_job(parent_job_id=parent_id, button_index=index), at=11.0)
    await any_storage.jobs.create(new_job(parent_job_id=parent_id), at=11.0)  # no button
    assert await any_storage.jobs.pressed_buttons(parent_id) == {0, 5}


async def test_private_jobs_whose_token_expires_soon_are_listed(any_storage: SqlStorage) -> None:
    jobs = any_storage.jobs

    async def make(ephemeral: bool, expires: float) -> int:
        ref = MessageRef(
            channel_id=1,
            message_id=2,
            interaction_token="tok",
            token_expires_at=expires,
            ephemeral=ephemeral,
        )
        origin = Origin(user_id=SNOWFLAKE, message=ref)
        return (await jobs.create(NewJob(JobKind.IMAGINE, origin, prompt="p"), at=1.0)).id

    soon, later, public = await make(True, 100.0), await make(True, 900.0), await make(False, 50.0)
    assert [j.id for j in await jobs.list_expiring_private(before=200.0)] == [soon]
    job = await jobs.get(soon)
    assert job is not None and job.message.ephemeral
    await jobs.move_message(
        soon, MessageRef(channel_id=5, message_id=6, kind=MessageKind.DM), at=2.0
    )
    assert await jobs.list_expiring_private(before=200.0) == []  # moved to DMs: not again
    moved = await jobs.get(soon)
    assert moved is not None and moved.message.kind is MessageKind.DM
    assert not moved.message.ephemeral
    assert {later, public} <= {j.id for j in await jobs.list_for_user(SNOWFLAKE, limit=10)}
