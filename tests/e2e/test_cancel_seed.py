"""The bot's own buttons: Cancel on a waiting or running job (owner or admins; refunded),
Seed on a result; and the result's buttons marked once pressed, across a restart."""

from __future__ import annotations

import time
from pathlib import Path

import discord

from bot.core.models import JobStatus
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness

USER, STRANGER, MANAGER = 6201, 6202, 6203


def button(message, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in message.buttons() if (b.label or b.emoji) == label)


async def test_cancel_stops_the_job_and_gives_the_credits_back(tmp_path: Path) -> None:
    async with harness(tmp_path, credits_enabled=True) as h:
        await h.storage.ledger.grant(USER, 5, admin_id=1, at=time.time())
        h.sim.faults.never_finish = True
        inter = await h.command("imagine", {"prompt": "regret"}, user_id=USER, locale="zh-CN")
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        running = h.original(inter.token)
        cancel = button(running, "取消")
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (4, 1)

        other = await h.dispatch(
            h.factory.button_click(running, cancel.custom_id, user_id=STRANGER)
        )
        assert h.original(other.token).ephemeral and h.sim.count("task/cancel") == 0

        click = await h.dispatch(
            h.factory.button_click(running, cancel.custom_id, user_id=USER, locale="zh-CN")
        )
        assert click.callback_type == 6  # the job's own message says the rest
        await h.wait(lambda: "已取消" in str(h.original(inter.token).embeds), "cancelled")
        assert h.sim.count("task/cancel") == 1
        assert h.original(inter.token).buttons() == []
        (job,) = await h.jobs()
        assert job.status is JobStatus.CANCEL
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (5, 0)

        assert h.fake.violations == []


async def test_a_server_manager_may_cancel_someone_elses_job(h: Harness) -> None:
    h.sim.faults.never_finish = True
    inter = await h.command("imagine", {"prompt": "left running"}, user_id=USER)
    await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
    running = h.original(inter.token)
    manager = discord.Permissions(manage_guild=True)
    await h.dispatch(
        h.factory.button_click(
            running,
            button(running, "Cancel").custom_id,
            user_id=MANAGER,
            member_permissions=manager,
        )
    )
    (job,) = await h.jobs()
    await h.wait_job(job.id, JobStatus.CANCEL)


async def test_a_refused_cancel_is_said_and_the_job_goes_on(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.05)) as h:
        inter = await h.command("imagine", {"prompt": "too late to stop"}, user_id=USER)
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        running = h.original(inter.token)
        await h.core.tracker.stop()  # the bot has not seen the end yet; the aggregator has
        (job,) = await h.jobs()
        task = h.sim.engine.tasks[job.task_id or ""]
        await h.wait(lambda: h.sim.engine.snapshot(task).status == "SUCCESS", "the task's end")

        click = await h.dispatch(
            h.factory.button_click(running, button(running, "Cancel").custom_id, user_id=USER)
        )
        await h.wait(lambda: click.followup_ids, "the refusal")
        refusal = h.fake.message(click.followup_ids[-1])
        assert refusal.ephemeral and "would not cancel" in refusal.content
        assert "it goes on" in refusal.content
        assert (await h.storage.jobs.get(job.id)).status is JobStatus.IN_PROGRESS  # type: ignore[union-attr]

        await h.core.tracker.start()
        final = await h.wait_final(inter.token)
        assert final.attachments


async def test_an_aggregator_without_cancel_says_so(h: Harness) -> None:
    h.sim.faults.never_finish = True
    h.sim.faults.cancel_unsupported = True
    inter = await h.command("imagine", {"prompt": "cannot stop"}, user_id=USER)
    await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
    running = h.original(inter.token)
    click = await h.dispatch(
        h.factory.button_click(running, button(running, "Cancel").custom_id, user_id=USER)
    )
    await h.wait(lambda: click.followup_ids, "the refusal")
    assert "cannot cancel jobs" in h.fake.message(click.followup_ids[-1]).content
    (job,) = await h.jobs()
    assert job.status is JobStatus.IN_PROGRESS


async def test_seed_answers_privately_with_the_tasks_seed(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "plant a seed"}, user_id=USER)
    grid = await h.wait_final(inter.token)
    (job,) = await h.jobs()
    expected = h.sim.engine.tasks[job.task_id or ""].seed

    click = await h.dispatch(h.factory.button_click(grid, button(grid, "Seed").custom_id))
    await h.wait(lambda: h.original(click.token).content, "the seed")
    answer = h.original(click.token)
    assert answer.ephemeral and f"**{expected}**" in answer.content
    assert f"--seed {expected}" in answer.content

    h.sim.faults.fault_scope = "query"
    h.sim.faults.http_500 = 50
    zh = await h.dispatch(
        h.factory.button_click(grid, button(grid, "Seed").custom_id, locale="zh-CN")
    )
    await h.wait(lambda: h.original(zh.token).content, "the refusal")
    refused = h.original(zh.token)
    assert refused.ephemeral and "服务商无法提供该任务的种子" in refused.content


async def test_pressed_buttons_stay_marked_after_a_restart(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "mark my buttons"}, user_id=USER)
    grid = await h.wait_final(inter.token)
    assert {b.style for b in grid.buttons() if b.label in ("U1", "U2")} == {2}

    first = await h.dispatch(
        h.factory.button_click(grid, button(grid, "U1").custom_id, user_id=USER)
    )
    await h.wait_final(first.token)
    await h.wait(lambda: button(h.fake.message(grid.id), "U1").style == 1, "U1 marked")
    assert button(h.fake.message(grid.id), "U2").style == 2
    assert h.fake.message(grid.id).attachments  # the image stays

    await h.stop_bot()
    await h.start_bot()
    second = await h.dispatch(
        h.factory.button_click(grid, button(grid, "U2").custom_id, user_id=USER)
    )
    await h.wait_final(second.token)
    await h.wait(lambda: button(h.fake.message(grid.id), "U2").style == 1, "U2 marked")
    assert button(h.fake.message(grid.id), "U1").style == 1  # still marked
    assert h.fake.violations == []
