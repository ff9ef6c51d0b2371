"""The line a job's message shows about its prompt's translation (TRANSLATE_PROMPTS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.i18n import t
from bot.core.payload import clip
from bot.core.translate import ORIGINAL_KEY, OUTCOME_KEY, Outcome

MAX_ORIGINAL = 600  # of the message's 2000 characters; the English prompt comes first


def translation_note(
    options: dict[str, Any], locale: str, escape: Callable[[str], str]
) -> str | None:
    """`-# 🌐 Translated from: 一只猫`, or the note that the original was sent; None for a
    job whose prompt was not meant to be translated. `escape` keeps markdown literal."""
    outcome = options.get(OUTCOME_KEY)
    if outcome == Outcome.TRANSLATED.value:
        text = " ".join(str(options.get(ORIGINAL_KEY, "")).split())
        original = escape(clip(text, MAX_ORIGINAL))
        return "-# " + t("translate.done", locale, original=original)
    if outcome == Outcome.TIMED_OUT.value:
        return "-# " + t("translate.timed_out", locale)
    if outcome == Outcome.FAILED.value:
        return "-# " + t("translate.failed", locale)
    return None
