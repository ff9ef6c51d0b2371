"""The simulator's face swap (`/mj/insight-face/swap`) and video results (Animate)."""

from __future__ import annotations

import struct

import httpx

from bot.sim import ManualClock, SimConfig
from bot.sim.video import tiny_mp4
from tests.sim.helpers import (
    button,
    decode_png,
    fetch,
    finished,
    png_data_url,
    serving,
    submit,
)

FACE = png_data_url(8, 8, b"\xf0\x10\x10")
PICTURE = png_data_url(40, 20, b"\x10\x10\xf0")


def boxes(data: bytes) -> list[bytes]:
    """The top-level ISO media box types, checking that their sizes add up."""
    pos, kinds = 0, []
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        assert size >= 8
        kinds.append(data[pos + 4 : pos + 8])
        pos += size
    assert pos == len(data)
    return kinds


async def test_swap_face_runs_a_task_with_one_image_and_no_buttons(clock: ManualClock) -> None:
    async with serving(SimConfig(), clock) as (sim, client, _):
        body = {"sourceBase64": FACE, "targetBase64": PICTURE, "state": "7"}
        task_id = await submit(client, "/mj-relax/mj/insight-face/swap", body)
        assert sim.records("insight-face/swap")[0].mode == "RELAX"
        clock.advance(3)
        running = await fetch(client, task_id)
        assert running["action"] == "SWAP_FACE" and running["status"] == "IN_PROGRESS"
        done = await finished(client, clock, task_id)
        assert done["status"] == "SUCCESS" and done["buttons"] == [] and done["state"] == "7"
        image = await client.get(done["imageUrl"])
        assert decode_png(image.content)[:2] == (256, 128)  # the target's shape


async def test_swap_face_refusals_are_code_4(clock: ManualClock) -> None:
    async with serving(SimConfig(flavor="relay"), clock) as (sim, client, _):

        async def refused(body: dict[str, str]) -> dict[str, object]:
            response = await client.post("/mj/insight-face/swap", json=body)
            assert response.status_code == 400
            answer: dict[str, object] = response.json()
            assert answer["code"] == 4
            return answer

        missing = await refused({"sourceBase64": FACE})
        assert missing["description"] == "sour_base64_and_target_base64_is_required"
        same = await refused({"sourceBase64": FACE, "targetBase64": FACE})
        assert "相同" in str(same["description"])
        sim.faults.swapface_unsupported = True
        off = await refused({"sourceBase64": FACE, "targetBase64": PICTURE})
        assert off["description"] == "服务不支持"
        assert sim.engine.tasks == {}


async def _done(client: httpx.AsyncClient, clock: ManualClock, task_id: str) -> dict:
    """The finished task; a relay shows a blank status at its first query."""
    task = await finished(client, clock, task_id)
    return task if task["status"] else await fetch(client, task_id)


async def _animate(client: httpx.AsyncClient, clock: ManualClock) -> dict:
    prompt = await submit(client, "/mj/submit/imagine", {"prompt": "a red fox"})
    grid = await _done(client, clock, prompt)
    up = await submit(
        client, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, label="U1")}
    )
    upscale = await _done(client, clock, up)
    animate = button(upscale, label="Animate (High)")
    assert animate.startswith("MJ::JOB::animate_high::1::") and animate.endswith("::SOLO")
    video_id = await submit(
        client, "/mj/submit/action", {"taskId": upscale["id"], "customId": animate}
    )
    return await _done(client, clock, video_id)


async def test_animate_gives_a_small_mp4_with_extend_buttons(clock: ManualClock) -> None:
    async with serving(SimConfig(), clock) as (_, client, _):
        video = await _animate(client, clock)
        assert video["action"] == "VIDEO" and video["status"] == "SUCCESS"
        url = video["videoUrl"]
        assert video["videoUrls"] == [{"url": url}]
        response = await client.get(url)
        assert response.headers["content-type"] == "video/mp4"
        assert boxes(response.content) == [b"ftyp", b"moov", b"mdat"]
        assert response.content == (await client.get(url)).content  # deterministic
        assert decode_png((await client.get(video["imageUrl"])).content)  # a still
        labels = [b["label"] for b in video["buttons"]]
        assert labels == ["U1", "U2", "U3", "U4", "Extend (High)", "Extend (Low)"]
        extend = button(video, label="Extend (Low)")
        again = await submit(
            client, "/mj/submit/action", {"taskId": video["id"], "customId": extend}
        )
        extended = await finished(client, clock, again)
        assert extended["action"] == "VIDEO_EXTEND" and extended["videoUrl"]


async def test_video_faults_pad_the_file_or_move_it_to_image_url(clock: ManualClock) -> None:
    async with serving(SimConfig(flavor="relay"), clock) as (sim, client, _):
        await client.post("/sim/faults", json={"video_bytes": 5000})
        video = await _animate(client, clock)
        assert video["action"] == "VIDEO" and video["videoUrls"] == [{"url": video["videoUrl"]}]
        data = (await client.get(video["videoUrl"])).content
        assert len(data) == 5000 and boxes(data) == [b"ftyp", b"moov", b"free", b"mdat"]
        sim.faults.video_in_image_url = True
        moved = await fetch(client, video["id"])
        assert "videoUrl" not in moved and moved["imageUrl"] == video["videoUrl"]
        bad = await client.post("/sim/faults", json={"video_bytes": -1})
        assert bad.status_code == 400


def test_tiny_mp4_is_deterministic_and_starts_with_ftyp() -> None:
    assert tiny_mp4("a") == tiny_mp4("a") != tiny_mp4("b")
    assert tiny_mp4("a")[4:12] == b"ftypisom"
