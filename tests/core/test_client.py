"""The real client over real HTTP against the simulator: every endpoint, code and quirk."""

from __future__ import annotations

import base64

import httpx
import pytest

from bot.core.mj.client import MJClient
from bot.core.mj.errors import (
    MJAuthError,
    MJBannedPromptError,
    MJEndpointUnsupportedError,
    MJNoInstanceError,
    MJProtocolError,
    MJQueueFullError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
    MJValidationError,
)
from bot.core.mj.schemas import BlendDimensions, SpeedMode, TaskStatus
from bot.sim import ManualClock, SimConfig, Simulator, running_simulator
from bot.sim.png import encode_png
from tests.conftest import API_KEY, make_client

PNG = encode_png(8, 8, lambda y: b"\x10\x20\x30" * 8)
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


async def finish(client: MJClient, clock: ManualClock, task_id: str) -> None:
    for _ in range(30):
        task = await client.fetch(task_id)
        assert task is not None
        if task.status.is_terminal or task.status is TaskStatus.MODAL:
            return
        clock.advance(1.0)
    raise AssertionError("task never finished")


async def test_imagine_to_success_with_buttons(client: MJClient, sim_clock: ManualClock) -> None:
    submission = await client.imagine("a red fox, watercolor")
    assert submission.task_id.isdigit() and not submission.needs_modal

    first = await client.fetch(submission.task_id)
    assert first is not None and first.status in (TaskStatus.NOT_START, TaskStatus.SUBMITTED)

    seen_progress = set()
    for _ in range(30):
        sim_clock.advance(1.0)
        task = await client.fetch(submission.task_id)
        assert task is not None
        if task.progress is not None:
            seen_progress.add(task.progress)
        if task.status is TaskStatus.SUCCESS:
            break
    assert task.status is TaskStatus.SUCCESS
    assert task.progress == 100 and len(seen_progress) > 2
    assert [b.label for b in task.buttons[:4]] == ["U1", "U2", "U3", "U4"]
    assert task.buttons[4].emoji == "🔄"
    assert task.image_url
    image = await client.download(task.image_url, max_bytes=10_000_000)
    assert image.startswith(b"\x89PNG")


async def test_blend_describe_shorten_submit_the_right_bodies(
    client: MJClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    blend = await client.blend([PNG_URL, PNG_URL], dimensions=BlendDimensions.PORTRAIT)
    describe = await client.describe(PNG_URL)
    shorten = await client.shorten("a very long prompt about a fox in the snow, watercolor")
    assert len({blend.task_id, describe.task_id, shorten.task_id}) == 3
    body = sim.records("submit/blend")[0].body_json
    assert body["dimensions"] == "PORTRAIT" and len(body["base64Array"]) == 2
    assert sim.records("submit/describe")[0].body_json["base64"] == PNG_URL

    for task_id in (describe.task_id, shorten.task_id):
        await finish(client, sim_clock, task_id)
    described = await client.fetch(describe.task_id)
    assert described is not None and "1️⃣" in (described.final_prompt or "")
    shortened = await client.fetch(shorten.task_id)
    assert shortened is not None and "Shortened prompts" in (shortened.final_prompt or "")


async def test_action_and_custom_zoom_modal(client: MJClient, sim_clock: ManualClock) -> None:
    grid = await client.imagine("a castle")
    await finish(client, sim_clock, grid.task_id)
    task = await client.fetch(grid.task_id)
    assert task is not None
    upscale = await client.action(grid.task_id, task.buttons[0].custom_id)
    await finish(client, sim_clock, upscale.task_id)
    upscaled = await client.fetch(upscale.task_id)
    assert upscaled is not None and upscaled.status is TaskStatus.SUCCESS
    zoom = next(b for b in upscaled.buttons if b.custom_id.startswith("MJ::CustomZoom::"))

    submission = await client.action(upscale.task_id, zoom.custom_id)
    assert submission.needs_modal and submission.final_prompt
    waiting = await client.fetch(submission.task_id)
    assert waiting is not None and waiting.status is TaskStatus.MODAL

    answered = await client.modal(submission.task_id, prompt="a castle --zoom 1.8")
    assert answered.task_id == submission.task_id
    await finish(client, sim_clock, submission.task_id)
    done = await client.fetch(submission.task_id)
    assert done is not None and done.status is TaskStatus.SUCCESS


async def test_list_by_condition_sends_string_ids_in_chunks_of_100(
    client: MJClient, sim: Simulator
) -> None:
    ids = [(await client.imagine(f"cat {i}")).task_id for i in range(3)]
    tasks = await client.list_by_condition([*ids, "1111111111111111"])
    assert sorted(t.id for t in tasks) == sorted(ids)

    many = [str(10**15 + i) for i in range(250)]
    assert await client.list_by_condition(many) == []
    sizes = [len(chunk) for chunk in sim.listed_ids()[1:]]
    assert sizes == [100, 100, 50]
    assert all(isinstance(i, str) for chunk in sim.listed_ids() for i in chunk)


async def test_unknown_task_fetches_as_none(client: MJClient) -> None:
    assert await client.fetch("9999999999999999") is None


async def test_unknown_task_on_a_relay_fetches_as_none(http: httpx.AsyncClient) -> None:
    async with running_simulator(SimConfig(flavor="relay")) as relay:
        assert await make_client(relay, http).fetch("9999999999999999") is None


async def test_speed_mode_prefixes(sim: Simulator, http: httpx.AsyncClient) -> None:
    client = make_client(sim, http, speed_mode=SpeedMode.RELAX)
    await client.imagine("default relax")
    await client.imagine("forced turbo", mode=SpeedMode.TURBO)
    await client.fetch("1")
    modes = [r.mode for r in sim.records("submit/imagine")]
    assert modes == ["RELAX", "TURBO"]
    # Queries follow the configured default prefix: some resellers expose only that one.
    assert sim.records("task/fetch")[0].mode == "RELAX"


async def test_auth_header_styles(http: httpx.AsyncClient) -> None:
    async with running_simulator(SimConfig(api_key=API_KEY.removeprefix("sk-"))) as guarded:
        assert (await make_client(guarded, http).imagine("bearer")).task_id
        secret_style = make_client(guarded, http, auth_style="mj-api-secret")
        assert (await secret_style.imagine("header")).task_id


async def test_wrong_key_is_an_auth_error_without_the_key(http: httpx.AsyncClient) -> None:
    async with running_simulator(SimConfig(api_key="the-real-key")) as guarded:
        with pytest.raises(MJAuthError) as caught:
            await make_client(guarded, http).imagine("cat")
    assert caught.value.status == 401
    assert API_KEY not in str(caught.value) and "the-real-key" not in str(caught.value)


async def test_code_22_is_accepted_with_its_queue_position(
    client: MJClient, sim: Simulator
) -> None:
    sim.faults.queue_position = 3
    submission = await client.imagine("queued cat")
    assert submission.queue_position == 3 and not submission.needs_modal


@pytest.mark.parametrize(
    ("setup", "error", "code"),
    [
        (lambda s: setattr(s.faults, "queue_full", True), MJQueueFullError, 23),
        (lambda s: s.faults.banned_words.append("forbidden"), MJBannedPromptError, 24),
    ],
)
async def test_refusals_carry_the_servers_description(
    client: MJClient, sim: Simulator, setup, error, code
) -> None:
    setup(sim)
    with pytest.raises(error) as caught:
        await client.imagine("a forbidden cat")
    assert caught.value.code == code and caught.value.description


async def test_banned_prompt_names_the_word(client: MJClient) -> None:
    with pytest.raises(MJBannedPromptError) as caught:
        await client.imagine("a bannedword here")
    assert caught.value.banned_word == "bannedword"


async def test_validation_and_not_found_codes(client: MJClient) -> None:
    with pytest.raises(MJValidationError) as caught:
        await client.blend([PNG_URL])
    assert caught.value.code == 4
    with pytest.raises(MJNoInstanceError) as gone:
        await client.action("1234567890123456", "MJ::JOB::upsample::1::x")
    assert gone.value.code == 3


async def test_queries_are_retried_after_5xx(client: MJClient, sim: Simulator) -> None:
    task_id = (await client.imagine("retry me")).task_id
    sim.faults.fault_scope = "query"
    sim.faults.http_500 = 2
    assert (await client.fetch(task_id)) is not None
    assert sim.count("task/fetch") == 3


async def test_queries_give_up_after_their_attempts(client: MJClient, sim: Simulator) -> None:
    sim.faults.http_500 = 10
    with pytest.raises(MJServerError):
        await client.list_by_condition(["1"])
    assert sim.count("task/list-by-condition") == 3


async def test_submits_are_never_retried(client: MJClient, sim: Simulator) -> None:
    sim.faults.http_500 = 1
    with pytest.raises(MJServerError):
        await client.imagine("only once")
    assert sim.count("submit/imagine") == 1
    assert sim.engine is not None


async def test_submit_timeout_is_not_retried(sim: Simulator) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as short:
        client = make_client(sim, short)
        sim.faults.timeout_seconds = 1.0
        sim.faults.timeouts = 1
        with pytest.raises(MJTimeoutError):
            await client.imagine("slow")
    assert sim.count("submit/imagine") == 1


async def test_invalid_json_is_a_protocol_error(client: MJClient, sim: Simulator) -> None:
    sim.faults.invalid_json = 1
    with pytest.raises(MJProtocolError):
        await client.imagine("garbled")


async def test_list_unsupported_is_reported(client: MJClient, sim: Simulator) -> None:
    sim.faults.list_unsupported = True
    with pytest.raises(MJEndpointUnsupportedError):
        await client.list_by_condition(["1"])


async def test_connection_refused_is_a_transport_error(http: httpx.AsyncClient) -> None:
    async with running_simulator() as gone:
        url = gone.base_url
    from pydantic import SecretStr

    client = MJClient(http, base_url=url, api_key=SecretStr(API_KEY))
    with pytest.raises(MJTransportError):
        await client.imagine("nobody home")


async def test_cancel_and_image_seed(client: MJClient, sim_clock: ManualClock) -> None:
    running = await client.imagine("cancel me")
    await client.cancel(running.task_id)
    cancelled = await client.fetch(running.task_id)
    assert cancelled is not None and cancelled.status is TaskStatus.CANCEL

    done = await client.imagine("seed me")
    await finish(client, sim_clock, done.task_id)
    seed = await client.image_seed(done.task_id)
    assert seed.isdigit()


async def test_relay_quirks(http: httpx.AsyncClient) -> None:
    """Number ids, "" status, stripped properties, absent buttons, progress "46%"."""
    clock = ManualClock(0.0)
    async with running_simulator(SimConfig(flavor="relay"), clock=clock) as relay:
        relay.faults.result_as_number = True
        client = make_client(relay, http)
        submission = await client.imagine("relay fox")
        assert isinstance(submission.task_id, str) and submission.task_id.isdigit()
        first = await client.fetch(submission.task_id)
        assert first is not None and first.status is TaskStatus.UNKNOWN
        assert first.buttons == []
        clock.advance(3.0)
        running = (await client.list_by_condition([submission.task_id]))[0]
        assert running.status is TaskStatus.IN_PROGRESS
        assert isinstance(running.progress, int)
        await finish(client, clock, submission.task_id)
        done = await client.fetch(submission.task_id)
        assert done is not None and done.buttons and done.final_prompt
        assert set(done.properties.model_dump(exclude_none=True)) <= {
            "final_prompt",
            "final_zh_prompt",
        }


def test_the_key_goes_only_to_the_aggregators_own_origin(client: MJClient, sim: Simulator) -> None:
    port = sim.port
    assert client.sends_key_to(f"http://127.0.0.1:{port}/mj/image/1")
    for elsewhere in (
        f"http://127.0.0.1:{port + 1}/mj/image/1",
        f"https://127.0.0.1:{port}/mj/image/1",
        f"http://localhost:{port}/mj/image/1",
        f"http://127.0.0.1.evil.example:{port}/x.png",
        "not a url at all",
    ):
        assert not client.sends_key_to(elsewhere), elsewhere
