"""Private results: only the user sees them, buttons included; when the 15-minute token
runs out they move to the user's DMs, and with DMs closed the user is told where to look."""

from __future__ import annotations

import time
from pathlib import Path

from bot.core.models import JobStatus, MessageKind
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness

USER = 6101


async def go_private(h: Harness) -> None:
    await h.command("settings", {"private": True}, user_id=USER)


async def expiring_soon(h: Harness) -> None:
    """As if 13 minutes had passed: the job's token has two minutes left."""
    (job,) = [j for j in await h.jobs() if not j.status.is_terminal]
    soon = job.message.model_copy(update={"token_expires_at": time.time() + 150})
    await h.storage.jobs.move_message(job.id, soon, at=time.time())


def public_messages(h: Harness) -> list[str]:
    return [m.content for m in h.fake.messages_in(h.fake.channel_id) if not m.ephemeral]


async def test_a_private_job_and_its_buttons_are_seen_by_its_user_alone(h: Harness) -> None:
    await go_private(h)
    inter = await h.command("imagine", {"prompt": "a secret garden"}, user_id=USER)
    grid = await h.wait_final(inter.token)
    assert grid.ephemeral and grid.attachments and grid.buttons()
    u1 = next(b for b in grid.buttons() if b.label == "U1")
    click = await h.dispatch(h.factory.button_click(grid, u1.custom_id, user_id=USER))
    upscale = await h.wait_final(click.token)
    assert upscale.ephemeral and upscale.attachments
    assert public_messages(h) == []  # nothing of it in the channel
    assert all(j.message.ephemeral for j in await h.jobs())
    assert h.fake.violations == []


async def test_a_private_job_moves_to_dms_before_its_token_runs_out(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        await go_private(h)
        h.sim.faults.never_finish = True
        inter = await h.command("imagine", {"prompt": "a long private job"}, user_id=USER)
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        await expiring_soon(h)

        assert await h.app.publisher.hand_over_expiring() == 1
        (dm,) = h.fake.dms_to(USER)
        assert "here in your DMs" in dm.content and "a long private job" in dm.content
        assert h.original(inter.token).content == "Continued in your DMs."
        (job,) = await h.jobs()
        assert job.message.kind is MessageKind.DM and job.message.message_id == dm.id

        h.sim.faults.never_finish = False  # the rest happens in the DM
        h.sim.engine.tasks[job.task_id or ""].stuck = False
        await h.wait(lambda: h.fake.message(dm.id).attachments, "the result in the DM")
        result = h.fake.message(dm.id)
        assert result.buttons() and "here in your DMs" in result.content
        assert public_messages(h) == []
        assert await h.app.publisher.hand_over_expiring() == 0  # moved once
        assert h.fake.violations == []


async def test_closed_dms_are_told_where_the_result_will_be(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        await go_private(h)
        h.fake.close_dms(USER)
        h.sim.faults.never_finish = True
        inter = await h.command(
            "imagine", {"prompt": "nowhere to go"}, user_id=USER, locale="zh-CN"
        )
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        await expiring_soon(h)

        assert await h.app.publisher.hand_over_expiring() == 1
        (job,) = await h.jobs()
        note = h.original(inter.token).content
        assert "私信未开启" in note and f"/show job:{job.id}" in note and "/history" in note
        assert job.message.interaction_token is None and job.message.ephemeral
        assert public_messages(h) == [] and h.fake.dms_to(USER) == []

        h.sim.engine.tasks[job.task_id or ""].stuck = False
        await h.wait_job(job.id, JobStatus.SUCCESS)
        await h.app.publisher.flush()
        assert public_messages(h) == [] and h.fake.dms_to(USER) == []  # never in public
        history = await h.command("history", {}, user_id=USER)
        assert f"**{job.id}**" in h.original(history.token).content


async def test_a_result_after_the_token_expired_goes_to_dms_with_a_note(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        await go_private(h)
        inter = await h.command("imagine", {"prompt": "late private result"}, user_id=USER)
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        h.fake.expire_token(inter.token)  # Discord refuses it from now on

        await h.wait(lambda: any(m.attachments for m in h.fake.dms_to(USER)), "the DM")
        (dm,) = h.fake.dms_to(USER)
        assert dm.content.startswith("-# Your private job") and dm.buttons()
        assert public_messages(h) == []
