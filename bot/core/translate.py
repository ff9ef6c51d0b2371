"""TRANSLATE_PROMPTS=auto: prompts with Chinese, Japanese or Korean words go to the
aggregator's chat model first, and Midjourney gets them in English.

Only the words are sent (see `translate_protect`); parameters, URLs, weights and
permutation braces come back exactly as they were or the answer is not used. Whatever
goes wrong (an error, a timeout, a mangled answer), the original prompt is submitted
and the job's message says it was not translated. An answer is cached by the text sent
and the model, so the same prompt is translated once (also across restarts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.ports import TranslationStore
from bot.core.translate_protect import Protected, has_cjk, protect

log = logging.getLogger(__name__)

# Option keys on the job, read by the message (bot.core.translation_note).
ORIGINAL_KEY = "original_prompt"
OUTCOME_KEY = "translation"

INSTRUCTIONS = (
    "You translate prompts for the Midjourney image generator into English. "
    "Translate the words into natural English a Midjourney user would write; keep the "
    "punctuation and the order of the ideas. Placeholders such as [[0]] or [[1]] stand "
    "for parts that must not change: copy every placeholder exactly, once each, in the "
    "same order, and never add, remove, translate or renumber one. Answer with the "
    "translated prompt only: no quotes, notes or explanations."
)


class ChatError(Exception):
    """The chat model gave no usable answer (HTTP error, bad JSON, no text)."""


class ChatTimeoutError(ChatError):
    """The chat model did not answer within the translation timeout."""


class ChatModel(Protocol):
    async def complete(self, system: str, user: str) -> str: ...


class Outcome(StrEnum):
    TRANSLATED = "translated"
    FAILED = "failed"  # an error or an answer that changed a protected part
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class Translation:
    original: str
    prompt: str  # what is submitted: the English prompt, or the original
    outcome: Outcome | None = None  # None: nothing was translated, or translation is off

    @property
    def translated(self) -> bool:
        return self.outcome is Outcome.TRANSLATED

    def options(self) -> dict[str, str]:
        """What the job keeps, for its message to show the original and the outcome."""
        if self.outcome is None:
            return {}
        return {ORIGINAL_KEY: self.original, OUTCOME_KEY: self.outcome.value}

    def failed(self) -> Translation:
        return Translation(self.original, self.original, Outcome.FAILED)


def untranslated(prompt: str) -> Translation:
    return Translation(prompt, prompt)


class PromptTranslator:
    def __init__(
        self,
        chat: ChatModel,
        cache: TranslationStore,
        *,
        model: str,
        max_chars: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._chat = chat
        self._cache = cache
        self._model = model
        self._max_chars = max_chars
        self._clock = clock

    async def translate(
        self, prompt: str, *, before_call: Callable[[], Awaitable[None]] | None = None
    ) -> Translation:
        """The prompt to submit; a failure submits the original. `before_call` runs before
        a chat call is paid for (not for a cached or a non-CJK prompt); what it raises
        (a refusal) goes through."""
        protected = protect(prompt)
        if not has_cjk(protected.text):
            return untranslated(prompt)
        cached = await self._cached(protected.text)
        if cached is not None and (english := self._accepted(protected, cached)):
            return Translation(prompt, english, Outcome.TRANSLATED)
        if before_call is not None:
            await before_call()
        try:
            answer = await self._chat.complete(INSTRUCTIONS, protected.text)
        except ChatTimeoutError:
            log.warning("prompt translation timed out; the original prompt is submitted")
            return Translation(prompt, prompt, Outcome.TIMED_OUT)
        except ChatError as exc:
            log.warning("prompt translation failed (%s); the original prompt is submitted", exc)
            return Translation(prompt, prompt, Outcome.FAILED)
        english = self._accepted(protected, answer)
        if english is None:
            log.warning("the translation changed a protected part; the original is submitted")
            return Translation(prompt, prompt, Outcome.FAILED)
        await self._remember(protected.text, answer.strip())
        return Translation(prompt, english, Outcome.TRANSLATED)

    # The cache only saves calls: a database hiccup must not stop a job.
    async def _cached(self, text: str) -> str | None:
        try:
            return await self._cache.get(self._model, text)
        except Exception:
            log.warning("could not read the translation cache", exc_info=True)
            return None

    async def _remember(self, text: str, answer: str) -> None:
        try:
            await self._cache.put(self._model, text, answer, at=self._clock())
        except Exception:
            log.warning("could not store a translation", exc_info=True)

    def _accepted(self, protected: Protected, answer: str) -> str | None:
        english = protected.restore(answer)
        if english is None or len(english) > self._max_chars:
            return None
        return english
