"""Buttons on grids and upscales, the MODAL flows and remix mode."""

from __future__ import annotations

import httpx

from bot.sim import ManualClock, SimConfig
from tests.sim.helpers import (
    button,
    decode_png,
    fetch,
    finished,
    imagine_done,
    png_data_url,
    serving,
    submit,
)


async def _press(client: httpx.AsyncClient, task_id: str, custom_id: str) -> dict:
    response = await client.post(
        "/mj/submit/action", json={"taskId": task_id, "customId": custom_id}
    )
    assert response.status_code == 200
    return response.json()


async def test_u1_gives_an_upscale_with_upscale_buttons(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    grid = await imagine_done(client, clock, "a red fox --ar 3:2")
    answer = await _press(client, grid["id"], button(grid, label="U1"))
    assert answer["code"] == 1
    upscale = await finished(client, clock, answer["result"])
    assert upscale["action"] == "UPSCALE" and upscale["status"] == "SUCCESS"
    assert upscale["description"] == f"/up {grid['id']} U1"
    h = upscale["properties"]["messageHash"]
    assert h != grid["properties"]["messageHash"]
    assert [(b["customId"], b["label"], b["emoji"]) for b in upscale["buttons"]] == [
        (f"MJ::JOB::upsample_v6_2x_subtle::1::{h}::SOLO", "Upscale (Subtle)", "upscale_1"),
        (f"MJ::JOB::upsample_v6_2x_creative::1::{h}::SOLO", "Upscale (Creative)", "upscale_1"),
        (f"MJ::JOB::low_variation::1::{h}::SOLO", "Vary (Subtle)", "🪄"),
        (f"MJ::JOB::high_variation::1::{h}::SOLO", "Vary (Strong)", "🪄"),
        (f"MJ::Inpaint::1::{h}::SOLO", "Vary (Region)", "🖌️"),
        (f"MJ::Outpaint::50::1::{h}::SOLO", "Zoom Out 2x", "🔍"),
        (f"MJ::Outpaint::75::1::{h}::SOLO", "Zoom Out 1.5x", "🔍"),
        (f"MJ::CustomZoom::{h}", "Custom Zoom", "🔍"),
        (f"MJ::Outpaint::100::1::{h}::SOLO", "Make Square", "↔️"),
        (f"MJ::JOB::pan_left::1::{h}::SOLO", "", "⬅️"),
        (f"MJ::JOB::pan_right::1::{h}::SOLO", "", "➡️"),
        (f"MJ::JOB::pan_up::1::{h}::SOLO", "", "⬆️"),
        (f"MJ::JOB::pan_down::1::{h}::SOLO", "", "⬇️"),
        (f"MJ::JOB::animate_high::1::{h}::SOLO", "Animate (High)", "🎞️"),
        (f"MJ::JOB::animate_low::1::{h}::SOLO", "Animate (Low)", "🎞️"),
        (f"MJ::BOOKMARK::{h}", "", "❤️"),
    ]
    width, height, rows = decode_png((await client.get(upscale["imageUrl"])).content)
    assert (width, height) == (256, 170)
    assert len({rows[5][i : i + 3] for i in range(0, width * 3, 3)}) == 1  # one colour


async def test_upscale_hd_and_grid_producing_actions(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    grid = await imagine_done(client, clock)
    upscale = await finished(
        client, clock, (await _press(client, grid["id"], button(grid, label="U3")))["result"]
    )
    hd = await finished(
        client,
        clock,
        (await _press(client, upscale["id"], button(upscale, label="Upscale (Creative)")))[
            "result"
        ],
    )
    assert hd["action"] == "UPSCALE_HD"
    assert not any(b["label"].startswith("Upscale") for b in hd["buttons"])
    assert button(hd, label="Vary (Strong)") and button(hd, emoji="⬅️")
    for source, custom_id, action in [
        (grid, button(grid, label="V2"), "VARIATION"),
        (grid, button(grid, emoji="🔄"), "REROLL"),
        (upscale, button(upscale, label="Vary (Subtle)"), "VARIATION"),
        (upscale, button(upscale, label="Zoom Out 2x"), "ZOOM"),
        (upscale, button(upscale, emoji="⬇️"), "PAN"),
    ]:
        answer = await _press(client, source["id"], custom_id)
        assert answer["code"] == 1, (custom_id, answer)
        result = await finished(client, clock, answer["result"])
        assert result["action"] == action and result["status"] == "SUCCESS"
        assert [b["label"] for b in result["buttons"]][:4] == ["U1", "U2", "U3", "U4"]


async def test_custom_zoom_goes_through_modal(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    grid = await imagine_done(client, clock, "a lighthouse")
    upscale = await finished(
        client, clock, (await _press(client, grid["id"], button(grid, label="U1")))["result"]
    )
    answer = await _press(client, upscale["id"], button(upscale, label="Custom Zoom"))
    assert answer["code"] == 21 and answer["description"] == "Waiting for window confirm"
    assert answer["properties"] == {"finalPrompt": "a lighthouse --v 6.1", "remix": True}
    modal_id = answer["result"]
    waiting = await fetch(client, modal_id)
    assert waiting["status"] == "MODAL" and waiting["progress"] is None
    assert waiting["description"] == "Waiting for window confirm"
    for prompt in ("a lighthouse", "a lighthouse --zoom 3"):
        bad = (
            await client.post("/mj/submit/modal", json={"taskId": modal_id, "prompt": prompt})
        ).json()
        assert bad["code"] == 4
    answer = (
        await client.post(
            "/mj/submit/modal", json={"taskId": modal_id, "prompt": "a lighthouse --zoom 1.5"}
        )
    ).json()
    assert answer["code"] == 1 and answer["result"] == modal_id
    assert (await fetch(client, modal_id))["status"] == "NOT_START"
    done = await finished(client, clock, modal_id)
    assert done["status"] == "SUCCESS" and done["action"] == "ZOOM"
    assert button(done, label="U1")
    again = (
        await client.post("/mj/submit/modal", json={"taskId": modal_id, "prompt": "x --zoom 2"})
    ).json()
    assert again["code"] == 4  # no longer waiting for a modal


async def test_vary_region_needs_a_mask(client: httpx.AsyncClient, clock: ManualClock) -> None:
    grid = await imagine_done(client, clock)
    upscale = await finished(
        client, clock, (await _press(client, grid["id"], button(grid, label="U4")))["result"]
    )
    modal_id = (await _press(client, upscale["id"], button(upscale, label="Vary (Region)")))[
        "result"
    ]
    missing = await client.post("/mj/submit/modal", json={"taskId": modal_id, "prompt": "a hat"})
    assert missing.json()["code"] == 4
    body = {"taskId": modal_id, "prompt": "add a hat", "maskBase64": png_data_url()}
    assert (await client.post("/mj/submit/modal", json=body)).json()["code"] == 1
    done = await finished(client, clock, modal_id)
    assert done["status"] == "SUCCESS" and done["prompt"] == "add a hat"


async def test_remix_mode_makes_variations_modal() -> None:
    async with serving(SimConfig(remix=True)) as (_sim, client, clock):
        grid = await imagine_done(client, clock, "a fox")
        for custom_id in (button(grid, label="V1"), button(grid, emoji="🔄")):
            answer = await _press(client, grid["id"], custom_id)
            assert answer["code"] == 21
            assert answer["properties"]["finalPrompt"] == "a fox --v 6.1"
            assert (await fetch(client, answer["result"]))["status"] == "MODAL"
        await submit(client, "/mj/submit/modal", {"taskId": answer["result"], "prompt": ""})
        assert (await finished(client, clock, answer["result"]))["prompt"] == "a fox"
        upscale = await _press(client, grid["id"], button(grid, label="U1"))
        assert upscale["code"] == 1  # upscales never need a modal
