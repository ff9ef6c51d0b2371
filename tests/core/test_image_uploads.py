"""Whether the aggregator has upload-discord-images (asked once, over real HTTP against the
simulator), how /imagine's images are sent either way, and /describe's link check."""

from __future__ import annotations

import httpx
import pytest

from bot.core.image_inputs import ImagineImages, check_imagine_images, check_link
from bot.core.image_uploads import RETRY_PROBE_SECONDS, ImageUploadError, ImageUploads
from bot.core.mj.client import MJClient
from bot.core.mj.errors import MJTimeoutError
from bot.core.validation import Rejection, RequestRejectedError
from bot.sim import SimConfig, Simulator, running_simulator
from bot.sim.png import encode_png
from tests.conftest import make_client

PNG = encode_png(8, 8, lambda y: b"\x10\x20\x30" * 8)
OTHER = encode_png(8, 8, lambda y: b"\x90\x20\x30" * 8)
MAX = 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def images(prompts: int = 1, *, sref: bool = False, cref: bool = False) -> ImagineImages:
    return check_imagine_images(
        [PNG] * prompts,
        sref=OTHER if sref else None,
        cref=OTHER if cref else None,
        max_bytes=MAX,
    )


async def test_asked_once_and_remembered(client: MJClient, sim: Simulator) -> None:
    uploads = ImageUploads(client)
    assert await uploads.available() and await uploads.available()
    assert sim.count("submit/upload-discord-images") == 1


async def test_a_relay_refusing_the_empty_question_has_uploads(http: httpx.AsyncClient) -> None:
    # new-api answers HTTP 400 with the upstream's code 4: the endpoint is there.
    async with running_simulator(SimConfig(flavor="relay")) as relay:
        assert await ImageUploads(make_client(relay, http)).available()


async def test_a_404_means_none_image_prompts_as_base64_and_references_refused(
    client: MJClient, sim: Simulator
) -> None:
    sim.faults.uploads_unsupported = True
    uploads = ImageUploads(client)
    assert not await uploads.uses_upload(images(2))
    with pytest.raises(RequestRejectedError) as refused:
        await uploads.uses_upload(images(0, cref=True))
    assert refused.value.reason is Rejection.REFERENCES_UNSUPPORTED
    assert sim.count("submit/upload-discord-images") == 1


async def test_the_question_is_kept_from_the_health_observers(
    sim: Simulator, http: httpx.AsyncClient
) -> None:
    # A key not allowed uploads must not raise the operators' "key refused" alert.
    told: list[bool] = []
    clock = Clock()
    client = make_client(sim, http, observer=lambda ok, _e, _s: told.append(ok))
    uploads = ImageUploads(client, clock=clock)
    sim.faults.unauthorized = 1
    assert await uploads.available() is None  # no answer: unknown, not remembered
    clock.now += RETRY_PROBE_SECONDS
    assert await uploads.available()
    assert told == []
    await uploads.imagine("x", images(1), upload=True, bot_type=None, mode=None)
    assert told == [True, True]  # the upload and the imagine are


async def test_no_images_need_no_question(client: MJClient, sim: Simulator) -> None:
    assert not await ImageUploads(client).uses_upload(images(0))
    assert sim.count("total") == 0


async def test_a_server_error_is_not_taken_for_an_answer(client: MJClient, sim: Simulator) -> None:
    clock = Clock()
    uploads = ImageUploads(client, clock=clock)
    sim.faults.http_500 = 1
    assert await uploads.available() is None
    assert not await uploads.uses_upload(images(2))  # image prompts go as base64Array
    with pytest.raises(RequestRejectedError) as refused:
        await uploads.uses_upload(images(0, sref=True))
    assert refused.value.reason is Rejection.REFERENCES_UNAVAILABLE
    assert sim.count("submit/upload-discord-images") == 1  # not asked again at once
    clock.now += RETRY_PROBE_SECONDS - 1
    assert await uploads.available() is None
    clock.now += 1
    assert await uploads.available()  # asked again, and now answered
    assert sim.count("submit/upload-discord-images") == 2


async def test_the_urls_go_into_the_prompt_in_order(client: MJClient, sim: Simulator) -> None:
    uploads = ImageUploads(client)
    both = images(2, sref=True, cref=True)
    await uploads.imagine("a fox", both, upload=True, bot_type=None, mode=None)
    (upload,) = sim.records("submit/upload-discord-images")
    assert len(upload.body_json["base64Array"]) == 4
    prompt = sim.records("submit/imagine")[0].body_json["prompt"].split()
    assert prompt[2:] == ["a", "fox", "--sref", prompt[5], "--cref", prompt[7]]
    assert prompt[0] == prompt[1] != prompt[5] == prompt[7]  # the same image, the same URL


async def test_an_upload_that_times_out_is_an_upload_error_never_a_timeout(
    sim: Simulator,
) -> None:
    # A timeout of a submit means "the task may run"; an upload starts no task.
    async with httpx.AsyncClient(timeout=0.2) as http:
        uploads = ImageUploads(make_client(sim, http))
        assert await uploads.available()
        sim.faults.update({"timeouts": 1, "timeout_seconds": 1.0})
        with pytest.raises(ImageUploadError) as failed:  # references need the upload
            await uploads.imagine("x", images(1, sref=True), upload=True, bot_type=None, mode=None)
    assert isinstance(failed.value.cause, MJTimeoutError)
    assert not isinstance(failed.value, MJTimeoutError)
    assert sim.count("submit/imagine") == 0


def test_prompt_with_puts_image_prompts_first_and_references_last() -> None:
    only_style = images(0, sref=True)
    assert only_style.prompt_with("cat --ar 3:2", ["u"]) == "cat --ar 3:2 --sref u"
    assert images(2).prompt_with("cat", ["a", "b"]) == "a b cat"
    with pytest.raises(ValueError, match="one URL per image"):
        images(2).prompt_with("cat", ["a"])


def test_at_most_five_image_prompts() -> None:
    with pytest.raises(RequestRejectedError) as refused:
        check_imagine_images([PNG] * 6, max_bytes=MAX)
    assert refused.value.reason is Rejection.IMAGE_COUNT


@pytest.mark.parametrize(
    "link",
    ["https://example.com/a.png", "http://93.184.216.34:8080/x?y=1#z", "  https://e.x/a.png  "],
)
def test_plain_http_links_pass(link: str) -> None:
    assert check_link(link) == link.strip()


@pytest.mark.parametrize(
    "link",
    ["http://127.0.0.1:8080/x", "http://10.1.2.3/a", "http://[fd00::1]/a", "http://nas.local/a"],
)
def test_private_hosts_pass_only_when_the_operator_allows_them(link: str) -> None:
    with pytest.raises(RequestRejectedError):
        check_link(link)
    assert check_link(link, allow_private=True) == link


@pytest.mark.parametrize(
    "link",
    [
        "",
        "ftp://example.com/a.png",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "https://user:pw@example.com/a.png",
        "https://user@example.com/a.png",
        "https://example.com/a b.png",
        "https://example.com/a\tb.png",
        "https:\\\\example.com\\a.png",
        "https://",
        "https://example.com:70000/a.png",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_other_links_are_refused(link: str) -> None:
    with pytest.raises(RequestRejectedError) as refused:
        check_link(link)
    assert refused.value.reason is Rejection.LINK_INVALID
