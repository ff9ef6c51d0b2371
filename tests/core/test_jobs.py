"""JobService: validation before the network, one submit per request, local follow-ups."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import build_core
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJBannedPromptError
from bot.core.models import Job, JobKind, JobStatus, MessageRef, Origin
from bot.core.starter import JobLimits
from bot.core.storage import SqlStorage
from bot.core.validation import Rejection, RequestRejectedError
from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from bot.sim.png import encode_png
from tests.conftest import make_client


def at(message_id: int, user_id: int = 10) -> Origin:
    """A request from `user_id` whose answer is message `message_id` in channel 20."""
    return Origin(
        user_id=user_id, guild_id=30, message=MessageRef(channel_id=20, message_id=message_id)
    )


OWNER = at(40)
STRANGER = at(41, user_id=99)
PNG = encode_png(16, 16, lambda y: b"\xff\x00\x00" * 16)


class Services:
    def __init__(self, client: MJClient, storage: SqlStorage, *, owner_only: bool = True) -> None:
        self.jobs = storage.jobs
        self.buttons = storage.buttons
        self.press_clock = ManualClock(0.0)
        core = build_core(
            client,
            storage,
            limits=JobLimits(max_image_bytes=100_000, owner_only_buttons=owner_only),
            poll_interval=0.01,
            deadline_seconds=3600,
            press_clock=self.press_clock,
        )
        self.tracker = core.tracker
        self.service = core.jobs
        self.presses = core.presses

    async def finish(self, sim_clock: ManualClock) -> None:
        while self.tracker.tracked_count:
            sim_clock.advance(1.0)
            await self.tracker.tick()

    async def reload(self, job: Job) -> Job:
        fresh = await self.jobs.get(job.id)
        assert fresh is not None
        return fresh

    async def index_of(self, job: Job, predicate) -> int:  # type: ignore[no-untyped-def]
        buttons = await self.buttons.list(job.id)
        return next(b.index for b in buttons if predicate(b))


@pytest.fixture
def svc(client: MJClient, storage: SqlStorage) -> Services:
    return Services(client, storage)


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda s: s.imagine(OWNER, "   "), Rejection.PROMPT_EMPTY),
        (lambda s: s.imagine(OWNER, "x" * 4001), Rejection.PROMPT_TOO_LONG),
        (lambda s: s.blend(OWNER, [PNG]), Rejection.IMAGE_COUNT),
        (lambda s: s.blend(OWNER, [PNG] * 6), Rejection.IMAGE_COUNT),
        (lambda s: s.blend(OWNER, [PNG, b"GIF8 but not really"]), Rejection.IMAGE_NOT_SUPPORTED),
        (lambda s: s.describe(OWNER, b"\x00" * 200_000), Rejection.IMAGE_TOO_LARGE),
        (lambda s: s.shorten(OWNER, ""), Rejection.PROMPT_EMPTY),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    svc: Services, sim: Simulator, storage: SqlStorage, call, reason: Rejection
) -> None:
    with pytest.raises(RequestRejectedError) as caught:
        await call(svc.service)
    assert caught.value.reason is reason
    assert sim.count("total") == 0
    assert await svc.jobs.list_by_status(list(JobStatus)) == []


async def test_a_job_is_recorded_with_its_message_before_tracking(
    svc: Services, sim: Simulator
) -> None:
    job = await svc.service.blend(OWNER, [PNG, PNG])
    assert job.kind is JobKind.BLEND and job.status is JobStatus.WAITING
    assert (job.message.channel_id, job.message.message_id, job.user_id) == (20, 40, 10)
    assert job.task_id and svc.tracker.is_tracking(job.id)
    sent = sim.records("submit/blend")[0].body_json["base64Array"]
    assert all(url.startswith("data:image/png;base64,") for url in sent)


async def test_a_refused_submit_is_kept_as_a_failed_job(svc: Services, sim: Simulator) -> None:
    with pytest.raises(MJBannedPromptError):
        await svc.service.imagine(OWNER, "a bannedword cat")
    (failed,) = await svc.jobs.list_by_status([JobStatus.FAILURE])
    assert failed.prompt == "a bannedword cat" and "24" in (failed.fail_reason or "")
    assert sim.count("submit/imagine") == 1


async def test_queue_position_is_kept(svc: Services, sim: Simulator) -> None:
    sim.faults.queue_position = 2
    job = await svc.service.imagine(OWNER, "in line")
    assert job.queue_position == 2


async def test_upscale_then_custom_zoom_through_the_modal(
    svc: Services, sim: Simulator, sim_clock: ManualClock
) -> None:
    grid = await svc.service.imagine(OWNER, "a castle on a hill")
    await svc.finish(sim_clock)
    u2 = await svc.index_of(grid, lambda b: b.label == "U2")
    (upscale,) = await svc.presses.press(OWNER, grid.id, u2)
    assert upscale.kind is JobKind.ACTION and upscale.parent_job_id == grid.id
    await svc.finish(sim_clock)
    upscale = await svc.reload(upscale)
    assert upscale.status is JobStatus.SUCCESS

    zoom = await svc.index_of(upscale, lambda b: b.custom_id.startswith("MJ::CustomZoom::"))
    press = await svc.presses.resolve_press(upscale.id, zoom, OWNER.user_id)
    assert "a castle on a hill" in svc.presses.default_prompt(press)
    (zoomed,) = await svc.presses.press(OWNER, upscale.id, zoom, prompt="a castle --zoom 1.5")
    assert zoomed.status is JobStatus.WAITING
    assert sim.records("submit/modal")[0].body_json["prompt"] == "a castle --zoom 1.5"
    await svc.finish(sim_clock)
    assert (await svc.reload(zoomed)).status is JobStatus.SUCCESS


async def test_two_presses_within_a_second_submit_once(
    svc: Services, sim: Simulator, sim_clock: ManualClock
) -> None:
    grid = await svc.service.imagine(OWNER, "double click")
    await svc.finish(sim_clock)
    await svc.presses.press(OWNER, grid.id, 0)
    svc.press_clock.advance(0.4)
    with pytest.raises(RequestRejectedError) as caught:
        await svc.presses.press(OWNER, grid.id, 0)
    assert caught.value.reason is Rejection.ALREADY_PRESSED
    assert sim.count("submit/action") == 1
    svc.press_clock.advance(1.0)
    await svc.presses.press(OWNER, grid.id, 0)
    assert sim.count("submit/action") == 2


async def test_someone_elses_button_is_refused(
    svc: Services, sim: Simulator, sim_clock: ManualClock
) -> None:
    grid = await svc.service.imagine(OWNER, "mine")
    await svc.finish(sim_clock)
    with pytest.raises(RequestRejectedError) as caught:
        await svc.presses.press(STRANGER, grid.id, 0)
    assert caught.value.reason is Rejection.NOT_OWNER
    assert caught.value.params == {"owner_id": OWNER.user_id}
    assert sim.count("submit/action") == 0


async def test_anyone_policy_lets_others_press(
    client: MJClient, storage: SqlStorage, sim: Simulator, sim_clock: ManualClock
) -> None:
    svc = Services(client, storage, owner_only=False)
    grid = await svc.service.imagine(OWNER, "shared")
    await svc.finish(sim_clock)
    (job,) = await svc.presses.press(STRANGER, grid.id, 0)
    assert job.user_id == STRANGER.user_id


async def test_describe_follow_ups_are_done_locally(
    svc: Services, sim: Simulator, sim_clock: ManualClock
) -> None:
    described = await svc.service.describe(OWNER, PNG)
    await svc.finish(sim_clock)
    described = await svc.reload(described)
    prompts = svc.presses.result_prompts(described)
    assert len(prompts) == 4

    second = await svc.index_of(described, lambda b: b.custom_id == "MJ::Job::PicReader::2")
    press = await svc.presses.resolve_press(described.id, second, OWNER.user_id)
    assert svc.presses.default_prompt(press) == prompts[1]
    (imagined,) = await svc.presses.press(OWNER, described.id, second, prompt=prompts[1] + " red")
    assert imagined.kind is JobKind.IMAGINE and imagined.parent_job_id == described.id
    assert sim.records("submit/imagine")[-1].body_json["prompt"] == prompts[1] + " red"

    retry = await svc.index_of(described, lambda b: b.custom_id == "MJ::Picread::Retry")
    (again,) = await svc.presses.press(OWNER, described.id, retry)
    assert again.kind is JobKind.DESCRIBE
    first_image = sim.records("submit/describe")[0].body_json["base64"]
    assert sim.records("submit/describe")[1].body_json["base64"] == first_image

    everything = await svc.index_of(described, lambda b: b.custom_id == "MJ::Job::PicReader::all")
    origins = iter(at(100 + i) for i in range(3))

    async def more() -> Origin:
        return next(origins)

    started = await svc.presses.press(OWNER, described.id, everything, more_origins=more)
    assert [j.prompt for j in started] == prompts
    assert [j.message.message_id for j in started] == [40, 100, 101, 102]
    assert sim.count("submit/action") == 0


async def test_shorten_prompt_buttons_imagine_that_prompt(
    svc: Services, sim: Simulator, sim_clock: ManualClock
) -> None:
    job = await svc.service.shorten(OWNER, "a majestic red fox sitting in deep snow, watercolor")
    await svc.finish(sim_clock)
    job = await svc.reload(job)
    prompts = svc.presses.result_prompts(job)
    assert len(prompts) == 5
    third = await svc.index_of(job, lambda b: b.custom_id.endswith("::3"))
    (imagined,) = await svc.presses.press(OWNER, job.id, third)
    assert imagined.prompt == prompts[2]


async def test_remix_modal_is_answered(storage: SqlStorage, http, sim_clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    async with running_simulator(SimConfig(step_seconds=1.0, remix=True), clock=sim_clock) as sim:
        svc = Services(make_client(sim, http), storage)
        grid = await svc.service.imagine(OWNER, "remix me")
        await svc.finish(sim_clock)
        v1 = await svc.index_of(grid, lambda b: b.label == "V1")
        (variation,) = await svc.presses.press(OWNER, grid.id, v1)
        assert variation.status is JobStatus.MODAL and variation.final_prompt
        with pytest.raises(RequestRejectedError):
            await svc.service.answer_modal(variation.id, STRANGER.user_id, "not yours")
        both = await asyncio.gather(
            svc.service.answer_modal(variation.id, OWNER.user_id, "remixed prompt"),
            svc.service.answer_modal(variation.id, OWNER.user_id, "submitted twice"),
            return_exceptions=True,
        )
        (answered,) = [r for r in both if isinstance(r, Job)]
        (refused,) = [r for r in both if isinstance(r, RequestRejectedError)]
        assert answered.status is JobStatus.WAITING
        assert refused.reason is Rejection.ALREADY_PRESSED
        assert sim.count("submit/modal") == 1
        await svc.finish(sim_clock)
        assert (await svc.reload(answered)).status is JobStatus.SUCCESS
        assert sim.records("submit/modal")[0].body_json["prompt"] == "remixed prompt"


async def test_imagine_all_keeps_going_when_one_prompt_is_refused(
    svc: Services, sim: Simulator, sim_clock: ManualClock
) -> None:
    described = await svc.service.describe(OWNER, PNG)
    await svc.finish(sim_clock)
    everything = await svc.index_of(described, lambda b: b.custom_id == "MJ::Job::PicReader::all")
    messages = iter(range(100, 103))

    async def more() -> Origin:
        number = next(messages)
        if number == 100:
            sim.faults.fault_scope = "submit"
            sim.faults.http_500 = 1  # the second prompt's submit fails
        return at(number)

    started = await svc.presses.press(OWNER, described.id, everything, more_origins=more)
    assert [j.status for j in started] == [
        JobStatus.WAITING,
        JobStatus.FAILURE,
        JobStatus.WAITING,
        JobStatus.WAITING,
    ]
    assert started[1].message.message_id == 100 and "500" in (started[1].fail_reason or "")
    assert sim.count("submit/imagine") == 4
