"""Actions that need the user's input: Vary (Region) with a drawn mask, and Remix."""

from __future__ import annotations

import base64
from pathlib import Path

from bot.core.mask import image_size
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness


async def upscaled(h: Harness, prompt: str):  # type: ignore[no-untyped-def]
    inter = await h.command("imagine", {"prompt": prompt})
    grid = await h.wait_final(inter.token)
    click = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id))
    return await h.wait_final(click.token)


async def test_vary_region_sends_a_mask_the_size_of_the_image(h: Harness) -> None:
    upscale = await upscaled(h, "a cat on a sofa")
    region = next(b for b in upscale.buttons() if b.label == "Vary (Region)")
    opened = await h.dispatch(h.factory.button_click(upscale, region.custom_id))
    assert opened.callback_type == 9
    modal = h.fake.last_modal
    assert modal is not None

    bad = await h.dispatch(
        h.factory.modal_submit(modal.custom_id, {"prompt": "a dog", "region": "somewhere"})
    )
    assert h.original(bad.token).ephemeral and h.sim.count("submit/modal") == 0

    answer = await h.dispatch(
        h.factory.modal_submit(modal.custom_id, {"prompt": "a dog", "region": "left"})
    )
    result = await h.wait_final(answer.token)
    assert result.attachments
    body = h.sim.records("submit/modal")[-1].body_json
    assert body["prompt"] == "a dog"
    mask = base64.b64decode(body["maskBase64"].split(",", 1)[1])
    source = upscale.attachments[0].content
    assert image_size(mask) == image_size(source)


async def test_remix_waits_for_the_user_then_continues_on_the_same_message(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.03, remix=True)) as h:
        inter = await h.command("imagine", {"prompt": "remix me"})
        grid = await h.wait_final(inter.token)
        v1 = next(b for b in grid.buttons() if b.label == "V1")
        click = await h.dispatch(h.factory.button_click(grid, v1.custom_id))
        await h.wait(lambda: h.original(click.token).buttons(), "the edit button")
        waiting = h.original(click.token)
        assert "Waiting for your input" in waiting.content
        (edit,) = waiting.buttons()

        stranger = await h.dispatch(h.factory.button_click(waiting, edit.custom_id, user_id=31337))
        assert h.original(stranger.token).ephemeral

        opened = await h.dispatch(h.factory.button_click(waiting, edit.custom_id))
        assert opened.callback_type == 9
        modal = h.fake.last_modal
        assert modal is not None and "remix me" in str(modal.components)
        answer = await h.dispatch(
            h.factory.modal_submit(modal.custom_id, {"prompt": "remix me, in blue"})
        )
        assert answer.callback_type == 6  # the same message carries on

        await h.wait(lambda: h.original(click.token).attachments, "the remixed grid")
        assert h.sim.records("submit/modal")[-1].body_json["prompt"] == "remix me, in blue"
        assert h.fake.violations == []
