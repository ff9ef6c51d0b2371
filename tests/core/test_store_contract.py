"""The store contract, run against both backends: a SQLite file and a real PostgreSQL.

Locally without PostgreSQL the postgresql cases skip (tests/postgres.py says how to run
them); CI starts a server and runs them all.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.core.models import (
    InputImage,
    Job,
    JobKind,
    JobStatus,
    MessageKind,
    MessageRef,
    NewJob,
    Origin,
    Progress,
    ResultButton,
)
from bot.core.storage import SqlStorage

SNOWFLAKE = 1_234_567_890_123_456_789  # Discord ids need 64 bits
ORIGIN = Origin(
    user_id=SNOWFLAKE,
    guild_id=222,
    locale="zh-CN",
    message=MessageRef(
        channel_id=333,
        message_id=444,
        interaction_token="interaction-token",
        token_expires_at=1_700_000_900.0,
        upload_limit=25 * 1024 * 1024,
    ),
)


def new_job(prompt: str = "cat", **kwargs: object) -> NewJob:
    return NewJob(JobKind.IMAGINE, ORIGIN, prompt=prompt, **kwargs)  # type: ignore[arg-type]


def progress(job_id: int, percent: int, **fields: str) -> Progress:
    return Progress(
        job_id=job_id,
        status=JobStatus.IN_PROGRESS,
        progress=percent,
        queue_position=None,
        image_url=fields.get("image_url"),
        final_prompt=fields.get("final_prompt"),
    )


async def submitted(storage: SqlStorage, prompt: str = "cat", task_id: str = "t-1") -> int:
    job = await storage.jobs.create(new_job(prompt), at=10.0)
    assert await storage.jobs.mark_submitted(
        job.id,
        task_id=task_id,
        status=JobStatus.WAITING,
        queue_position=None,
        final_prompt=None,
        at=11.0,
    )
    return job.id


async def test_a_job_round_trips_with_its_message_and_inputs(any_storage: SqlStorage) -> None:
    image = InputImage(mime="image/png", data=b"\x89PNG\r\n\x1a\nrest")
    created = await any_storage.jobs.create(
        NewJob(JobKind.DESCRIBE, ORIGIN, options={"mode": "fast"}, inputs=(image,)), at=5.0
    )
    assert created.status is JobStatus.PENDING
    assert created.user_id == SNOWFLAKE and created.locale == "zh-CN"
    assert created.message == ORIGIN.message
    assert created.options == {"mode": "fast"}
    assert (created.created_at, created.updated_at) == (5.0, 5.0)
    assert await any_storage.jobs.inputs(created.id) == [image]
    assert await any_storage.jobs.get(created.id) == created
    assert await any_storage.jobs.get(created.id + 1000) is None

    child = await any_storage.jobs.create(
        new_job("p", parent_job_id=created.id, button_index=3), at=6.0
    )
    assert (child.parent_job_id, child.button_index) == (created.id, 3)


async def test_submit_progress_and_finish_move_a_job_forward_only(
    any_storage: SqlStorage,
) -> None:
    jobs = any_storage.jobs
    job = await jobs.create(new_job(), at=1.0)
    assert await jobs.mark_submitted(
        job.id, task_id="17306", status=JobStatus.WAITING, queue_position=2,
        final_prompt="cat --v 6", at=2.0,
    )  # fmt: skip
    # A second submit answer for the same job changes nothing.
    assert not await jobs.mark_submitted(
        job.id, task_id="other", status=JobStatus.WAITING, queue_position=None,
        final_prompt=None, at=3.0,
    )  # fmt: skip
    other = await jobs.create(new_job("other"), at=1.0)
    written = await jobs.record_progress(
        [
            progress(job.id, 46, image_url="http://127.0.0.1/p.png", final_prompt="cat --v 6"),
            progress(other.id, 5),
        ],
        at=4.0,
    )
    assert written == {job.id, other.id}
    listed, _ = await jobs.list_by_status([JobStatus.IN_PROGRESS])
    assert (listed.task_id, listed.progress, listed.submitted_at) == ("17306", 46, 2.0)
    assert (listed.image_url, listed.updated_at) == ("http://127.0.0.1/p.png", 4.0)

    assert await jobs.finish(
        job.id, status=JobStatus.SUCCESS, progress=100, image_url="http://127.0.0.1/r.png",
        final_prompt="cat --v 6", fail_reason=None, at=5.0,
    )  # fmt: skip
    # Final states are written once: a late failure or progress report is refused.
    assert not await jobs.finish(
        job.id, status=JobStatus.FAILURE, progress=0, image_url=None, final_prompt=None,
        fail_reason="late", at=6.0,
    )  # fmt: skip
    late = [progress(job.id, 50), progress(other.id, 60)]
    assert await jobs.record_progress(late, at=7.0) == {other.id}
    done = await jobs.get(job.id)
    assert done is not None
    assert (done.status, done.progress, done.fail_reason) == (JobStatus.SUCCESS, 100, None)
    assert (done.finished_at, done.updated_at) == (5.0, 5.0)


async def test_finish_races_have_exactly_one_winner(any_storage: SqlStorage) -> None:
    job_id = await submitted(any_storage)

    async def finish(status: JobStatus) -> Job | None:
        return await any_storage.jobs.finish(
            job_id, status=status, progress=0, image_url=None, final_prompt=None,
            fail_reason=str(status), at=9.0,
        )  # fmt: skip

    statuses = [JobStatus.SUCCESS, JobStatus.FAILURE, JobStatus.CANCEL] * 4
    results = await asyncio.gather(*(finish(status) for status in statuses))
    (winner,) = [job for job in results if job is not None]
    assert winner == await any_storage.jobs.get(job_id)  # the row as stored


async def test_a_modal_answer_reopens_the_job_once(any_storage: SqlStorage) -> None:
    jobs = any_storage.jobs
    job = await jobs.create(new_job(), at=1.0)
    await jobs.mark_submitted(
        job.id, task_id="t", status=JobStatus.MODAL, queue_position=None, final_prompt=None,
        at=2.0,
    )  # fmt: skip
    answers = await asyncio.gather(
        jobs.reopen(job.id, prompt="first", at=3.0), jobs.reopen(job.id, prompt="second", at=3.0)
    )
    assert sorted(answers) == [False, True]
    reopened = await jobs.get(job.id)
    assert reopened is not None and reopened.status is JobStatus.PENDING
    assert reopened.prompt == ("first" if answers[0] else "second")


async def test_moving_a_message_and_marking_it_shown(any_storage: SqlStorage) -> None:
    jobs = any_storage.jobs
    job_id = await submitted(any_storage)
    moved = MessageRef(channel_id=333, message_id=SNOWFLAKE, kind=MessageKind.CHANNEL)
    await jobs.move_message(job_id, moved, at=20.0)
    assert await jobs.list_unshown_finals(since=0.0) == []
    await jobs.finish(
        job_id, status=JobStatus.FAILURE, progress=0, image_url=None, final_prompt=None,
        fail_reason="nope", at=21.0,
    )  # fmt: skip
    [unshown] = await jobs.list_unshown_finals(since=0.0)
    assert unshown.message == moved and unshown.message.interaction_token is None
    assert await jobs.list_unshown_finals(since=21.0) == []  # only recent ones
    await jobs.mark_shown(job_id, JobStatus.FAILURE)
    assert await jobs.list_unshown_finals(since=0.0) == []


async def test_buttons_round_trip_in_order_and_are_replaced(any_storage: SqlStorage) -> None:
    job_id = await submitted(any_storage)
    result = [
        ResultButton(custom_id="MJ::JOB::upsample::1::abc", label="U1"),
        ResultButton(custom_id="MJ::JOB::reroll::0::abc::SOLO", emoji="🔄"),
        ResultButton(custom_id="MJ::JOB::variation::1::abc", label="V1", style=1),
    ]
    await any_storage.buttons.replace(job_id, result)
    stored = await any_storage.buttons.list(job_id)
    assert [(b.index, b.custom_id, b.label, b.emoji, b.style) for b in stored] == [
        (0, "MJ::JOB::upsample::1::abc", "U1", "", 2),
        (1, "MJ::JOB::reroll::0::abc::SOLO", "", "🔄", 2),
        (2, "MJ::JOB::variation::1::abc", "V1", "", 1),
    ]
    assert await any_storage.buttons.get(job_id, 1) == stored[1]
    assert await any_storage.buttons.get(job_id, 9) is None
    await any_storage.buttons.replace(job_id, result[:1])
    assert [b.custom_id for b in await any_storage.buttons.list(job_id)] == [result[0].custom_id]


async def test_buttons_need_an_existing_job(any_storage: SqlStorage) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await any_storage.buttons.replace(987654, [ResultButton(custom_id="x")])


async def test_a_transaction_commits_together_or_not_at_all(any_storage: SqlStorage) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with any_storage.transaction() as stores:
            job = await stores.jobs.create(new_job("rolled back"), at=1.0)
            await stores.meta.put("k", "v")
            raise Boom
    assert await any_storage.jobs.list_by_status(list(JobStatus)) == []
    assert await any_storage.meta.get("k") is None

    async with any_storage.transaction() as stores:
        job = await stores.jobs.create(new_job("kept"), at=1.0)
        await stores.buttons.replace(job.id, [ResultButton(custom_id="MJ::x")])
        assert (await stores.jobs.get(job.id)) == job  # reads see the transaction's writes
    assert [b.custom_id for b in await any_storage.buttons.list(job.id)] == ["MJ::x"]


async def test_concurrent_transactions_do_not_lose_writes(any_storage: SqlStorage) -> None:
    async def record(n: int) -> None:
        async with any_storage.transaction() as stores:
            job = await stores.jobs.create(new_job(f"job {n}"), at=float(n))
            await stores.buttons.replace(job.id, [ResultButton(custom_id=f"MJ::{n}")])

    await asyncio.gather(*(record(n) for n in range(40)))
    jobs = await any_storage.jobs.list_by_status([JobStatus.PENDING])
    assert sorted(job.prompt for job in jobs) == sorted(f"job {n}" for n in range(40))


async def test_meta_values_are_upserted(any_storage: SqlStorage) -> None:
    assert await any_storage.meta.get("command_tree") is None
    await any_storage.meta.put("command_tree", "a")
    await any_storage.meta.put("command_tree", "b")
    assert await any_storage.meta.get("command_tree") == "b"


async def test_writing_beside_an_open_transaction_is_refused_not_hung(
    any_storage: SqlStorage,
) -> None:
    async with any_storage.transaction() as stores:
        await stores.meta.put("inside", "1")
        with pytest.raises(RuntimeError, match="deadlock"):
            await any_storage.meta.put("outside", "2")
    assert await any_storage.meta.get("inside") == "1"
