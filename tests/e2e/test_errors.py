"""Every failure a user can meet, in their language, with nothing submitted by mistake."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.sim import SimConfig
from bot.sim.png import encode_png
from tests.e2e.harness import API_KEY, BOT_TOKEN, Harness, harness
from tests.images import declared_png, picture

PNG = encode_png(8, 8, lambda y: b"\x00\x80\xff" * 8)


async def test_banned_prompt_names_the_word(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a bannedword cat"})
    await h.wait(lambda: "bannedword" in h.original(inter.token).content, "the refusal")
    assert "banned word" in h.original(inter.token).content


async def test_banned_prompt_in_chinese(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a bannedword cat"}, locale="zh-CN")
    await h.wait(lambda: "敏感词" in h.original(inter.token).content, "the refusal")


async def test_queue_full(h: Harness) -> None:
    h.sim.faults.queue_full = True
    inter = await h.command("imagine", {"prompt": "busy"})
    await h.wait(lambda: "queue is full" in h.original(inter.token).content, "queue full")


async def test_not_an_image_is_refused_privately_before_any_submit(h: Harness) -> None:
    fake_png = h.fake.host_attachment("cat.png", b"%PDF-1.7 not a picture", "image/png")
    inter = await h.command("describe", {}, attachments={"image": fake_png})

    def refused_and_placeholder_gone() -> bool:
        original = h.fake.original_response(inter.token)
        return bool(inter.followup_ids) and (original is None or original.deleted)

    await h.wait(refused_and_placeholder_gone, "the private refusal")  # refusal, then delete
    refusal = h.fake.message(inter.followup_ids[-1])
    assert refusal.ephemeral and "not a PNG, JPEG, WEBP or GIF" in refusal.content
    assert h.sim.count("total") == 0


async def test_a_decompression_bomb_is_refused_in_chinese_without_a_submit(h: Harness) -> None:
    bomb = h.fake.host_attachment("bomb.png", declared_png(50_000, 50_000), "image/png")
    options = {"prompt": "a cat"}
    inter = await h.command("imagine", options, attachments={"image": bomb}, locale="zh-CN")
    assert "像素过多" in await h.refusal(inter)
    assert h.sim.count("total") == 0 and await h.jobs() == []


async def test_a_truncated_picture_is_refused_as_damaged(h: Harness) -> None:
    whole = picture("JPEG", (300, 200), "orange")
    cut = h.fake.host_attachment("cut.jpg", whole[: len(whole) // 2], "image/jpeg")
    inter = await h.command("describe", {}, attachments={"image": cut})
    assert "damaged or incomplete" in await h.refusal(inter)
    assert h.sim.count("total") == 0 and await h.jobs() == []


async def test_an_image_over_the_size_cap_is_refused_at_once(h: Harness) -> None:
    big = h.fake.host_attachment("big.png", PNG + b"\x00" * (9 * 1024 * 1024), "image/png")
    inter = await h.command("describe", {}, attachments={"image": big})
    assert inter.callback_type == 4
    refusal = h.original(inter.token)
    assert refusal.ephemeral and "larger than 8 MB" in refusal.content
    assert h.sim.count("total") == 0 and await h.jobs() == []


async def test_an_empty_prompt_is_refused(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "   "})
    assert inter.callback_type == 4 and h.original(inter.token).ephemeral
    assert h.sim.count("total") == 0


async def test_a_failed_task_shows_its_reason(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "sim:fail this one"})
    message = await h.wait_final(inter.token)
    assert "Simulated failure" in message.embeds[0]["description"]


async def test_a_refused_api_key_tells_the_user_and_logs_for_the_operator(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(tmp_path, sim_config=SimConfig(api_key="the-right-key")) as h:
        with caplog.at_level(logging.INFO):
            inter = await h.command("imagine", {"prompt": "wrong key"})
            await h.wait(lambda: "misconfigured" in h.original(inter.token).content, "the reply")
    assert "MJ_API_KEY" in caplog.text
    everything = caplog.text + "".join(str(r.json) for r in h.fake.requests)
    assert API_KEY not in everything and API_KEY.removeprefix("sk-") not in everything
    assert BOT_TOKEN not in caplog.text


async def test_aggregator_down_is_said_plainly(h: Harness) -> None:
    h.sim.faults.http_500 = 1
    inter = await h.command("shorten", {"prompt": "anyone there"})
    await h.wait(lambda: "not reachable" in h.original(inter.token).content, "the reply")
    assert h.sim.count("submit/shorten") == 1


async def test_a_submit_timeout_says_it_may_have_started(tmp_path: Path) -> None:
    async with harness(tmp_path, request_timeout_seconds=0.3) as h:
        h.sim.faults.timeout_seconds = 1.0
        h.sim.faults.timeouts = 1
        inter = await h.command("imagine", {"prompt": "slow aggregator"})
        await h.wait(lambda: "may still have started" in h.original(inter.token).content, "reply")
        assert h.sim.count("submit/imagine") == 1  # not retried: it could be charged twice
