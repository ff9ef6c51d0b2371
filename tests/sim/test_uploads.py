"""upload-discord-images (URLs the simulator then serves) and describe by `link`."""

from __future__ import annotations

import base64

import httpx

from bot.sim import ManualClock, SimConfig, Simulator
from tests.sim.helpers import finished, png_data_url, serving, submit


async def test_uploads_answer_a_url_per_image_in_order_that_serves_it(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    images = [png_data_url(rgb=b"\x10\x20\x30"), png_data_url(rgb=b"\x90\x20\x30")]
    answer = (
        await client.post("/mj/submit/upload-discord-images", json={"base64Array": images})
    ).json()
    assert answer["code"] == 1
    urls = answer["result"]
    assert len(urls) == 2 and all(u.startswith(sim.base_url + "/sim/uploads/") for u in urls)
    for url, image in zip(urls, images, strict=True):
        served = await client.get(url)
        assert served.headers["content-type"] == "image/png"
        assert served.content == base64.b64decode(image.split(",", 1)[1])
    (record,) = sim.records("submit/upload-discord-images")
    assert record.body_json == {"base64Array": images}  # what arrived, for tests


async def test_an_empty_or_broken_upload_is_refused_and_not_charged(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    used = sim.billing.used_cents
    for body in ({"base64Array": []}, {}, {"base64Array": ["not an image"]}):
        answer = (await client.post("/mj/submit/upload-discord-images", json=body)).json()
        assert answer["code"] == 4 and answer["result"] is None
    assert sim.billing.used_cents == used and sim.uploads.images == {}


async def test_uploads_can_be_missing_like_aggregators_without_them(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    await client.post("/sim/faults", json={"uploads_unsupported": True})
    answer = await client.post("/mj/submit/upload-discord-images", json={"base64Array": []})
    assert answer.status_code == 404


async def test_relays_refuse_an_empty_upload_with_http_400() -> None:
    async with serving(SimConfig(flavor="relay")) as (_, client, _clock):
        answer = await client.post("/mj/submit/upload-discord-images", json={"base64Array": []})
        assert answer.status_code == 400 and answer.json()["code"] == 4


async def test_describe_takes_a_link_without_fetching_it(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    # Nothing listens on port 9 (discard): a fetch would fail the task.
    link = "http://127.0.0.1:9/fox.png"
    task = await finished(
        client, clock, await submit(client, "/mj/submit/describe", {"link": link})
    )
    assert task["status"] == "SUCCESS" and task["imageUrl"] is None
    assert len(task["promptEn"].split("\n\n")) == 4
    missing = (await client.post("/mj/submit/describe", json={})).json()
    assert missing["code"] == 4 and missing["description"] == "base64或link不能为空"
    odd = (await client.post("/mj/submit/describe", json={"link": "ftp://x/y.png"})).json()
    assert odd["code"] == 4
