"""/history (a user's own jobs, privately, ten a page, running ones first) and /show job
(a job's result posted again with buttons that still work), through the real bot."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.core.models import Job, JobKind, JobStatus
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeInteraction, FakeMessage
from tests.fakes.payloads import MEMBER_PERMISSIONS

USER = 7101
OTHER = 7202
NEWCOMER = 7303
ADMIN = 7404  # in ADMIN_USER_IDS
MANAGES_SERVER = MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True)
LINE = re.compile(r"^\*\*(\d+)\*\* · ", re.MULTILINE)
# Long enough to be shortened on a history line (60 characters there).
LONG = "an enormous baroque cathedral made of coloured glass at dawn, volumetric light"


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(
        tmp_path, max_concurrent_jobs_per_user=20, admin_user_ids=str(ADMIN)
    ) as running:
        yield running
        assert running.fake.violations == [], "the bot sent a payload Discord would refuse"


# -- helpers ------------------------------------------------------------------------------


def link(h: Harness, message: FakeMessage) -> str:
    return f"https://discord.com/channels/{h.fake.guild_id}/{message.channel_id}/{message.id}"


def private_reply(h: Harness, inter: FakeInteraction) -> FakeMessage:
    """Answered at once, and only the user sees it."""
    assert inter.callback_type == 4
    reply = h.original(inter.token)
    assert reply.ephemeral
    return reply


def public_posts(h: Harness) -> list[FakeMessage]:
    return [m for m in h.fake.messages_in(h.fake.channel_id) if not m.ephemeral]


async def imagine(h: Harness, prompt: str, user_id: int = USER) -> tuple[FakeMessage, Job]:
    inter = await h.command("imagine", {"prompt": prompt}, user_id=user_id)
    grid = await h.wait_final(inter.token)
    job = await job_on(h, grid)
    assert job.status is JobStatus.SUCCESS
    return grid, job


async def job_on(h: Harness, message: FakeMessage) -> Job:
    (job,) = [j for j in await h.jobs() if j.message.message_id == message.id]
    return job


async def show(h: Harness, job: str, user_id: int = USER, **kwargs: object) -> FakeMessage:
    """/show that posts the result: deferred, then the deferred message becomes it."""
    inter = await h.command("show", {"job": job}, user_id=user_id, **kwargs)
    assert inter.callback_type == 5

    def posted() -> bool:
        message = h.fake.original_response(inter.token)
        return message is not None and not message.loading and bool(message.buttons())

    await h.wait(posted, "the job shown again")
    return h.original(inter.token)


def same_result(shown: FakeMessage, grid: FakeMessage) -> None:
    assert shown.id != grid.id
    assert shown.content == grid.content  # prompt, owner and the "Job N" footer
    assert [(b.label, b.emoji, b.custom_id, b.row) for b in shown.buttons()] == [
        (b.label, b.emoji, b.custom_id, b.row) for b in grid.buttons()
    ]
    (attachment,) = shown.attachments
    assert attachment.filename.endswith(".png")


async def press(h: Harness, message: FakeMessage, label: str, user_id: int = USER) -> FakeMessage:
    custom_id = next(b.custom_id or "" for b in message.buttons() if b.label == label)
    click = await h.dispatch(h.factory.button_click(message, custom_id, user_id=user_id))
    assert click.callback_type == 5
    return await h.wait_final(click.token)


def pager(message: FakeMessage) -> list[tuple[str, str, bool]]:
    """The message's buttons as (label, custom_id, greyed out)."""
    out = []
    for button in message.buttons():
        custom_id = button.custom_id or ""
        component = message.component(custom_id) or {}
        out.append((button.label or "", custom_id, bool(component.get("disabled"))))
    return out


def sim_custom_id(h: Harness, job: Job, label: str) -> str:
    """The aggregator's customId of the task's button `label`."""
    task = h.sim.engine.tasks[job.task_id or ""]
    return next(str(b["customId"]) for b in task.buttons if b["label"] == label)


# -- /history -----------------------------------------------------------------------------


async def test_history_pages_own_jobs_running_first_and_survives_a_restart(h: Harness) -> None:
    # Twelve jobs of USER: one that never finishes (the oldest), nine images, a /shorten
    # and an upscale; and one of OTHER's.
    h.sim.faults.never_finish = True
    stuck = await h.command("imagine", {"prompt": "still painting the sky"}, user_id=USER)
    await h.wait(lambda: "%" in h.original(stuck.token).content, "the running job")
    running = await job_on(h, h.original(stuck.token))
    h.sim.faults.never_finish = False  # for the tasks that follow
    started = [
        await h.command("imagine", {"prompt": f"{LONG} number {n}"}, user_id=USER) for n in range(9)
    ]
    started.append(await h.command("shorten", {"prompt": f"{LONG} shorten"}, user_id=USER))
    results = [await h.wait_final(inter.token) for inter in started]
    upscale = await press(h, results[0], "U1")
    results.append(upscale)
    await imagine(h, "someone else's secret lighthouse", user_id=OTHER)

    messages = {(await job_on(h, m)).id: m for m in results}
    finished = sorted(
        [await h.wait_job(i, JobStatus.SUCCESS) for i in messages], key=lambda j: -j.id
    )
    assert len(finished) == 11 and running.id < min(j.id for j in finished)
    await h.wait_job(running.id, JobStatus.IN_PROGRESS)  # still running

    inter = await h.command("history", {}, user_id=USER)
    first = private_reply(h, inter)
    text = first.content
    assert text.startswith("**Your jobs** (12)\n")
    assert [int(n) for n in LINE.findall(text)] == [running.id, *(j.id for j in finished[:9])]
    assert text.endswith("\n-# Page 1 of 2")
    (running_line,) = [line for line in text.splitlines() if line.startswith(f"**{running.id}**")]
    running_url = re.escape(link(h, h.original(stuck.token)))
    assert re.fullmatch(
        rf"\*\*{running.id}\*\* · Imagine · running, \d+% · `still painting the sky` · "
        rf"<t:{int(running.created_at)}:R> · \[message\]\({running_url}\)",
        running_line,
    )
    lines = text.splitlines()
    kinds = {JobKind.IMAGINE: "Imagine", JobKind.SHORTEN: "Shorten", JobKind.ACTION: "U1"}
    for job, line in zip(finished[:9], lines[2:11], strict=True):
        shown = re.fullmatch(
            rf"\*\*{job.id}\*\* · {kinds[job.kind]} · done · `(?P<prompt>[^`]+)` · "
            rf"<t:{int(job.created_at)}:R> · \[message\]\({re.escape(link(h, messages[job.id]))}\)",
            line,
        )
        assert shown, line
        prompt = " ".join((job.prompt or "").split())
        # Shortened: long prompts end in "…", yet every line and the page number fit.
        assert shown["prompt"].endswith("…") and prompt.startswith(shown["prompt"][:-1])
        assert len(shown["prompt"]) <= 60
    assert len(text) <= 2000
    assert "lighthouse" not in text  # nothing of OTHER's

    next_id = f"mj:v1:history:{USER}:1"
    assert pager(first) == [
        ("◀ Previous", f"mj:v1:history:{USER}:0", True),  # greyed out on the first page
        ("Next ▶", next_id, False),
    ]

    click = await h.dispatch(h.factory.button_click(first, next_id, user_id=USER))
    assert click.callback_type == 7  # the same message, edited
    second = h.fake.message(first.id)
    assert second.ephemeral and second.content.endswith("\n-# Page 2 of 2")
    assert second.content.startswith("**Your jobs** (12)\n")
    assert [int(n) for n in LINE.findall(second.content)] == [j.id for j in finished[9:]]
    previous_id = f"mj:v1:history:{USER}:0"
    assert pager(second) == [
        ("◀ Previous", previous_id, False),
        ("Next ▶", f"mj:v1:history:{USER}:1", True),
    ]

    # A restart later, the old message's buttons still page.
    await h.stop_bot()
    await h.start_bot()
    back = await h.dispatch(h.factory.button_click(second, previous_id, user_id=USER))
    assert back.callback_type == 7
    again = h.fake.message(first.id).content
    assert again.endswith("\n-# Page 1 of 2")
    assert LINE.findall(again) == LINE.findall(text)

    # In Chinese.
    zh = private_reply(h, await h.command("history", {}, user_id=USER, locale="zh-CN"))
    assert zh.content.startswith("**你的任务**（共 12 个）\n")
    assert " · 绘图 · 完成 · `" in zh.content and " · 精简 · 完成 · `" in zh.content
    assert re.search(r" · 绘图 · 进行中，\d+% · `still painting the sky`", zh.content)
    assert "[消息](https://discord.com/channels/" in zh.content
    assert zh.content.endswith("\n-# 第 1 / 2 页")
    assert [label for label, _, _ in pager(zh)] == ["◀ 上一页", "下一页 ▶"]
    await h.dispatch(h.factory.button_click(zh, next_id, user_id=USER, locale="zh-CN"))
    assert h.fake.message(zh.id).content.endswith("\n-# 第 2 / 2 页")

    # Each user sees their own jobs only.
    theirs = private_reply(h, await h.command("history", {}, user_id=OTHER)).content
    assert theirs.startswith("**Your jobs** (1)\n") and "lighthouse" in theirs
    assert "cathedral" not in theirs and "Page" not in theirs
    nobody = private_reply(h, await h.command("history", {}, user_id=NEWCOMER))
    assert nobody.content == "You have no jobs yet. Start one with /imagine."
    assert nobody.buttons() == []
    assert not any("Your jobs" in m.content for m in public_posts(h))


async def test_history_shows_a_waiting_jobs_queue_position(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=5.0)) as h:
        h.sim.faults.queue_position = 3
        inter = await h.command("imagine", {"prompt": "a long queue"}, user_id=USER)
        await h.wait(lambda: "Queued, 3 ahead" in h.original(inter.token).content, "queued")
        (job,) = await h.jobs()
        await h.wait_job(job.id, JobStatus.WAITING)

        shown = private_reply(h, await h.command("history", {}, user_id=USER)).content
        assert f"**{job.id}** · Imagine · queued, 3 ahead · `a long queue` · " in shown
        zh = private_reply(h, await h.command("history", {}, user_id=USER, locale="zh-CN"))
        assert f"**{job.id}** · 绘图 · 排队中，前面 3 个 · " in zh.content
        assert h.fake.violations == []


# -- /show --------------------------------------------------------------------------------


async def test_show_by_number_posts_the_result_again_with_working_buttons(h: Harness) -> None:
    grid, job = await imagine(h, "a copper teapot")
    before = len(public_posts(h))

    shown = await show(h, str(job.id))
    assert not shown.ephemeral and shown.channel_id == grid.channel_id
    same_result(shown, grid)
    assert f"Job {job.id}" in shown.content
    assert len(public_posts(h)) == before + 1

    upscale = await press(h, shown, "U1")
    assert upscale.id not in (shown.id, grid.id)
    assert "Image #1" in upscale.content and upscale.attachments
    (action,) = h.sim.records("submit/action")
    assert action.body_json["taskId"] == job.task_id
    assert action.body_json["customId"] == sim_custom_id(h, job, "U1")
    child = await job_on(h, upscale)
    assert child.parent_job_id == job.id and child.status is JobStatus.SUCCESS

    # "#N" as people copy it from the footer works too.
    assert (await show(h, f"#{job.id}")).content == grid.content


async def test_show_by_task_id_and_its_buttons_work_after_a_restart(h: Harness) -> None:
    grid, job = await imagine(h, "a paper boat on a puddle")
    before_restart = await show(h, str(job.id))
    await h.stop_bot()
    await h.start_bot()

    # The message shown before the restart still works...
    upscale = await press(h, before_restart, "U1")
    assert "Image #1" in upscale.content and upscale.attachments
    # ...and so does one shown after it, found by the aggregator's task id.
    assert job.task_id is not None
    shown = await show(h, job.task_id)
    assert not shown.ephemeral
    same_result(shown, grid)
    second = await press(h, shown, "U2")
    assert "Image #2" in second.content and second.attachments
    actions = h.sim.records("submit/action")
    assert [(a.body_json["taskId"], a.body_json["customId"]) for a in actions] == [
        (job.task_id, sim_custom_id(h, job, "U1")),
        (job.task_id, sim_custom_id(h, job, "U2")),
    ]


async def test_show_of_someone_elses_job_is_for_admins_only(h: Harness) -> None:
    grid, job = await imagine(h, "my own private sketch")
    before = len(public_posts(h))

    refused = await h.command("show", {"job": str(job.id)}, user_id=OTHER)
    assert private_reply(h, refused).content == (
        f"Job {job.id} is not yours: only admins can show other people's jobs."
    )
    zh = await h.command("show", {"job": job.task_id or ""}, user_id=OTHER, locale="zh-CN")
    assert "不属于你" in private_reply(h, zh).content
    assert len(public_posts(h)) == before  # nothing posted

    manager = await show(h, str(job.id), user_id=OTHER, member_permissions=MANAGES_SERVER)
    assert not manager.ephemeral
    same_result(manager, grid)
    operator = await show(h, str(job.id), user_id=ADMIN)
    same_result(operator, grid)
    assert len(public_posts(h)) == before + 2

    # Managing a server of one's own is no key to every other server's jobs.
    elsewhere = h.fake.add_guild(name="A server of OTHER's own")
    outside = await h.command(
        "show",
        {"job": str(job.id)},
        user_id=OTHER,
        guild_id=elsewhere,
        member_permissions=MANAGES_SERVER,
    )
    assert "is not yours" in private_reply(h, outside).content
    assert len(public_posts(h)) == before + 2


async def test_an_admin_may_look_at_a_private_result_but_not_post_it(h: Harness) -> None:
    await h.command("settings", {"private": True}, user_id=USER)
    inter = await h.command("imagine", {"prompt": "a diary page"}, user_id=USER)
    grid = await h.wait_final(inter.token)
    assert grid.ephemeral
    job = await job_on(h, grid)
    before = len(public_posts(h))

    for asker in (ADMIN, OTHER):
        shown = await show(h, str(job.id), user_id=asker, member_permissions=MANAGES_SERVER)
        assert shown.ephemeral
        same_result(shown, grid)
    assert len(public_posts(h)) == before


async def test_show_of_an_unknown_job_is_refused_privately(h: Harness) -> None:
    await imagine(h, "the only job")
    before = len(public_posts(h))
    unknown = private_reply(h, await h.command("show", {"job": "999"}, user_id=USER))
    assert unknown.content == "There is no job 999."
    no_task = private_reply(h, await h.command("show", {"job": "no-such-task"}, user_id=USER))
    assert no_task.content == "There is no job no-such-task."
    superscript = private_reply(h, await h.command("show", {"job": "²"}, user_id=USER))
    assert superscript.content == "There is no job ²."
    zh = private_reply(h, await h.command("show", {"job": "999"}, user_id=USER, locale="zh-CN"))
    assert zh.content == "找不到任务 999。"
    assert len(public_posts(h)) == before


async def test_show_of_a_running_job_says_it_is_not_finished(h: Harness) -> None:
    h.sim.faults.never_finish = True
    inter = await h.command("imagine", {"prompt": "slow clouds"}, user_id=USER)
    await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
    running = h.original(inter.token)
    job = await job_on(h, running)
    before = len(public_posts(h))

    reply = private_reply(h, await h.command("show", {"job": str(job.id)}, user_id=USER))
    assert re.fullmatch(
        rf"Job {job.id} is not finished yet \(running, \d+%\); its message updates by itself: "
        rf"\[message\]\({re.escape(link(h, running))}\)",
        reply.content,
    )
    assert reply.attachments == [] and reply.buttons() == []
    assert len(public_posts(h)) == before
    assert h.sim.records("submit/action") == []


async def test_show_answers_privately_with_the_private_setting_on(h: Harness) -> None:
    grid, job = await imagine(h, "a quiet library")
    await h.command("settings", {"private": True}, user_id=USER)
    before = len(public_posts(h))

    shown = await show(h, str(job.id))
    assert shown.ephemeral
    same_result(shown, grid)
    assert len(public_posts(h)) == before

    upscale = await press(h, shown, "U1")
    assert upscale.ephemeral and upscale.attachments and "Image #1" in upscale.content
    assert len(public_posts(h)) == before
    (action,) = h.sim.records("submit/action")
    assert action.body_json["taskId"] == job.task_id
