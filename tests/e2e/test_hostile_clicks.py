"""Forged and stale presses: custom_ids a real client could never send (garbage, a job
that does not exist, a button index out of range, 100 characters, another user's job)
and modal answers with nothing visible in them (Discord enforces the lengths itself).
Each gets a clear private answer and no submit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import Harness

INVISIBLE = "\u200b\u202e\ufeff"  # a zero-width space, a bidi override, a BOM


def forged(h: Harness, message: Any, real_id: str, custom_id: str, **kwargs: Any) -> Any:
    """A click on a message whose button carries `custom_id` instead of `real_id`: a
    message of an older version of the bot, of a wiped database, or a crafted one.
    (Discord only sends custom_ids that are on the message, so the message says it too.)"""
    payload = h.factory.button_click(message, real_id, **kwargs)
    payload["data"]["custom_id"] = custom_id
    for row in payload["message"]["components"]:
        for component in row.get("components", []):
            if component.get("custom_id") == real_id:
                component["custom_id"] = custom_id
    return payload


async def grid_of(h: Harness, prompt: str) -> Any:
    inter = await h.command("imagine", {"prompt": prompt})
    return await h.wait_final(inter.token)


@pytest.mark.parametrize(
    ("custom_id", "said"),
    [
        ("mj:v1:999999:1", "no longer belongs to a known job"),  # no such job
        ("mj:v1:9999999999999999999:1", "no longer belongs to a known job"),
        ("mj:v0:1:1", "no longer belongs to a known job"),  # an older version's button
        ("mj:" + "x" * 97, "no longer belongs to a known job"),  # 100 characters
        ("mj:v1:1:zz", "no longer belongs to a known job"),
    ],
)
async def test_a_forged_or_stale_custom_id_is_refused_privately(
    h: Harness, custom_id: str, said: str
) -> None:
    grid = await grid_of(h, "a lighthouse")
    click = await h.dispatch(forged(h, grid, grid.buttons()[0].custom_id, custom_id))
    assert said in await h.refusal(click)
    assert h.sim.count("submit/action") == 0


async def test_a_button_index_out_of_range_is_refused(h: Harness) -> None:
    grid = await grid_of(h, "a harbour")
    job_id = grid.buttons()[0].custom_id.split(":")[2]
    click = await h.dispatch(forged(h, grid, grid.buttons()[0].custom_id, f"mj:v1:{job_id}:99"))
    assert "no longer belongs to a known job" in await h.refusal(click)
    assert h.sim.count("submit/action") == 0


async def test_another_users_job_through_a_forged_id_is_refused(h: Harness) -> None:
    theirs = await grid_of(h, "their picture")
    mine = await grid_of(h, "my picture")
    their_u1 = theirs.buttons()[0].custom_id
    # user 777 presses a button of their own message whose custom_id points at the other job
    click = await h.dispatch(forged(h, mine, mine.buttons()[0].custom_id, their_u1, user_id=777))
    assert "can use these buttons" in await h.refusal(click)
    assert h.sim.count("submit/action") == 0


async def test_a_modal_answer_of_invisible_characters_is_refused_in_chinese(h: Harness) -> None:
    grid = await grid_of(h, "a cat on a sofa")
    u1 = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id))
    result = await h.wait_final(u1.token)
    custom = next(b for b in result.buttons() if b.label == "Custom Zoom")
    opened = await h.dispatch(h.factory.button_click(result, custom.custom_id))
    assert opened.callback_type == 9
    modal = h.fake.last_modal
    assert modal is not None
    answer = await h.dispatch(
        h.factory.modal_submit(modal.custom_id, {"prompt": INVISIBLE * 100}, locale="zh-CN")
    )
    assert "提示词不能为空" in await h.refusal(answer)
    assert h.sim.count("submit/modal") == 0 and h.sim.count("submit/action") == 1  # the U1
