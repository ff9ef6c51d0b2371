"""TRANSLATE_PROMPTS=auto through the real bot and the simulator's chat model: what the
aggregator receives, what the message shows, the fallbacks and the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import Harness, harness


@pytest.fixture
async def th(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(
        tmp_path, translate_prompts="auto", translate_timeout_seconds=0.5
    ) as running:
        yield running
        assert running.fake.violations == [], "the bot sent a payload Discord would refuse"


def submitted_prompts(h: Harness) -> list[str]:
    return [r.body_json["prompt"] for r in h.sim.records("submit/imagine")]


async def test_a_chinese_prompt_is_submitted_in_english_with_its_parameters(th: Harness) -> None:
    inter = await th.command("imagine", {"prompt": "一只可爱的猫在海边 --ar 16:9 --v 6"})
    message = await th.wait_final(inter.token)

    assert submitted_prompts(th) == ["a cute cat in seaside --ar 16:9 --v 6"]
    (question,) = th.sim.chat.asked
    assert "--ar" not in question and "16:9" not in question  # parameters never sent
    assert message.content.startswith("**a cute cat in seaside --ar 16:9 --v 6** - <@")
    assert "🌐 Translated from: 一只可爱的猫在海边 --ar 16:9 --v 6" in message.content
    (job,) = await th.jobs()
    assert job.prompt == "a cute cat in seaside --ar 16:9 --v 6"


async def test_the_note_is_in_chinese_for_a_chinese_user(th: Harness) -> None:
    inter = await th.command("imagine", {"prompt": "红色的城堡"}, locale="zh-CN")
    message = await th.wait_final(inter.token)
    assert "🌐 原文：红色的城堡" in message.content
    assert submitted_prompts(th) == ["red castle"]


async def test_urls_weights_and_the_parameters_pass_through(th: Harness) -> None:
    prompt = "https://example.com/ref.png 一只猫::2 狗::-0.5 --no 红色 --stylize 250"
    inter = await th.command("imagine", {"prompt": prompt})
    await th.wait_final(inter.token)
    (sent,) = submitted_prompts(th)
    assert sent == "https://example.com/ref.png a cat ::2 dog ::-0.5 --no 红色 --stylize 250"
    (question,) = th.sim.chat.asked
    assert "example.com" not in question and "::" not in question


async def test_an_english_prompt_is_never_sent_to_the_chat_model(th: Harness) -> None:
    inter = await th.command("imagine", {"prompt": "a fox --no 红色"})  # CJK only in a value
    message = await th.wait_final(inter.token)
    assert submitted_prompts(th) == ["a fox --no 红色"]
    assert th.sim.count("chat/completions") == 0
    assert "🌐" not in message.content and "⚠️" not in message.content


async def test_the_same_prompt_twice_is_translated_once(th: Harness) -> None:
    for _ in range(2):
        inter = await th.command("imagine", {"prompt": "金色的龙 --ar 2:3"})
        await th.wait_final(inter.token)
    # Another aspect ratio: the words are the same, so is the cached translation.
    inter = await th.command("imagine", {"prompt": "金色的龙 --ar 3:2"})
    await th.wait_final(inter.token)
    assert th.sim.count("chat/completions") == 1
    assert submitted_prompts(th) == [
        "golden dragon --ar 2:3",
        "golden dragon --ar 2:3",
        "golden dragon --ar 3:2",
    ]


async def test_the_cache_outlives_a_restart(th: Harness) -> None:
    inter = await th.command("imagine", {"prompt": "森林的夜晚"})
    await th.wait_final(inter.token)
    await th.stop_bot()
    await th.start_bot()
    inter = await th.command("imagine", {"prompt": "森林的夜晚"})
    await th.wait_final(inter.token)
    assert th.sim.count("chat/completions") == 1
    assert submitted_prompts(th) == ["forest night", "forest night"]


async def test_a_failed_translation_submits_the_original_and_says_so(th: Harness) -> None:
    th.sim.faults.chat_errors = 1
    inter = await th.command("imagine", {"prompt": "一只狐狸 --v 6"})
    message = await th.wait_final(inter.token)
    assert submitted_prompts(th) == ["一只狐狸 --v 6"]
    assert "⚠️ Not translated (the translation service failed): sent as written." in (
        message.content
    )
    # A failure is not cached: the next identical prompt is translated.
    again = await th.command("imagine", {"prompt": "一只狐狸 --v 6"}, locale="zh-CN")
    second = await th.wait_final(again.token)
    assert submitted_prompts(th)[-1] == "a fox --v 6"
    assert "🌐 原文：一只狐狸 --v 6" in second.content
    assert th.sim.count("chat/completions") == 2


async def test_a_slow_translation_is_given_up_and_the_original_submitted(th: Harness) -> None:
    th.sim.faults.chat_timeouts = 1
    th.sim.faults.timeout_seconds = 3.0  # the bot waits 0.5 s
    inter = await th.command("imagine", {"prompt": "日落的城市"}, locale="zh-CN")
    message = await th.wait_final(inter.token)
    assert submitted_prompts(th) == ["日落的城市"]
    assert "⚠️ 翻译超时，未翻译，已按原文提交。" in message.content


async def test_an_answer_that_loses_a_protected_part_is_not_used(th: Harness) -> None:
    th.sim.faults.chat_mangled = 1  # the model drops the placeholders of the weights
    inter = await th.command("imagine", {"prompt": "猫::2 狗"})
    message = await th.wait_final(inter.token)
    assert submitted_prompts(th) == ["猫::2 狗"]
    assert "⚠️ Not translated" in message.content


async def test_an_aggregator_without_a_chat_model_submits_the_original(th: Harness) -> None:
    th.sim.faults.chat_unsupported = True
    inter = await th.command("imagine", {"prompt": "一只鸟"})
    message = await th.wait_final(inter.token)
    assert submitted_prompts(th) == ["一只鸟"]
    assert "⚠️ Not translated" in message.content


async def test_shorten_analyses_the_english_prompt(th: Harness) -> None:
    inter = await th.command("shorten", {"prompt": "美丽的森林，水彩风格"})
    message = await th.wait_final(inter.token)
    assert th.sim.records("submit/shorten")[0].body_json["prompt"] == (
        "beautiful forest, watercolor style"
    )
    assert "🌐 Translated from: 美丽的森林，水彩风格" in message.content


async def test_a_remix_prompt_typed_in_chinese_is_translated(th: Harness) -> None:
    await th.command("settings", {"remix": True})
    inter = await th.command("imagine", {"prompt": "a castle"})
    grid = await th.wait_final(inter.token)
    v1 = next(b for b in grid.buttons() if b.label == "V1")
    opened = await th.dispatch(th.factory.button_click(grid, v1.custom_id))
    assert opened.callback_type == 9
    modal = th.fake.last_modal
    assert modal is not None
    answer = await th.dispatch(
        th.factory.modal_submit(modal.custom_id, {"prompt": "金色的城堡 --ar 16:9"})
    )
    varied = await th.wait_final(answer.token)
    assert th.sim.records("submit/modal")[-1].body_json["prompt"] == "golden castle --ar 16:9"
    assert "🌐 Translated from: 金色的城堡 --ar 16:9" in varied.content


async def test_off_by_default(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "一只猫 --ar 16:9"})
    message = await h.wait_final(inter.token)
    assert [r.body_json["prompt"] for r in h.sim.records("submit/imagine")] == ["一只猫 --ar 16:9"]
    assert h.sim.count("chat/completions") == 0 and "🌐" not in message.content


async def test_no_paid_translation_for_a_job_the_limits_or_the_wallet_refuse(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path / "cooldown", translate_prompts="auto", cooldown_seconds=600) as h:
        first = await h.command("imagine", {"prompt": "一只猫"}, user_id=41)
        await h.wait_final(first.token)
        assert len(h.sim.chat.asked) == 1
        cooling = await h.command("imagine", {"prompt": "一只红色的狗"}, user_id=41)
        assert "Cooldown" in await h.refusal(cooling)
        assert len(h.sim.chat.asked) == 1  # the refused prompt cost no chat call
    async with harness(
        tmp_path / "wallet", translate_prompts="auto", credits_enabled=True, new_user_credits=0
    ) as h:
        broke = await h.command("imagine", {"prompt": "一只红色的鸟"}, user_id=42, locale="zh-CN")
        assert "点数" in await h.refusal(broke)
        assert h.sim.chat.asked == [] and h.sim.count("submit/imagine") == 0
