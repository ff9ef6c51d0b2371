"""JobLifecycle on real storage (a SQLite file and PostgreSQL): every status change, its
events, final states written once, and transactions that hold or roll back as a whole."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.core.events import Cause, JobEvent
from bot.core.lifecycle import JobLifecycle
from bot.core.models import (
    INTERRUPTED_REASON,
    TIMED_OUT_REASON,
    Job,
    JobKind,
    JobStatus,
    MessageRef,
    NewJob,
    Origin,
    ResultButton,
    TaskUpdate,
)
from bot.core.ports import Stores
from bot.core.storage import SqlStorage
from bot.sim import ManualClock

ORIGIN = Origin(user_id=1, guild_id=3, message=MessageRef(channel_id=2, message_id=4))
BUTTONS = (
    ResultButton(custom_id="MJ::JOB::upsample::1::abc", label="U1"),
    ResultButton(custom_id="MJ::JOB::upsample::2::abc", label="U2"),
    ResultButton(custom_id="MJ::JOB::reroll::0::abc", emoji="🔄"),
    ResultButton(custom_id="MJ::JOB::variation::1::abc", label="V1"),
)
SUCCESS = TaskUpdate(
    JobStatus.SUCCESS,
    progress=100,
    image_url="https://cdn.example/final.png",
    final_prompt="a lighthouse at dusk --v 7",
    buttons=BUTTONS,
)
FAILURE = TaskUpdate(JobStatus.FAILURE, fail_reason="banned prompt")


class Events:
    """An after-commit listener that keeps every event it is told."""

    def __init__(self) -> None:
        self.seen: list[JobEvent] = []

    async def __call__(self, event: JobEvent) -> None:
        self.seen.append(event)

    def of(self, job: Job) -> list[JobEvent]:
        return [e for e in self.seen if e.job.id == job.id]

    def finished(self, job: Job) -> list[JobEvent]:
        return [e for e in self.of(job) if e.finished]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000.0)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def lifecycle(any_storage: SqlStorage, clock: ManualClock, events: Events) -> JobLifecycle:
    lifecycle = JobLifecycle(any_storage, clock=clock)
    lifecycle.subscribe(events)
    return lifecycle


async def recorded(lifecycle: JobLifecycle, prompt: str = "a lighthouse at dusk") -> Job:
    return await lifecycle.record(NewJob(JobKind.IMAGINE, ORIGIN, prompt=prompt))


async def submitted(
    lifecycle: JobLifecycle,
    prompt: str = "a lighthouse at dusk",
    *,
    task_id: str = "task-1",
    needs_input: bool = False,
) -> Job:
    job = await recorded(lifecycle, prompt)
    return await lifecycle.submitted(
        job, task_id=task_id, queue_position=2, final_prompt=None, needs_input=needs_input
    )


async def stored(storage: SqlStorage, job: Job) -> Job:
    found = await storage.jobs.get(job.id)
    assert found is not None
    return found


# ------------------------------------------------------------------- the happy path


async def test_a_job_goes_from_recorded_to_success_with_ordered_events_and_its_buttons(
    any_storage: SqlStorage, lifecycle: JobLifecycle, clock: ManualClock, events: Events
) -> None:
    buttons_when_told: list[list[str]] = []

    async def read_buttons_after_commit(event: JobEvent) -> None:
        if event.finished:  # the buttons are committed with the success, not after it
            found = await any_storage.buttons.list(event.job.id)
            buttons_when_told.append([b.custom_id for b in found])

    lifecycle.subscribe(read_buttons_after_commit)

    job = await recorded(lifecycle)
    assert job.status is JobStatus.PENDING and job.task_id is None
    clock.advance(1)
    job = await lifecycle.submitted(
        job, task_id="task-1", queue_position=3, final_prompt=None, needs_input=False
    )
    assert job.status is JobStatus.WAITING and job.queue_position == 3
    clock.advance(1)
    preview = TaskUpdate(JobStatus.IN_PROGRESS, progress=30, image_url="https://cdn.example/p.png")
    (job,) = await lifecycle.apply_task_updates([(job, preview)])
    clock.advance(1)
    (job,) = await lifecycle.apply_task_updates([(job, TaskUpdate(JobStatus.IN_PROGRESS, 70))])
    clock.advance(1)
    (job,) = await lifecycle.apply_task_updates([(job, SUCCESS)])

    assert [(e.cause, e.previous, e.job.status, e.job.progress) for e in events.seen] == [
        (Cause.RECORDED, None, JobStatus.PENDING, 0),
        (Cause.SUBMITTED, JobStatus.PENDING, JobStatus.WAITING, 0),
        (Cause.TASK, JobStatus.WAITING, JobStatus.IN_PROGRESS, 30),
        (Cause.TASK, JobStatus.IN_PROGRESS, JobStatus.IN_PROGRESS, 70),
        (Cause.TASK, JobStatus.IN_PROGRESS, JobStatus.SUCCESS, 100),
    ]
    assert [e.finished for e in events.seen] == [False, False, False, False, True]
    final = await stored(any_storage, job)
    assert final.status is JobStatus.SUCCESS and final.progress == 100
    assert final.task_id == "task-1" and final.queue_position is None
    assert final.image_url == SUCCESS.image_url and final.final_prompt == SUCCESS.final_prompt
    assert final.submitted_at == 1_001.0 and final.finished_at == final.updated_at == 1_004.0
    # What listeners and the caller are given is what was stored.
    assert events.seen[-1].job == final == job
    assert [b.custom_id for b in await any_storage.buttons.list(job.id)] == [
        b.custom_id for b in BUTTONS
    ]
    assert buttons_when_told == [[b.custom_id for b in BUTTONS]]


async def test_only_the_recording_is_invisible_to_the_user(
    lifecycle: JobLifecycle, events: Events
) -> None:
    job = await submitted(lifecycle)
    (job,) = await lifecycle.apply_task_updates([(job, TaskUpdate(JobStatus.IN_PROGRESS, 10))])
    await lifecycle.apply_task_updates([(job, SUCCESS)])

    assert [(e.cause, e.visible) for e in events.seen] == [
        (Cause.RECORDED, False),  # nothing is on the message yet
        (Cause.SUBMITTED, True),
        (Cause.TASK, True),
        (Cause.TASK, True),
    ]


async def test_an_update_that_changes_nothing_writes_and_tells_nothing(
    any_storage: SqlStorage, lifecycle: JobLifecycle, clock: ManualClock, events: Events
) -> None:
    in_transaction: list[JobEvent] = []

    async def count(_stores: Stores, event: JobEvent) -> None:
        in_transaction.append(event)

    lifecycle.subscribe_in_transaction(count)
    job = await submitted(lifecycle)
    running = TaskUpdate(JobStatus.IN_PROGRESS, progress=40, image_url="https://cdn.example/p.png")
    (job,) = await lifecycle.apply_task_updates([(job, running)])
    before = (len(events.seen), len(in_transaction))
    clock.advance(30)

    (same,) = await lifecycle.apply_task_updates([(job, running)])
    # A task the aggregator reports without its preview keeps the one already shown.
    (same,) = await lifecycle.apply_task_updates([(same, TaskUpdate(JobStatus.IN_PROGRESS, 40))])

    assert (len(events.seen), len(in_transaction)) == before
    assert same == job == await stored(any_storage, job)
    assert same.updated_at == 1_000.0

    clock.advance(30)
    (done,) = await lifecycle.apply_task_updates([(job, SUCCESS)])
    clock.advance(30)
    (again,) = await lifecycle.apply_task_updates([(done, SUCCESS)])
    assert again == done == await stored(any_storage, job)
    assert done.updated_at == done.finished_at == 1_060.0
    assert len(events.finished(job)) == 1


# ------------------------------------------------------------------- final states once

SecondFinish = Callable[[JobLifecycle, Job], Awaitable[object]]
SECOND_FINISHES: dict[str, SecondFinish] = {
    "failure update": lambda lc, job: lc.apply_task_updates([(job, FAILURE)]),
    "cancel update": lambda lc, job: lc.apply_task_updates([(job, TaskUpdate(JobStatus.CANCEL))]),
    "deadline": lambda lc, job: lc.expire([job]),
    "interrupted": lambda lc, job: lc.interrupt([job]),
    "submit failed": lambda lc, job: lc.submit_failed(job, "connection reset"),
}


@pytest.mark.parametrize("second", list(SECOND_FINISHES))
async def test_a_success_stays_a_success_whatever_comes_next(
    any_storage: SqlStorage,
    lifecycle: JobLifecycle,
    clock: ManualClock,
    events: Events,
    second: str,
) -> None:
    job = await submitted(lifecycle)
    (done,) = await lifecycle.apply_task_updates([(job, SUCCESS)])
    clock.advance(60)

    # `job` is the caller's snapshot from before the success, as a racing path would hold.
    await SECOND_FINISHES[second](lifecycle, job)

    final = await stored(any_storage, job)
    assert final == done
    assert final.status is JobStatus.SUCCESS and final.fail_reason is None
    assert final.updated_at == 1_000.0
    assert [e.job.status for e in events.finished(job)] == [JobStatus.SUCCESS]
    assert len(await any_storage.buttons.list(job.id)) == len(BUTTONS)


async def test_a_late_final_returns_the_job_as_stored(
    lifecycle: JobLifecycle, events: Events
) -> None:
    job = await submitted(lifecycle)
    (done,) = await lifecycle.apply_task_updates([(job, SUCCESS)])

    (after_failure,) = await lifecycle.apply_task_updates([(job, FAILURE)])
    after_submit_failed = await lifecycle.submit_failed(job, "too late")
    expired = await lifecycle.expire([job])

    # The tracker drops a job by what it is told: it must hear the stored success.
    assert after_failure == after_submit_failed == done
    assert expired == []
    assert len(events.finished(job)) == 1


async def test_racing_final_paths_finish_a_job_once(
    any_storage: SqlStorage, lifecycle: JobLifecycle, events: Events
) -> None:
    jobs = [await submitted(lifecycle, f"race {i}", task_id=f"task-{i}") for i in range(5)]

    await asyncio.gather(
        *(
            path
            for job in jobs
            for path in (
                lifecycle.apply_task_updates([(job, SUCCESS)]),
                lifecycle.apply_task_updates([(job, SUCCESS)]),
                lifecycle.apply_task_updates([(job, FAILURE)]),
                lifecycle.expire([job]),
                lifecycle.submit_failed(job, "connection reset"),
            )
        )
    )

    for job in jobs:
        (finished,) = events.finished(job)
        final = await stored(any_storage, job)
        assert final == finished.job  # the one told is the one kept
        buttons = await any_storage.buttons.list(job.id)
        assert len(buttons) == (len(BUTTONS) if final.status is JobStatus.SUCCESS else 0)


async def test_a_submit_answer_after_a_submit_failure_does_not_revive_the_job(
    any_storage: SqlStorage, lifecycle: JobLifecycle, events: Events
) -> None:
    job = await recorded(lifecycle)
    failed = await lifecycle.submit_failed(job, "HTTP 502 from the aggregator")
    assert failed.status is JobStatus.FAILURE
    assert events.seen[-1].cause is Cause.SUBMIT_FAILED and events.seen[-1].visible

    late = await lifecycle.submitted(
        job, task_id="task-9", queue_position=None, final_prompt=None, needs_input=False
    )

    assert late == failed == await stored(any_storage, job)
    assert late.task_id is None and late.fail_reason == "HTTP 502 from the aggregator"
    assert [e.cause for e in events.of(job)] == [Cause.RECORDED, Cause.SUBMIT_FAILED]


# ------------------------------------------------------------------- transactions


async def test_an_in_transaction_listener_error_rolls_the_change_back(
    any_storage: SqlStorage, lifecycle: JobLifecycle, clock: ManualClock, events: Events
) -> None:
    refuse = True

    async def charge(_stores: Stores, event: JobEvent) -> None:
        if refuse and event.finished:
            raise RuntimeError("the ledger refused the charge")

    lifecycle.subscribe_in_transaction(charge)
    job = await submitted(lifecycle)
    told = len(events.seen)
    clock.advance(5)

    with pytest.raises(RuntimeError, match="ledger"):
        await lifecycle.apply_task_updates([(job, SUCCESS)])

    assert await stored(any_storage, job) == job  # still WAITING, nothing written
    assert await any_storage.buttons.list(job.id) == []
    assert len(events.seen) == told  # no after-commit event for what was rolled back

    refuse = False
    (done,) = await lifecycle.apply_task_updates([(job, SUCCESS)])
    assert done.status is JobStatus.SUCCESS and len(events.finished(job)) == 1


Prepare = Callable[[JobLifecycle], Awaitable[Job]]
Change = Callable[[JobLifecycle, Job], Awaitable[object]]
EVERY_CHANGE: dict[str, tuple[Prepare, Change]] = {
    "submitted": (
        recorded,
        lambda lc, job: lc.submitted(
            job, task_id="task-5", queue_position=None, final_prompt=None, needs_input=False
        ),
    ),
    "submit failed": (recorded, lambda lc, job: lc.submit_failed(job, "HTTP 502")),
    "answered": (
        lambda lc: submitted(lc, needs_input=True),
        lambda lc, job: lc.reopen(job, "zoom out --zoom 2"),
    ),
    "progress": (
        submitted,
        lambda lc, job: lc.apply_task_updates([(job, TaskUpdate(JobStatus.IN_PROGRESS, 5))]),
    ),
    "deadline": (submitted, lambda lc, job: lc.expire([job])),
    "interrupted": (recorded, lambda lc, job: lc.interrupt([job])),
}


@pytest.mark.parametrize("change", list(EVERY_CHANGE))
async def test_every_change_is_rolled_back_by_an_in_transaction_listener_error(
    any_storage: SqlStorage,
    lifecycle: JobLifecycle,
    clock: ManualClock,
    events: Events,
    change: str,
) -> None:
    prepare, act = EVERY_CHANGE[change]
    job = await prepare(lifecycle)
    told = len(events.seen)

    async def refuse(_stores: Stores, event: JobEvent) -> None:
        raise RuntimeError("refused inside the transaction")

    lifecycle.subscribe_in_transaction(refuse)
    clock.advance(5)

    with pytest.raises(RuntimeError, match="refused"):
        await act(lifecycle, job)

    assert await stored(any_storage, job) == job
    assert len(events.seen) == told


async def test_an_in_transaction_listener_error_leaves_no_job_recorded(
    any_storage: SqlStorage, lifecycle: JobLifecycle, events: Events
) -> None:
    async def refuse(_stores: Stores, event: JobEvent) -> None:
        raise RuntimeError("no credit left")

    lifecycle.subscribe_in_transaction(refuse)

    with pytest.raises(RuntimeError, match="credit"):
        await recorded(lifecycle)

    assert await any_storage.jobs.list_by_status(list(JobStatus)) == []
    assert events.seen == []


async def test_a_listener_inside_the_transaction_sees_the_change_and_writes_with_it(
    any_storage: SqlStorage, lifecycle: JobLifecycle
) -> None:
    seen_inside: list[tuple[JobStatus, int]] = []

    async def note(stores: Stores, event: JobEvent) -> None:
        if event.finished:
            current = await stores.jobs.get(event.job.id)
            assert current is not None
            seen_inside.append((current.status, len(await stores.buttons.list(event.job.id))))
            await stores.meta.put(f"charged:{event.job.id}", "1")

    lifecycle.subscribe_in_transaction(note)
    job = await submitted(lifecycle)
    await lifecycle.apply_task_updates([(job, SUCCESS)])

    assert seen_inside == [(JobStatus.SUCCESS, len(BUTTONS))]
    assert await any_storage.meta.get(f"charged:{job.id}") == "1"


async def test_a_failing_after_commit_listener_is_logged_and_the_others_still_hear(
    any_storage: SqlStorage,
    lifecycle: JobLifecycle,
    events: Events,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken_calls: list[Cause] = []

    async def broken(event: JobEvent) -> None:
        broken_calls.append(event.cause)
        raise RuntimeError("publisher exploded")

    # Subscribed after `events` and before `later`: neither side may miss anything.
    lifecycle.subscribe(broken)
    later = Events()
    lifecycle.subscribe(later)

    with caplog.at_level(logging.ERROR, logger="bot.core.lifecycle"):
        job = await submitted(lifecycle)
        (done,) = await lifecycle.apply_task_updates([(job, SUCCESS)])

    assert done.status is JobStatus.SUCCESS
    assert await stored(any_storage, job) == done  # committed despite the listener
    expected = [Cause.RECORDED, Cause.SUBMITTED, Cause.TASK]
    assert [e.cause for e in events.seen] == [e.cause for e in later.seen] == expected
    assert broken_calls == expected
    failures = [r for r in caplog.records if f"listener failed on job {job.id}" in r.message]
    assert len(failures) == 3
    assert all(r.exc_info and "publisher exploded" in str(r.exc_info[1]) for r in failures)


async def test_a_polling_tick_is_one_transaction(
    any_storage: SqlStorage, lifecycle: JobLifecycle, clock: ManualClock, events: Events
) -> None:
    jobs = [await submitted(lifecycle, f"cat {i}", task_id=f"task-{i}") for i in range(5)]
    told = len(events.seen)
    refuse = True

    async def third_fails(_stores: Stores, event: JobEvent) -> None:
        if refuse and event.job.id == jobs[2].id:
            raise RuntimeError("third job refused")

    lifecycle.subscribe_in_transaction(third_fails)
    clock.advance(5)
    running = TaskUpdate(JobStatus.IN_PROGRESS, 50)
    updates = [(job, SUCCESS if i % 2 else running) for i, job in enumerate(jobs)]

    with pytest.raises(RuntimeError, match="third"):
        await lifecycle.apply_task_updates(updates)

    assert [await stored(any_storage, job) for job in jobs] == jobs
    assert [await any_storage.buttons.list(job.id) for job in jobs] == [[]] * 5
    assert len(events.seen) == told

    refuse = False  # the next tick goes through whole
    after = await lifecycle.apply_task_updates(updates)
    assert [job.status for job in after] == [
        JobStatus.IN_PROGRESS,
        JobStatus.SUCCESS,
        JobStatus.IN_PROGRESS,
        JobStatus.SUCCESS,
        JobStatus.IN_PROGRESS,
    ]
    assert [await stored(any_storage, job) for job in jobs] == after
    # One event per job, each as stored (their order within a tick is not promised).
    ticked = sorted(events.seen[told:], key=lambda e: e.job.id)
    assert [e.job for e in ticked] == after


# ------------------------------------------------------------------- input, interruption


async def test_a_modal_job_is_reopened_once(
    any_storage: SqlStorage, lifecycle: JobLifecycle, events: Events
) -> None:
    job = await submitted(lifecycle, "zoom out", needs_input=True)
    assert job.status is JobStatus.MODAL

    first, second = await asyncio.gather(
        lifecycle.reopen(job, "zoom out --zoom 1.5"), lifecycle.reopen(job, "a second answer")
    )

    assert (first is None) != (second is None)
    answered = first or second
    assert answered is not None and answered.status is JobStatus.PENDING
    assert answered == await stored(any_storage, job)
    assert await lifecycle.reopen(job, "a third answer") is None
    (event,) = [e for e in events.of(job) if e.cause is Cause.ANSWERED]
    assert event.previous is JobStatus.MODAL and event.visible and not event.finished

    resubmitted = await lifecycle.submitted(
        answered, task_id="task-2", queue_position=None, final_prompt=None, needs_input=False
    )
    assert resubmitted.status is JobStatus.WAITING and resubmitted.task_id == "task-2"
    assert resubmitted.prompt == answered.prompt
    assert await lifecycle.reopen(job, "too late") is None


async def test_interrupt_fails_only_jobs_whose_submit_was_never_answered(
    any_storage: SqlStorage, lifecycle: JobLifecycle, clock: ManualClock, events: Events
) -> None:
    pending = [await recorded(lifecycle, f"lost {i}") for i in range(2)]
    waiting = await submitted(lifecycle, "accepted")
    clock.advance(10)

    # What the tracker does at start: every PENDING job is interrupted.
    interrupted = await lifecycle.interrupt(
        await any_storage.jobs.list_by_status([JobStatus.PENDING])
    )

    assert [job.id for job in interrupted] == [job.id for job in pending]
    for job in pending:
        final = await stored(any_storage, job)
        assert final.status is JobStatus.FAILURE and final.fail_reason == INTERRUPTED_REASON
        assert final.finished_at == 1_010.0
        (event,) = events.finished(job)
        assert event.cause is Cause.INTERRUPTED and event.previous is JobStatus.PENDING
        assert event.job == final
    assert await stored(any_storage, waiting) == waiting
    told = len(events.seen)
    assert await lifecycle.interrupt(pending) == []  # a second start finds nothing to do
    assert len(events.seen) == told


async def test_expire_fails_overdue_jobs_as_timed_out(
    any_storage: SqlStorage, lifecycle: JobLifecycle, clock: ManualClock, events: Events
) -> None:
    job = await submitted(lifecycle)
    (job,) = await lifecycle.apply_task_updates([(job, TaskUpdate(JobStatus.IN_PROGRESS, 60))])
    clock.advance(3_600)

    (expired,) = await lifecycle.expire([job])

    assert expired == await stored(any_storage, job)
    assert expired.status is JobStatus.FAILURE and expired.fail_reason == TIMED_OUT_REASON
    assert expired.progress == 60 and expired.finished_at == 4_600.0
    (event,) = events.finished(job)
    assert event.cause is Cause.DEADLINE and event.previous is JobStatus.IN_PROGRESS
