"""The line a job's message shows about its prompt's translation, in both languages."""

from __future__ import annotations

from bot.core.models import JobStatus
from bot.core.render import render
from tests.core.test_render import job

TRANSLATED = {"original_prompt": "一只*猫*  --ar 16:9", "translation": "translated"}


def test_a_translated_prompt_shows_its_original_above_the_job_number() -> None:
    shown = render(job(prompt="a cat --ar 16:9", options=TRANSLATED)).content
    assert shown.splitlines() == [
        "**a cat --ar 16:9** - <@42> (Waiting to start)",
        "-# 🌐 Translated from: 一只\\*猫\\* --ar 16:9",  # markdown kept literal
        "-# Job 7",
    ]
    chinese = render(job(options=TRANSLATED, status=JobStatus.SUCCESS), locale="zh-CN")
    assert "\n-# 🌐 原文：一只\\*猫\\* --ar 16:9\n-# 任务 7" in chinese.content


def test_a_failed_or_slow_translation_says_the_original_was_sent() -> None:
    failed = job(options={"original_prompt": "一只猫", "translation": "failed"})
    slow = job(options={"original_prompt": "一只猫", "translation": "timed_out"})
    assert "⚠️ Not translated (the translation service failed)" in render(failed).content
    assert "⚠️ 翻译超时，未翻译，已按原文提交。" in render(slow, locale="zh-CN").content


def test_a_long_original_still_fits_the_message() -> None:
    options = {"original_prompt": "猫" * 4000, "translation": "translated"}
    content = render(job(prompt="cat " * 900, options=options)).content
    assert len(content) <= 2000 and content.endswith("…\n-# Job 7")


def test_nothing_is_shown_without_translation() -> None:
    assert "🌐" not in render(job()).content and "⚠️" not in render(job()).content
