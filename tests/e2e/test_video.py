"""Video results through the real bot: an Animate press on an upscale delivers the video
file (from the aggregator's videoUrl, or a video in imageUrl) with its Extend buttons;
over the upload limit the aggregator's URL is linked instead."""

from __future__ import annotations

from pathlib import Path

from bot.core.models import JobStatus
from bot.sim.video import tiny_mp4
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeMessage, InteractionFactory


def button(message: FakeMessage, label: str) -> str:
    return next(b.custom_id for b in message.buttons() if b.label == label)


async def upscaled(h: Harness) -> FakeMessage:
    inter = await h.command("imagine", {"prompt": "a paper boat on a pond"})
    grid = await h.wait_final(inter.token)
    click = await h.dispatch(h.factory.button_click(grid, button(grid, "U1")))
    upscale = await h.wait_final(click.token)
    labels = [(b.label, b.row) for b in upscale.buttons()]
    # Their own row, after the pans; the bot's Seed fits beside them (five rows at most).
    assert ("Animate (High)", 4) in labels and ("Animate (Low)", 4) in labels
    assert ("Seed", 4) in labels
    return upscale


async def test_animate_delivers_the_video_file_with_its_buttons(h: Harness) -> None:
    upscale = await upscaled(h)
    click = await h.dispatch(h.factory.button_click(upscale, button(upscale, "Animate (High)")))
    assert click.callback_type == 5
    video = await h.wait_final(click.token)

    job = max(await h.jobs(), key=lambda j: j.id)
    assert job.status is JobStatus.SUCCESS and job.task_id is not None
    (attachment,) = video.attachments
    assert attachment.filename == f"mj_{job.task_id}.mp4"
    assert attachment.content == tiny_mp4(job.task_id)  # the sim's file, byte for byte
    assert attachment.content[4:8] == b"ftyp" and video.embeds == []
    assert "Animate (High)" in video.content and f"Job {job.id}" in video.content
    assert [(b.label, b.row) for b in video.buttons()] == [
        ("U1", 0),
        ("U2", 0),
        ("U3", 0),
        ("U4", 0),
        ("Extend (High)", 1),
        ("Extend (Low)", 1),
    ]  # no Seed: a video has none
    (press,) = [r for r in h.sim.records("submit/action") if "animate" in str(r.body_json)]
    assert press.body_json["customId"].startswith("MJ::JOB::animate_high::1::")

    extend = await h.dispatch(h.factory.button_click(video, button(video, "Extend (Low)")))
    extended = await h.wait_final(extend.token)
    (longer,) = extended.attachments
    assert longer.filename.endswith(".mp4") and longer.content[4:8] == b"ftyp"
    assert h.fake.violations == []


async def test_a_video_in_image_url_is_attached_as_a_video(h: Harness) -> None:
    upscale = await upscaled(h)
    h.sim.faults.video_in_image_url = True  # no videoUrl: the video is the imageUrl
    click = await h.dispatch(h.factory.button_click(upscale, button(upscale, "Animate (Low)")))
    video = await h.wait_final(click.token)
    job = max(await h.jobs(), key=lambda j: j.id)
    assert job.task_id is not None and job.image_url and job.image_url.endswith("video.mp4")
    (attachment,) = video.attachments
    assert attachment.filename.endswith(".mp4") and attachment.content == tiny_mp4(job.task_id)


async def test_a_video_over_the_upload_limit_is_linked_instead(h: Harness) -> None:
    upscale = await upscaled(h)
    h.sim.faults.video_bytes = 30_000
    small = InteractionFactory(h.fake, h.bot, attachment_size_limit=20_000)
    click = await h.dispatch(small.button_click(upscale, button(upscale, "Animate (High)")))
    video = await h.wait_final(click.token)
    job = max(await h.jobs(), key=lambda j: j.id)
    assert job.image_url == f"{h.sim.base_url}/sim/videos/{job.task_id}/video.mp4"
    assert video.attachments == [] and video.embeds == []
    link = f"🎞️ Video (too large to attach here, or not a video file): {job.image_url}"
    assert link in video.content
    assert [b.label for b in video.buttons()][-2:] == ["Extend (High)", "Extend (Low)"]

    # /show in Chinese: posted again, linked again (its place has the same limit).
    shown = await h.dispatch(small.slash_command("show", {"job": str(job.id)}, locale="zh-CN"))
    await h.wait(lambda: h.original(shown.token).buttons(), "the video shown again")
    again = h.original(shown.token)
    assert again.attachments == []
    assert f"🎞️ 视频（文件过大或不是视频，未作为附件发送）：{job.image_url}" in again.content
    assert h.fake.violations == []


async def test_animate_and_extend_are_priced_as_video(tmp_path: Path) -> None:
    async with harness(
        tmp_path, credits_enabled=True, new_user_credits=20, prices="upscale=1,video=4"
    ) as h:
        upscale = await upscaled(h)
        click = await h.dispatch(h.factory.button_click(upscale, button(upscale, "Animate (Low)")))
        video = await h.wait_final(click.token)
        extend = await h.dispatch(h.factory.button_click(video, button(video, "Extend (High)")))
        await h.wait_final(extend.token)
        owner = (await h.jobs())[0].user_id
        wallet = await h.storage.ledger.wallet(owner)
        # imagine 1 + upscale 1 + Animate 4 + Extend 4
        assert wallet is not None and (wallet.available, wallet.reserved) == (20 - 10, 0)
