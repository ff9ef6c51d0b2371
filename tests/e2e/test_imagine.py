"""/imagine from the slash command to the final message, then its buttons."""

from __future__ import annotations

from bot.core.models import JobKind, JobStatus
from tests.e2e.harness import Harness


async def test_imagine_shows_waiting_progress_then_the_result_with_buttons(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a red fox, watercolor"})
    assert inter.callback_type == 5  # deferred within 3 s, publicly

    message = await h.wait_final(inter.token)
    assert message.content.startswith("**a red fox, watercolor** - <@")
    (attachment,) = message.attachments
    assert attachment.content.startswith(b"\x89PNG") and attachment.filename.endswith(".png")
    (job,) = await h.jobs()
    labels = [(b.label or b.emoji, b.row) for b in message.buttons()]
    assert labels == [
        ("U1", 0),
        ("U2", 0),
        ("U3", 0),
        ("U4", 0),
        ("🔄", 0),
        ("V1", 1),
        ("V2", 1),
        ("V3", 1),
        ("V4", 1),
        ("Seed", 2),  # the bot's own, on a row after Midjourney's
    ]
    assert [b.custom_id for b in message.buttons()] == [
        *(f"mj:v1:{job.id}:{i}" for i in range(9)),
        f"mj:v1:{job.id}:s",
    ]
    assert job.status is JobStatus.SUCCESS and job.message.message_id == message.id
    # Every edit went through the interaction token while it was valid.
    assert h.fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}") == []


async def test_first_state_is_waiting_to_start(h: Harness) -> None:
    h.sim.faults.never_finish = True
    h.sim.faults.queue_position = 2
    inter = await h.command("imagine", {"prompt": "patience"})
    await h.wait(lambda: "Queued, 2 ahead" in h.original(inter.token).content, "queued state")


async def test_upscale_button_starts_a_job_on_its_own_message(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a lighthouse"})
    grid = await h.wait_final(inter.token)
    u2 = next(b for b in grid.buttons() if b.label == "U2")

    click = await h.dispatch(h.factory.button_click(grid, u2.custom_id))
    assert click.callback_type == 5
    upscale = await h.wait_final(click.token)
    assert upscale.id != grid.id
    assert "Image #2" in upscale.content
    labels = [b.label or b.emoji for b in upscale.buttons()]
    assert "Upscale (Subtle)" in labels and "Custom Zoom" in labels and "Vary (Region)" in labels
    assert all(len([b for b in upscale.buttons() if b.row == r]) <= 5 for r in range(5))
    jobs = await h.jobs()
    child = next(j for j in jobs if j.kind is JobKind.ACTION)
    assert child.parent_job_id == jobs[0].id and child.message.message_id == upscale.id


async def test_custom_zoom_goes_through_a_prefilled_modal(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a castle"})
    grid = await h.wait_final(inter.token)
    click = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id))
    upscale = await h.wait_final(click.token)
    zoom = next(b for b in upscale.buttons() if b.label == "Custom Zoom")

    opened = await h.dispatch(h.factory.button_click(upscale, zoom.custom_id))
    assert opened.callback_type == 9
    modal = h.fake.last_modal
    assert modal is not None and "--zoom 2" in str(modal.components)
    assert "a castle" in str(modal.components)

    answer = await h.dispatch(
        h.factory.modal_submit(modal.custom_id, {"prompt": "a castle --zoom 1.5"})
    )
    zoomed = await h.wait_final(answer.token)
    assert [b.label for b in zoomed.buttons()][:4] == ["U1", "U2", "U3", "U4"]
    assert h.sim.records("submit/modal")[-1].body_json["prompt"] == "a castle --zoom 1.5"


async def test_double_click_submits_once(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "twice"})
    grid = await h.wait_final(inter.token)
    first = await h.dispatch(h.factory.button_click(grid, grid.buttons()[1].custom_id))
    second = await h.dispatch(h.factory.button_click(grid, grid.buttons()[1].custom_id))
    await h.wait_final(first.token)
    assert h.sim.count("submit/action") == 1
    assert second.callback_type == 4  # refused with an ephemeral message
    refusal = h.original(second.token)
    assert refusal.ephemeral and "just pressed" in refusal.content


async def test_someone_elses_button_is_refused_privately(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "mine"})
    grid = await h.wait_final(inter.token)
    other = await h.dispatch(h.factory.button_click(grid, grid.buttons()[0].custom_id, user_id=777))
    refusal = h.original(other.token)
    assert refusal.ephemeral and "can use these buttons" in refusal.content
    assert h.sim.count("submit/action") == 0


async def test_chinese_locale(h: Harness) -> None:
    h.sim.faults.never_finish = True
    inter = await h.command("imagine", {"prompt": "一只狐狸"}, locale="zh-CN")
    await h.wait(
        lambda: (
            "等待开始" in h.original(inter.token).content or "%" in h.original(inter.token).content
        ),
        "chinese state",
    )
