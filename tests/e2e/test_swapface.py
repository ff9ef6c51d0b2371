"""/swapface source target through the real bot: the swapped image delivered like any
job, refused privately when it is off or given one picture twice, charged `swapface`
credits and refunded when the aggregator refuses or fails it."""

from __future__ import annotations

import time
from pathlib import Path

from bot.core.models import Job, JobKind, JobStatus
from bot.sim.png import encode_png
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeInteraction, FakeMessage

USER = 8101
FACE = encode_png(24, 24, lambda y: bytes([200, y * 10 % 256, 90]) * 24)
PICTURE = encode_png(48, 32, lambda y: bytes([30, 90, y * 7 % 256]) * 48)


def images(h: Harness, source: bytes = FACE, target: bytes = PICTURE) -> dict[str, dict]:
    return {
        "source": h.fake.host_attachment("face.png", source, "image/png", width=24, height=24),
        "target": h.fake.host_attachment("scene.png", target, "image/png", width=48, height=32),
    }


async def swapface(h: Harness, **kwargs: object) -> FakeInteraction:
    return await h.command("swapface", {}, attachments=images(h), user_id=USER, **kwargs)


async def delivered(h: Harness, inter: FakeInteraction) -> tuple[FakeMessage, Job]:
    """Until the job on the interaction's message succeeded and its image is attached."""

    def done() -> bool:
        message = h.fake.original_response(inter.token)
        return message is not None and bool(message.attachments)

    await h.wait(done, "the swapped image")
    message = h.original(inter.token)
    (job,) = [j for j in await h.jobs() if j.message.message_id == message.id]
    return message, job


async def test_swapface_delivers_the_swapped_image(h: Harness) -> None:
    inter = await swapface(h)
    assert inter.callback_type == 5  # deferred at once, publicly
    message, job = await delivered(h, inter)

    (attachment,) = message.attachments
    assert attachment.content.startswith(b"\x89PNG") and attachment.filename.endswith(".png")
    assert message.content.startswith(f"**Face swap** - <@{USER}>")
    assert f"Job {job.id}" in message.content
    assert message.buttons() == []  # the task has none, and no Midjourney seed either
    assert message.edits >= 2  # its progress was shown before the result
    assert job.kind is JobKind.SWAPFACE and job.status is JobStatus.SUCCESS
    (record,) = h.sim.records("insight-face/swap")
    assert record.body_json["sourceBase64"].startswith("data:image/png;base64,")
    assert record.body_json["targetBase64"].startswith("data:image/png;base64,")
    assert record.body_json["sourceBase64"] != record.body_json["targetBase64"]

    history = await h.command("history", {}, user_id=USER)
    assert f"**{job.id}** · Face swap · " in h.original(history.token).content
    shown = await h.command("show", {"job": str(job.id)}, user_id=USER)
    await h.wait(lambda: h.original(shown.token).attachments, "the job shown again")
    assert h.original(shown.token).content.startswith("**Face swap**")


async def test_a_running_swap_shows_progress_and_can_be_cancelled(h: Harness) -> None:
    h.sim.faults.never_finish = True
    inter = await swapface(h, locale="zh-CN")
    await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
    running = h.original(inter.token)
    assert running.content.startswith(f"**换脸** - <@{USER}>")
    (cancel,) = running.buttons()
    assert cancel.label == "取消"
    await h.dispatch(h.factory.button_click(running, cancel.custom_id, user_id=USER))
    await h.wait(lambda: "已取消" in str(h.original(inter.token).embeds), "cancelled")
    assert h.sim.count("task/cancel") == 1


async def test_swapface_turned_off_is_refused_and_nothing_is_submitted(tmp_path: Path) -> None:
    async with harness(tmp_path, swapface_enabled=False, credits_enabled=True) as h:
        await h.storage.ledger.grant(USER, 5, admin_id=1, at=time.time())
        english = await h.refusal(await swapface(h))
        assert "Face swap is turned off" in english
        chinese = await h.refusal(await swapface(h, locale="zh-CN"))
        assert "已关闭换脸" in chinese
        assert h.sim.count("insight-face/swap") == 0 and await h.jobs() == []
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (5, 0)
        assert h.fake.violations == []


async def test_the_same_picture_twice_is_refused(h: Harness) -> None:
    same = await h.command(
        "swapface", {}, attachments=images(h, FACE, FACE), user_id=USER, locale="zh-CN"
    )
    assert "同一张" in await h.refusal(same)
    english = await h.command("swapface", {}, attachments=images(h, FACE, FACE), user_id=USER)
    assert "the same image" in await h.refusal(english)
    not_an_image = await h.command(
        "swapface", {}, attachments=images(h, FACE, b"GIF? no, text"), user_id=USER
    )
    assert "Image 2 is not a PNG" in await h.refusal(not_an_image)
    assert h.sim.count("insight-face/swap") == 0 and await h.jobs() == []


async def test_swapface_is_charged_and_refunded_when_the_aggregator_refuses(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, credits_enabled=True, prices="swapface=3,imagine=1") as h:
        await h.storage.ledger.grant(USER, 10, admin_id=1, at=time.time())
        _, job = await delivered(h, await swapface(h))
        await h.wait_job(job.id, JobStatus.SUCCESS)
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (7, 0)

        h.sim.faults.swapface_unsupported = True  # trueai with its face service off
        refused = await swapface(h)
        await h.wait(lambda: "服务不支持" in h.original(refused.token).content, "the refusal")
        text = h.original(refused.token).content
        assert text == "The aggregator refused the face swap: 服务不支持"
        failed = max(await h.jobs(), key=lambda j: j.id)
        assert failed.kind is JobKind.SWAPFACE and failed.status is JobStatus.FAILURE
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (7, 0)

        h.sim.faults.swapface_unsupported = False
        h.sim.faults.fail_midway = True  # accepted, then failed by the aggregator
        midway = await swapface(h, locale="zh-CN")
        await h.wait(lambda: "失败" in str(h.original(midway.token).embeds), "the failure")
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (7, 0)
        assert h.sim.count("insight-face/swap") == 3
        assert h.fake.violations == []


async def test_swapface_follows_the_users_speed_and_the_limits(tmp_path: Path) -> None:
    async with harness(tmp_path, cooldown_seconds=60) as h:
        await h.command("settings", {"mode": "relax"}, user_id=USER)
        await delivered(h, await swapface(h))
        (record,) = h.sim.records("insight-face/swap")
        assert record.mode == "RELAX"  # /mj-relax/mj/insight-face/swap
        too_soon = await swapface(h)
        assert "Cooldown: one job every 60 s" in await h.refusal(too_soon)
        await h.storage.policy.ban(USER, admin_id=1, at=time.time())
        banned = await swapface(h)
        assert "not allowed to use this bot" in await h.refusal(banned)
        assert h.sim.count("insight-face/swap") == 1 and len(await h.jobs()) == 1


async def test_the_command_is_described_in_both_languages(h: Harness) -> None:
    (command,) = [c for c in h.fake.synced_commands(h.fake.guild_id) if c["name"] == "swapface"]
    assert command["description"] == "Put the face of one picture into another"
    assert command["description_localizations"]["zh-CN"] == "把一张图片里的人脸换到另一张图片上"
    options = {o["name"]: o for o in command["options"]}
    assert list(options) == ["source", "target"]
    assert all(o["type"] == 11 and o["required"] for o in options.values())  # attachments
    assert options["source"]["description_localizations"]["zh-CN"] == "要使用的人脸"
    assert options["target"]["description_localizations"]["zh-CN"] == "要换入人脸的图片"
